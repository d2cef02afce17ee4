"""Does the line describe the item its code names?"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

from price_tables.models import Item
from validators.context import BillContext, Judged
from validators.findings import Result
from validators.spec import RuleDoc, RuleSpec

_FOLD = str.maketrans({"（": "(", "）": ")", "，": ",", "＋": "+", "－": "-", "／": "/", "：": ":"})


@lru_cache(maxsize=65536)
def normalise(text: str) -> str:
    """Compare names and units ignoring spaces and full-/half-width punctuation."""
    return re.sub(r"\s+", "", text).translate(_FOLD).lower()


def _mismatch(field: str, message: Callable[[Judged, str, str], str], basis: Callable[[Item], str]):
    """A check that the line's `field` (name, unit), when sent, is the item's: the shape both
    identity rules share."""

    def check(spec: RuleSpec, ctx: BillContext):
        for line in ctx.judged():
            sent = getattr(line.line, field)
            if not sent:
                continue
            expected = getattr(line.item, field)
            if sent != expected and normalise(sent) != normalise(expected):
                yield spec.finding([line], message(line, sent, expected), ctx.basis(line, basis(line.item)),
                                   charged=line.charged)

    return check


_name_mismatch = _mismatch(
    "name", lambda line, sent, name: f"明细名称“{sent}”与编码 {line.code} 的项目名称“{name}”不符，可能串换项目，请核对",
    lambda item: f"{item.code} {item.name}")
_unit_mismatch = _mismatch(
    "unit", lambda line, sent, unit: f"{line.label()}计价单位为“{unit}”，明细填写“{sent}”，数量口径不一致",
    lambda item: f"计价单位：{item.unit}")


NAME_MISMATCH = RuleSpec(
    "NAME_MISMATCH", None, "明细名称与编码对应的项目名称不符（可能串换）", Result.SUSPECT, _name_mismatch,
    doc=RuleDoc(catches="a name that differs from the code's item (suspect: possible 串换)",
                clean="the item's name, ignoring spaces and full-/half-width punctuation"))
UNIT_MISMATCH = RuleSpec(
    "UNIT_MISMATCH", None, "计价单位与价格表不符", Result.VIOLATION, _unit_mismatch,
    doc=RuleDoc(catches="a unit that differs from the 计价单位 (冠状动脉搭桥术 by 次 instead of 支)",
                clean="the 计价单位 as printed, or no unit"))
