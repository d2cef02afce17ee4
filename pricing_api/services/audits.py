"""Post-payment review (事后审核): audit runs, the review of their findings (初审 → 复审), the
deduction list per hospital (扣款明细), and what each rule turned out to be worth.

A finding is reviewed twice: a first reviewer marks it 成立 (confirmed), 不成立 (rejected) or
误报 (false positive, the rule fired wrongly) with a comment; a second reviewer — another key —
confirms or changes that, and only then is the decision final.  Only final 成立 findings are
deducted.  Every decision is written to the audit log.
"""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from typing import Any

from sqlmodel import Session

from price_tables.formula_guard import guard
from pricing_api.auth import Principal
from pricing_api.errors import Conflict, FieldProblem, InvalidRequest, NotFound
from pricing_api.schemas.audits import (
    AuditFindingPage,
    AuditRunDetail,
    AuditRunOut,
    AuditRunPage,
    FacetOut,
    finding_out,
)
from pricing_api.services.audit_log import record_audit
from pricing_api.storage import audits as stored
from pricing_api.storage import hospitals as hospital_store
from pricing_api.storage.records import AuditFindingRecord, AuditRunRecord
from validators.registry import RULES_BY_ID

DECISIONS = {"confirmed": "成立", "rejected": "不成立", "false_positive": "误报"}
STAGES = {"open": "待初审", "first": "待复审", "final": "已复审"}
RUN_STATES = {"queued": "排队中", "running": "审核中", "done": "已完成", "failed": "失败"}
#: A review names at most this many findings by id (a larger selection goes by filter).
MAX_IDS = 1000
_CENT = Decimal("0.01")


def yuan(cents: int | None) -> Decimal | None:
    return None if cents is None else (Decimal(cents) / 100).quantize(_CENT)


def cents_of(amount: Decimal | None) -> int | None:
    return None if amount is None else int((amount * 100).to_integral_value())


def rule_name(rule: str) -> str:
    spec = RULES_BY_ID.get(rule)
    return spec.summary if spec else rule


def run_or_404(session: Session, run_id: int) -> AuditRunRecord:
    run = stored.get_run(session, run_id)
    if run is None:
        raise NotFound(f"审核任务 {run_id} 不存在")
    return run


def review(session: Session, run_id: int, principal: Principal, *, stage: str, decision: str, comment: str,
           finding_ids: list[int] | None, where: stored.FindingFilter | None) -> dict[str, Any]:
    """Record a 初审 (`stage` "first") or 复审 ("second") decision on the findings named by id or
    by filter.  All or nothing: one finding that may not take the decision refuses the batch."""
    run = run_or_404(session, run_id)
    if run.state != "done":
        raise Conflict(f"审核任务 {run_id} 尚未完成（{RUN_STATES.get(run.state, run.state)}），不能审核其结果")
    if decision not in DECISIONS:
        raise InvalidRequest("审核结论无效", [FieldProblem(field="decision", reason="应为 confirmed（成立）、"
                                                                              "rejected（不成立）或 false_positive（误报）")])
    comment = comment.strip()
    if finding_ids is not None and len(finding_ids) > MAX_IDS:
        problem = FieldProblem(field="finding_ids", reason=f"有 {len(finding_ids)} 条；更多请按筛选条件审核")
        raise InvalidRequest(f"一次最多审核 {MAX_IDS} 条", [problem])
    if finding_ids is None and where is None:
        problem = FieldProblem(field="finding_ids", reason="finding_ids 或 filter 必须给出一个")
        raise InvalidRequest("请指定要审核的问题", [problem])
    ids = sorted(set(finding_ids)) if finding_ids is not None else None
    clauses = stored.selection(run_id, ids, where)
    state = stored.selection_state(session, clauses, reviewer=principal.key_id, decision=decision)
    if state.count == 0:
        raise InvalidRequest("没有选中任何问题", [FieldProblem(field="finding_ids", reason="为空，或筛选条件下没有问题")])
    if ids is not None and state.count != len(ids):
        raise NotFound(f"审核任务 {run_id} 中没有其中 {len(ids) - state.count} 条问题")
    reviewer_name = principal.name or principal.prefix
    if stage == "first":
        _check_first(state, decision, comment)
        updated = stored.record_first_review(session, clauses, decision=decision, comment=comment,
                                             reviewer=principal.key_id, reviewer_name=reviewer_name)
    elif stage == "second":
        _check_second(state, comment)
        updated = stored.record_second_review(session, clauses, decision=decision, comment=comment,
                                              reviewer=principal.key_id, reviewer_name=reviewer_name)
    else:
        raise InvalidRequest("审核阶段无效", [FieldProblem(field="stage", reason="应为 first（初审）或 second（复审）")])
    detail: dict[str, Any] = {"stage": stage, "decision": decision, "comment": comment[:200], "count": updated,
                              "at_risk": str(yuan(state.cents))}
    if ids is not None:
        detail["finding_ids"] = ids
    else:
        detail["filter"] = {k: v for k, v in vars(where).items() if v is not None}
    record_audit(session, principal.actor, "review_findings", f"audit_run:{run_id}", detail)
    return {"run_id": run_id, "stage": stage, "decision": decision, "updated": updated, "at_risk": yuan(state.cents)}


def _check_first(state: stored.SelectionState, decision: str, comment: str) -> None:
    if state.finals:
        raise Conflict(f"{state.finals} 条已复审，结论已定，不能再初审（如第 {state.first_final} 条）")
    if decision != "confirmed" and not comment:
        raise InvalidRequest("认定不成立或误报须写明理由", [FieldProblem(field="comment", reason="不能为空")])


def _check_second(state: stored.SelectionState, comment: str) -> None:
    if state.opens:
        raise Conflict(f"{state.opens} 条尚未初审，不能复审（如第 {state.first_open} 条）")
    if state.finals:
        raise Conflict(f"{state.finals} 条已复审（如第 {state.first_final} 条）")
    if state.by_reviewer:
        raise Conflict(f"复审须由另一位审核人完成：{state.by_reviewer} 条由您初审（如第 {state.first_by_reviewer} 条）")
    if state.changed and not comment:
        reason = f"{state.changed} 条与初审结论不同，如第 {state.first_changed} 条"
        raise InvalidRequest("复审改变初审结论须写明理由", [FieldProblem(field="comment", reason=reason)])


def deduction_rows(session: Session, run_id: int, fixmedins_code: str | None) -> tuple[list[AuditFindingRecord], dict[str, str]]:
    """The confirmed findings and the hospitals' names."""
    run_or_404(session, run_id)
    rows = stored.confirmed_findings(session, run_id, fixmedins_code)
    names = hospital_store.names_of(session, {r.fixmedins_code for r in rows})
    return rows, names


DEDUCTION_HEADERS = ("序号", "医疗机构编码", "医疗机构名称", "医院等级", "就诊（结算）号", "明细号", "项目编码", "项目名称",
                     "费用日期", "规则", "国家规则编码", "违规内容", "标准（元）", "收费（元）", "扣款金额（元）", "依据文件",
                     "依据行号", "依据原文", "初审结论", "初审意见", "初审人", "复审结论", "复审意见", "复审人", "复审时间")
_GRADE_NAMES = {"grade_3a": "三甲", "grade_3b": "三乙", "grade_2_or_below": "二级及以下"}


def deduction_workbook(run: AuditRunRecord, rows: list[AuditFindingRecord], names: dict[str, str]) -> bytes:
    """扣款明细: a summary sheet per hospital and one line per confirmed finding with its basis.
    Money cells are numbers; text cells are guarded against formulas."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    summary = book.create_sheet("扣款汇总")
    summary.append([f"审核任务 {run.id}：{guard(run.title)}（{guard(run.source_name)}）"])
    summary.append(["医疗机构编码", "医疗机构名称", "条数", "扣款金额（元）"])
    totals: dict[str, list[int]] = {}
    for row in rows:
        entry = totals.setdefault(row.fixmedins_code, [0, 0])
        entry[0] += 1
        entry[1] += row.at_risk_cents
    for code, (count, cents) in totals.items():
        summary.append([guard(code), guard(names.get(code, "")), count, yuan(cents)])
    summary.append(["合计", "", len(rows), yuan(sum(c for _, c in totals.values()))])
    detail = book.create_sheet("扣款明细")
    detail.append(list(DEDUCTION_HEADERS))
    for number, row in enumerate(rows, start=1):
        detail.append([
            number, guard(row.fixmedins_code), guard(names.get(row.fixmedins_code, "")),
            _GRADE_NAMES.get(row.hospital_grade, row.hospital_grade), guard(row.bill_id), guard(row.line_ids),
            guard(row.code), guard(row.item_name), row.service_date, rule_name(row.rule), row.national_rule,
            guard(row.message), yuan(row.expected_cents), yuan(row.charged_cents), yuan(row.at_risk_cents),
            row.basis_document, row.basis_seq, guard(row.basis_text),
            DECISIONS.get(row.first_decision or "", ""), guard(row.first_comment), guard(row.first_by_name),
            DECISIONS.get(row.second_decision or "", ""), guard(row.second_comment), guard(row.second_by_name),
            row.second_at.replace(tzinfo=None) if row.second_at else None])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def rule_quality(session: Session, *, start: dt.date | None, end: dt.date | None) -> dict[str, Any]:
    """Per rule: findings, decided, confirmed, rejected, false positives (and their rate), money
    confirmed; per month of the final decision.  Beside it, the HIS feedback on the same rule
    (3103: continued as billed vs changed) — together, which rules to trust."""
    from pricing_api.services.nhsa import CHINA, feedback_summary

    after = dt.datetime.combine(start, dt.time(), CHINA) if start else None
    before = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), CHINA) if end else None
    rules: dict[str, dict[str, Any]] = {}
    for rule, national, month, count, confirmed, rejected, false_positive, cents in stored.rule_quality(
            session, after, before):
        entry = rules.setdefault(rule, {"rule": rule, "rule_name": rule_name(rule), "national_rule": national or "",
                                        "findings": 0, "decided": 0, "confirmed": 0, "rejected": 0, "false_positive": 0,
                                        "confirmed_cents": 0, "months": []})
        entry["findings"] += int(count)
        if month:
            entry["decided"] += int(count)
            entry["confirmed"] += int(confirmed)
            entry["rejected"] += int(rejected)
            entry["false_positive"] += int(false_positive)
            entry["confirmed_cents"] += int(cents)
            entry["months"].append({"month": month, "decided": int(count), "confirmed": int(confirmed),
                                    "rejected": int(rejected), "false_positive": int(false_positive),
                                    "confirmed_amount": yuan(int(cents))})
    feedback = {r.rule: r for r in feedback_summary(session, start=start, end=end, rule=None).rules}
    out = []
    for rule in sorted(set(rules) | set(feedback)):
        entry = rules.get(rule) or {"rule": rule, "rule_name": rule_name(rule), "national_rule": feedback[rule].rule_id,
                                    "findings": 0, "decided": 0, "confirmed": 0, "rejected": 0, "false_positive": 0,
                                    "confirmed_cents": 0, "months": []}
        decided = entry["decided"]
        entry["false_positive_rate"] = round(entry["false_positive"] / decided, 4) if decided else None
        entry["confirmed_rate"] = round(entry["confirmed"] / decided, 4) if decided else None
        entry["confirmed_amount"] = yuan(entry.pop("confirmed_cents"))
        his = feedback.get(rule)
        entry["his_feedback"] = None if his is None else {
            "warnings": his.warnings, "overridden": his.overridden, "changed": his.changed,
            "override_rate": his.override_rate}
        out.append(entry)
    return {"from": start, "to": end, "rules": out}


def run_out(run: AuditRunRecord) -> AuditRunOut:
    return AuditRunOut.of(run, state_label=RUN_STATES.get(run.state, run.state), at_risk=yuan(run.at_risk_cents))


def run_page(session: Session, *, limit: int, offset: int) -> AuditRunPage:
    runs, total = stored.list_runs(session, limit=limit, offset=offset)
    return AuditRunPage(runs=[run_out(r) for r in runs], total=total)


def run_detail(session: Session, run_id: int) -> AuditRunDetail:
    run = run_or_404(session, run_id)
    facets = stored.facets(session, run_id)
    names = hospital_store.names_of(session, {key for key, *_ in facets["hospitals"]})
    labels = {"hospitals": lambda key: names.get(key, ""), "rules": rule_name, "stages": lambda key: STAGES.get(key, key)}
    shaped = {kind: [FacetOut(key=key, label=labels[kind](key), extra=extra if kind != "stages" else "", findings=count,
                              at_risk=yuan(cents)) for key, extra, count, cents in rows]
              for kind, rows in facets.items()}
    return AuditRunDetail.of(run_out(run), run, **shaped)


def findings_of(session: Session, run_id: int, where: stored.FindingFilter, *, sort: str, limit: int,
                offset: int) -> AuditFindingPage:
    run_or_404(session, run_id)
    rows, total, cents = stored.findings_page(session, run_id, where, sort=sort, limit=limit, offset=offset)
    return AuditFindingPage(findings=[finding_out(r, rule_name(r.rule)) for r in rows], total=total, at_risk=yuan(cents),
                            limit=limit, offset=offset)
