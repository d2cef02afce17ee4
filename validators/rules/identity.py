"""Does the line describe the item its code names?"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from operator import attrgetter

from price_tables.models import Item
from validators.context import BillContext, Judged
from validators.findings import Result
from validators.spec import RuleDoc, RuleSpec

_FOLD = str.maketrans({"（": "(", "）": ")", "，": ",", "＋": "+", "－": "-", "／": "/", "：": ":"})


@lru_cache(maxsize=65536)
def normalise(text: str) -> str:
    """Compare names and units ignoring spaces and full-/half-width punctuation."""
    return re.sub(r"\s+", "", text).translate(_FOLD).lower()


def _mismatch(field: str, message: Callable[[Judged, str, str], str], basis: Callable[[Item], str],
              accepted: Callable[[Item], tuple[str, ...]] = lambda item: (),
              result: Callable[[Item], Result | None] = lambda item: None, skip_mapped: bool = False):
    """A check that the line's `field` (name, unit), when sent, is the item's or one it accepts:
    the shape both identity rules share.  `result` may lower the level for an item;
    `skip_mapped` leaves out lines whose item was found through a code map (their name is the
    hospital's own, checked against the item's when the map was uploaded)."""

    sent_of, expected_of = attrgetter(field), attrgetter(field)

    def check(spec: RuleSpec, ctx: BillContext):
        for line in ctx.judged():
            if skip_mapped and line.mapping is not None:
                continue
            sent = sent_of(line.line)
            if not sent:
                continue
            item = line.item
            expected = expected_of(item)
            if sent == expected or normalise(sent) == normalise(expected):
                continue
            others = accepted(item)
            if others and normalise(sent) in {normalise(o) for o in others}:
                continue
            yield spec.finding([line], message(line, sent, expected), ctx.basis(line, basis(item)),
                               charged=line.charged, result=result(item))

    return check


def _aliases(item: Item) -> tuple[str, ...]:
    return tuple(name for alias in item.rules_of("name_alias") for name in alias.names)


def _name_level(item: Item) -> Result | None:
    """A name the tables composed (a code a 备注 defines) or placed by judgement (存疑) cannot
    accuse a hospital of 串换: a different name there is at most info."""
    return Result.INFO if item.source.derived_from or "name" in item.uncertain_fields else None


def _name_message(line: Judged, sent: str, name: str) -> str:
    if _name_level(line.item) is Result.INFO:
        why = "本表据备注组成" if line.item.source.derived_from else "分界存疑"
        return f"明细名称“{sent}”与编码 {line.code} 在本表中的名称“{name}”不同；该名称为{why}，仅作提示"
    return f"明细名称“{sent}”与编码 {line.code} 的项目名称“{name}”不符，可能串换项目，请核对"


_name_mismatch = _mismatch("name", _name_message, lambda item: f"{item.code} {item.name}", _aliases, _name_level,
                           skip_mapped=True)
_unit_mismatch = _mismatch(
    "unit", lambda line, sent, unit: f"{line.label()}计价单位为“{unit}”，明细填写“{sent}”，数量口径不一致",
    lambda item: f"计价单位：{item.unit}")


NAME_MISMATCH = RuleSpec(
    "NAME_MISMATCH", None, "明细名称与编码对应的项目名称不符（可能串换）", Result.SUSPECT, _name_mismatch,
    doc=RuleDoc(catches="a name that differs from the code's item (suspect: possible 串换); info only where the "
                        "tables composed the name (a code a 备注 defines) or marked it 存疑",
                clean="the item's name (11号 names as the national catalogue fixes their boundaries: 导尿, 常规心电图检查) "
                      "or an accepted alias, ignoring spaces and full-/half-width punctuation"))
UNIT_MISMATCH = RuleSpec(
    "UNIT_MISMATCH", None, "计价单位与价格表不符", Result.VIOLATION, _unit_mismatch,
    doc=RuleDoc(catches="a unit that differs from the 计价单位 (冠状动脉搭桥术 by 次 instead of 支)",
                clean="the 计价单位 as printed, or no unit"))
