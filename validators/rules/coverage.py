"""Is the line priced by a loaded table on its date, and inside the stay?"""

from __future__ import annotations

from validators.context import BillContext
from validators.findings import Basis, Result
from validators.spec import RuleDoc, RuleSpec, yuan


def _not_covered(spec: RuleSpec, ctx: BillContext):
    for line in ctx.lines:
        if not line.known_code and line.service:
            yield spec.finding(
                [line], f"项目编码 {line.code}{'（' + line.line.name + '）' if line.line.name else ''}"
                        f"不在已加载的价格表中，本条不作判断",
                Basis(document=None, seq=None, text="已加载的价格表"), charged=line.charged)


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
    doc=RuleDoc(catches="a service code in no loaded table (info: the line is not judged)",
                clean="every service line carries a code of a loaded notice"))
NOT_IN_EFFECT = RuleSpec(
    "NOT_IN_EFFECT", None, "服务日期不在项目价格有效期内", Result.VIOLATION, _not_in_effect,
    doc=RuleDoc(catches="a service date outside the item's period (a 12号 trial price on 2023-09-01)",
                clean="the service date falls in a period of a notice that prices the code"))
CHARGE_OUTSIDE_STAY = RuleSpec(
    "CHARGE_OUTSIDE_STAY", "GZ10000201008000", "计费日期与住院时间不符", Result.VIOLATION, _outside_stay,
    doc=RuleDoc(catches="an inpatient line dated before admission or after discharge",
                clean="every line of an inpatient bill dated within admission–discharge"))
