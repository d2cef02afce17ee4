"""Is the line priced by a loaded table on its date, and inside the stay?"""

from __future__ import annotations

import re

from validators.context import AnyLine, BillContext
from validators.findings import Basis, Result
from validators.spec import RuleDoc, RuleSpec, yuan

#: A provincial item code: the nine digits of the national catalogue and a two-digit local suffix.
PROVINCIAL_CODE = re.compile(r"^\d{11}$")


def _unknown(line: AnyLine, provincial: bool) -> bool:
    """A service line whose code no table prices and no code map resolves, of that shape."""
    return (not line.known_code and line.service
            and bool(PROVINCIAL_CODE.match(line.code)) == provincial)


def _not_covered(spec: RuleSpec, ctx: BillContext):
    for line in ctx.lines:
        if _unknown(line, provincial=True):
            yield spec.finding(
                [line], f"项目编码 {line.code}{'（' + line.line.name + '）' if line.line.name else ''}"
                        f"不在已加载的价格表中，本条不作判断",
                Basis(document=None, seq=None, text="已加载的价格表"), charged=line.charged)


def _sent_codes(line: AnyLine) -> str:
    sent = line.line
    parts = [f"{label} {value}" for label, value in (("编码", sent.code), ("医保项目编码", sent.hilist_code),
                                                      ("医院项目编码", sent.hosplist_code)) if value]
    return "、".join(parts)


def _unmapped(spec: RuleSpec, ctx: BillContext):
    hospital = ctx.bill.hospital.fixmedins_code
    for line in ctx.lines:
        if _unknown(line, provincial=False):
            maps = f"医院 {hospital} 及全省的对码表" if hospital else "全省的对码表（未提供医院编号 fixmedins_code）"
            yield spec.finding(
                [line], f"明细 {line.id}（{_sent_codes(line)}{'，' + line.line.name if line.line.name else ''}）"
                        f"不是价格表的项目编码，{maps}中也没有它的对应项目，无法判断收费是否合规；请先对码",
                Basis(document=None, seq=None, text="已加载的价格表与已发布的对码表"), charged=line.charged)


def _not_in_effect(spec: RuleSpec, ctx: BillContext):
    for line in ctx.lines:
        if line.known_code and line.entry is None:
            entries = ctx.catalog.history(line.code)
            periods = "；".join(f"{e.document}：{e.effective_from}至{e.effective_to or '今'}" for e in entries)
            name = entries[-1].item.name
            latest = entries[-1]
            yield spec.finding(
                [line], f"{name}（{line.code}）服务日期 {line.day} 不在价格有效期内（{periods}），"
                        f"该日无可执行价格，收费{yuan(line.charged)}元",
                Basis(document=latest.document, seq=latest.item.source.seq, text=periods),
                charged=line.charged, at_risk=line.charged)


def _outside_stay(spec: RuleSpec, ctx: BillContext):
    encounter = ctx.bill.encounter
    admitted, discharged = encounter.admitted_on, encounter.discharged_on
    if encounter.type != "inpatient" or not (admitted or discharged):
        return
    for line in ctx.lines:
        day = line.day
        if (admitted is not None and day < admitted) or (discharged is not None and day > discharged):
            stay = f"{encounter.admitted_on or '?'}至{encounter.discharged_on or '?'}"
            yield spec.finding(
                [line], f"{line.label()}计费日期 {line.day} 不在住院期间（{stay}）内，收费{yuan(line.charged)}元",
                Basis(document=None, seq=None, text=f"住院期间：{stay}"), charged=line.charged, at_risk=line.charged)


ITEM_NOT_COVERED = RuleSpec(
    "ITEM_NOT_COVERED", None, "编码不在任何已加载的价格表中（不作判断）", Result.INFO, _not_covered,
    doc=RuleDoc(catches="a provincial item code (11 digits) that no loaded table prices: the two notices change a "
                        "larger catalogue, which pricing staff load by upload (info: the line is not judged)",
                clean="every service line carries a code of a loaded notice"))
CODE_UNMAPPED = RuleSpec(
    "CODE_UNMAPPED", None, "编码未对码，无法判断", Result.SUSPECT, _unmapped,
    doc=RuleDoc(catches="a code that is neither an item code of the tables nor found in the hospital's or the "
                        "province's published code map (a local code, a national code with no map, a malformed code): "
                        "the bill is never `pass` (0 at risk)",
                clean="item codes of the tables, or codes the published code maps resolve (hilist_code, then "
                      "hosplist_code)"))
NOT_IN_EFFECT = RuleSpec(
    "NOT_IN_EFFECT", None, "服务日期不在项目价格有效期内", Result.VIOLATION, _not_in_effect,
    doc=RuleDoc(catches="a service date outside the item's period (a 12号 trial price on 2023-09-01)",
                clean="the service date falls in a period of a notice that prices the code"))
CHARGE_OUTSIDE_STAY = RuleSpec(
    "CHARGE_OUTSIDE_STAY", "GZ10000201008000", "计费日期与住院时间不符", Result.VIOLATION, _outside_stay,
    doc=RuleDoc(catches="an inpatient line dated before admission or after discharge",
                clean="every line of an inpatient bill dated within admission–discharge"))
