"""Which grade the bill is priced at: the hospital registry's, not silently the bill's own."""

from __future__ import annotations

from validators.context import BillContext, Judged
from validators.findings import Basis, Result
from validators.spec import RuleDoc, RuleSpec


def _depends_on_grade(line: Judged) -> bool:
    prices = line.item.prices
    return (len({prices.grade_3a, prices.grade_3b, prices.grade_2_or_below}) > 1
            or bool(line.item.rules_of("grade_limit")))


def _grade_unknown(spec: RuleSpec, ctx: BillContext):
    if ctx.grade_known:
        return
    dependent = [line for line in ctx.judged() if _depends_on_grade(line)]
    if dependent:
        hospital = ctx.bill.hospital.fixmedins_code
        where = f"医院 {hospital} 不在医院名录中" if hospital else "单据未提供医院编号 fixmedins_code"
        yield spec.finding(
            dependent, f"医院等级未知（{where}，单据也未给出等级）：{len(dependent)} 条明细的价格因等级而不同，"
                       f"已按最高的三甲价格检查，低于三甲价格的收费是否超标无法判断，须核实本院等级",
            Basis(None, None, "医院名录；各等级价格"))


def _grade_conflict(spec: RuleSpec, ctx: BillContext):
    claimed, registered = ctx.claimed_grade, ctx.registry_grade
    if claimed is not None and registered is not None and claimed != registered:
        yield spec.finding(
            ctx.lines[:1], f"单据填写的医院等级为{claimed.label}，医院名录中医院 {ctx.bill.hospital.fixmedins_code} "
                           f"此时为{registered.label}：已按名录的{registered.label}价格检查",
            Basis(None, None, f"医院名录：{ctx.bill.hospital.fixmedins_code} {registered.label}"))


HOSPITAL_GRADE_UNKNOWN = RuleSpec(
    "HOSPITAL_GRADE_UNKNOWN", None, "医院等级未知，按最高等级价格检查", Result.SUSPECT, _grade_unknown,
    doc=RuleDoc(catches="a bill whose hospital grade neither the registry (by fixmedins_code) nor the bill gives, with "
                        "lines whose price depends on the grade: prices are checked at the highest (三甲) price and the "
                        "answer says so",
                clean="a registered fixmedins_code, or the bill's hospital.grade"))
HOSPITAL_GRADE_CONFLICT = RuleSpec(
    "HOSPITAL_GRADE_CONFLICT", None, "单据的医院等级与医院名录不符", Result.SUSPECT, _grade_conflict,
    doc=RuleDoc(catches="a hospital.grade that differs from the registry's grade for its fixmedins_code on the bill's "
                        "first day (the registry's grade is used)",
                clean="the registry's grade, or no grade beside a registered fixmedins_code"))
