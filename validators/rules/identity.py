"""Does the line describe the item its code names?"""

from __future__ import annotations

import re
from functools import lru_cache

from validators.context import BillContext
from validators.findings import Result
from validators.spec import RuleDoc, RuleSpec

_FOLD = str.maketrans({"（": "(", "）": ")", "，": ",", "＋": "+", "－": "-", "／": "/", "：": ":"})


@lru_cache(maxsize=65536)
def normalise(text: str) -> str:
    """Compare names and units ignoring spaces and full-/half-width punctuation."""
    return re.sub(r"\s+", "", text).translate(_FOLD).lower()


def _name_mismatch(spec: RuleSpec, ctx: BillContext):
    for line in ctx.judged():
        sent = line.line.name
        if sent and sent != line.item.name and normalise(sent) != normalise(line.item.name):
            yield spec.finding(
                [line], f"明细名称“{sent}”与编码 {line.code} 的项目名称“{line.item.name}”不符，可能串换项目，请核对",
                ctx.basis(line, f"{line.item.code} {line.item.name}"), charged=line.charged)


def _unit_mismatch(spec: RuleSpec, ctx: BillContext):
    for line in ctx.judged():
        sent = line.line.unit
        if sent and sent != line.item.unit and normalise(sent) != normalise(line.item.unit):
            yield spec.finding(
                [line], f"{line.label()}计价单位为“{line.item.unit}”，明细填写“{sent}”，数量口径不一致",
                ctx.basis(line, f"计价单位：{line.item.unit}"), charged=line.charged)


NAME_MISMATCH = RuleSpec(
    "NAME_MISMATCH", None, "明细名称与编码对应的项目名称不符（可能串换）", Result.SUSPECT, _name_mismatch,
    doc=RuleDoc(catches="a name that differs from the code's item (suspect: possible 串换)",
                clean="the item's name, ignoring spaces and full-/half-width punctuation"))
UNIT_MISMATCH = RuleSpec(
    "UNIT_MISMATCH", None, "计价单位与价格表不符", Result.VIOLATION, _unit_mismatch,
    doc=RuleDoc(catches="a unit that differs from the 计价单位 (冠状动脉搭桥术 by 次 instead of 支)",
                clean="the 计价单位 as printed, or no unit"))
