"""May this patient, in this hospital, be charged this item at all?"""

from __future__ import annotations

from validators.context import BillContext
from validators.findings import Result
from validators.spec import RuleDoc, RuleSpec, count, yuan

_CHILD_ONLY = "GZ10000302003000"  # 医疗服务项目儿童专用
_AGE_LIMITED = "GZ10000102006000"  # 医疗服务项目限儿童使用 / 限年龄


def _age(spec: RuleSpec, ctx: BillContext):
    for line in ctx.judged_with("age_limit"):
        for limit in line.item.rules_of("age_limit"):
            too_old = limit.max_age is not None and line.age > limit.max_age
            too_young = limit.min_age is not None and line.age < limit.min_age
            if too_old or too_young:
                child_only = limit.max_age is not None and limit.min_age is None
                yield spec.finding(
                    [line], f"{line.label()}{limit.describe()}，患者服务日 {line.day} 为{line.age}周岁，"
                            f"不得收费{yuan(line.charged)}元",
                    ctx.basis(line, limit.basis), charged=line.charged, at_risk=line.charged,
                    national_rule=_CHILD_ONLY if child_only else _AGE_LIMITED)


def _sex(spec: RuleSpec, ctx: BillContext):
    sex = ctx.bill.patient.sex
    for line in ctx.judged_with("sex_limit"):
        for limit in line.item.rules_of("sex_limit"):
            if sex is None:
                yield spec.finding(
                    [line], f"{line.label()}{limit.describe()}；患者性别未知（未提供或为“未知/未说明”），未做性别限定检查",
                    ctx.basis(line, limit.basis), charged=line.charged, result=Result.INFO)
            elif limit.sex != sex:
                patient = "男性" if sex == "M" else "女性"
                yield spec.finding(
                    [line], f"{line.label()}{limit.describe()}，患者为{patient}，不得收费{yuan(line.charged)}元",
                    ctx.basis(line, limit.basis), charged=line.charged, at_risk=line.charged)


def _grade(spec: RuleSpec, ctx: BillContext):
    for line in ctx.judged_with("grade_limit"):
        for limit in line.item.rules_of("grade_limit"):
            if not ctx.grade_known:
                yield spec.finding(
                    [line], f"{line.label()}{limit.describe()}；医院等级未知（医院名录与单据均未给出），须核实本院等级",
                    ctx.basis(line, limit.basis), charged=line.charged, at_risk=line.charged, result=Result.SUSPECT)
            elif ctx.grade not in limit.allowed:
                yield spec.finding(
                    [line], f"{line.label()}{limit.describe()}，本院为{ctx.grade.label}，不得收费{yuan(line.charged)}元",
                    ctx.basis(line, limit.basis), charged=line.charged, at_risk=line.charged)


def _consent(spec: RuleSpec, ctx: BillContext):
    for line in ctx.judged_with("consent_required"):
        signed = line.line.consent_signed
        if signed is True:
            continue
        basis_text = next((r.basis for r in line.item.rules_of("consent_required")), "自主定价")
        basis_text += "；自主定价项目提供服务前应与患者或患者委托人签署书面协议（通知第四条）"
        if signed is False:
            yield spec.finding([line], f"{line.label()}为自主定价项目，明细标明未签署书面协议，收费{yuan(line.charged)}元",
                               ctx.basis(line, basis_text), charged=line.charged, at_risk=line.charged)
        else:
            yield spec.finding([line], f"{line.label()}为自主定价项目，须提供与患者签署的书面协议（明细未注明 consent_signed）",
                               ctx.basis(line, basis_text), charged=line.charged, at_risk=line.charged,
                               result=Result.SUSPECT)


def _indication(spec: RuleSpec, ctx: BillContext):
    memo = ctx.catalog.memo.setdefault("INDICATION_REQUIRED", {})  # (id(item), no duration) → texts
    for line in ctx.judged_with_any("documented_limit", "minimum_duration"):
        limits = line.item.rules_of("documented_limit")
        minimums = line.item.rules_of("minimum_duration")
        hours = line.line.duration_hours
        for minimum in minimums:
            if hours is not None and hours < minimum.min_hours:
                yield spec.finding(
                    [line], f"{line.label()}要求{minimum.describe()}，明细时长{count(hours)}小时，不足",
                    ctx.basis(line, minimum.basis), charged=line.charged, at_risk=line.charged,
                    result=Result.VIOLATION)
        unproven = limits + (minimums if hours is None else ())
        if unproven:
            key = (id(line.item), hours is None)
            found = memo.get(key)
            if found is None:
                found = memo[key] = _requirements(unproven)
            needs, basis = found
            yield spec.finding(
                [line], f"{line.label()}限定条件需病历等资料证明：{needs}",
                ctx.basis(line, basis), charged=line.charged, at_risk=line.charged)


def _requirements(rules: tuple) -> tuple[str, str]:
    """What the record must show, and the source sentences (the same for every line of an item)."""
    needs = "；".join(r.describe().removeprefix("须有病历等资料证明：") for r in rules)
    return needs, " ".join(r.basis for r in rules)


AGE_RESTRICTED = RuleSpec(
    "AGE_RESTRICTED", _AGE_LIMITED, "患者年龄不符合项目限定", Result.VIOLATION, _age,
    doc=RuleDoc(catches="age (周岁 on the service date) outside the item's limit (小儿末梢采血 for a 7-year-old)",
                clean="the patient's age within the limit",
                national=f"{_CHILD_ONLY} (child-only) / {_AGE_LIMITED}"))
SEX_RESTRICTED = RuleSpec(
    "SEX_RESTRICTED", "GZ10000302004000", "医疗服务项目区分性别使用", Result.VIOLATION, _sex,
    doc=RuleDoc(catches="an item for the other sex (an obstetric item billed to a man)",
                clean="obstetric, gynaecological and lactation items billed to women"))
GRADE_RESTRICTED = RuleSpec(
    "GRADE_RESTRICTED", "GZ10000102011000", "医疗服务项目限医疗机构级别", Result.VIOLATION, _grade,
    doc=RuleDoc(catches="a hospital grade the item does not allow (限三级医院 in a 二级 hospital)",
                clean="the item billed by a hospital of an allowed grade"))
CONSENT_REQUIRED = RuleSpec(
    "CONSENT_REQUIRED", None, "自主定价项目须签署书面协议", Result.VIOLATION, _consent,
    doc=RuleDoc(catches="a 自主定价 item without a signed agreement (`consent_signed`: false → violation, "
                        "absent → suspect)",
                clean="`consent_signed: true` on every self-priced line"))
INDICATION_REQUIRED = RuleSpec(
    "INDICATION_REQUIRED", "GZ10000102007000", "适应症、资质或手术级别限定须资料证明", Result.SUSPECT, _indication,
    doc=RuleDoc(catches="indication, qualification, equipment or surgery-level limits (suspect: the record must "
                        "show them); a minimum duration stated in 备注 or 项目内涵 (每次不少于30分钟, 持续…≥2小时) "
                        "not met by `duration_hours` (violation: the charged service was not the priced one)",
                clean="items without such limits; `duration_hours` at or above every stated minimum"))
