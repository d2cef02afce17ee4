"""Pages of post-payment review: audit runs, reviewing their findings, rule quality.

The same front door and services as `/v1/audits`; forms carry the session's CSRF token.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, File, Form, Path, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, Response

from pricing_api.auth import Permission, Principal
from pricing_api.charts import horizontal_bars, stacked_columns
from pricing_api.deps import CatalogDep, DatabaseDep, SettingsDep, require_page
from pricing_api.errors import DomainError, NotFound
from pricing_api.routes import audits as api
from pricing_api.routes.pages import _page, _redirect, report_day
from pricing_api.services import audits as service
from pricing_api.services import keys as key_service
from pricing_api.storage.audits import FindingFilter

router = APIRouter(include_in_schema=False)
AuditPages = Annotated[Principal, Depends(require_page(Permission.AUDIT, "事后审核"))]
RunId = Annotated[int, Path(ge=1, le=2**31 - 1)]
PAGE_SIZE = 50
LEVELS = {"violation": "违规", "suspect": "可疑", "info": "提示"}
GRADE_NAMES = {"grade_3a": "三甲", "grade_3b": "三乙", "grade_2_or_below": "二级及以下"}
_FILTER_KEYS = ("fixmedins_code", "rule", "stage", "min_amount")


async def runs_page(request: Request, principal: Principal, db: DatabaseDep, status: int = 200,
                    **context: Any) -> HTMLResponse:
    return _page(request, "audits.html", principal, status, title="事后审核", nav="audits",
                 page=await db.read(service.run_page, limit=100, offset=0),
                 actors=await db.read(key_service.actor_names), form=context.pop("form", {}),
                 error=context.pop("error", None), **context)


@router.get("/ui/audits", response_class=HTMLResponse)
async def audits_page(request: Request, principal: AuditPages, db: DatabaseDep) -> Response:
    return await runs_page(request, principal, db)


@router.post("/ui/audits", response_class=HTMLResponse)
async def start_page(request: Request, principal: AuditPages, db: DatabaseDep, catalog: CatalogDep,
                     settings: SettingsDep, file: Annotated[UploadFile, File()],
                     title: Annotated[str, Form(max_length=200)]) -> Response:
    """Start a run from the page: the same steps as `POST /v1/audits`, then its page."""
    form = {"title": title}
    if not title.strip():
        return await runs_page(request, principal, db, 422, form=form, error="请填写任务名称")
    try:
        run = await api.start_run(request, principal, db, catalog, settings, file=file, title=title.strip())
    except DomainError as exc:
        reasons = "；".join(f.reason for f in exc.fields)
        return await runs_page(request, principal, db, exc.status_code, form=form,
                               error=exc.message + (f"（{reasons}）" if reasons else ""))
    return _redirect(f"/ui/audits/{run.id}?msg=" + quote("已开始审核，完成后本页显示结果"))


def _filter_of(values: dict[str, str]) -> tuple[FindingFilter, str | None]:
    """The page's filter fields (query or hidden form fields) as a FindingFilter, and any problem."""
    amount, problem = None, None
    if values.get("min_amount"):
        try:
            amount = Decimal(values["min_amount"])
            if not amount.is_finite() or amount < 0:
                raise InvalidOperation
        except InvalidOperation:
            amount, problem = None, "金额下限应为不小于 0 的数"
    stage = values.get("stage") or None
    if stage not in (None, *service.STAGES):
        stage, problem = None, "审核阶段无效"
    return FindingFilter(fixmedins_code=values.get("fixmedins_code") or None, rule=values.get("rule") or None,
                         stage=stage, min_cents=service.cents_of(amount)), problem


@router.get("/ui/audits/{run_id}", response_class=HTMLResponse)
async def audit_page(request: Request, principal: AuditPages, db: DatabaseDep, run_id: RunId,
                     offset: Annotated[int, Query(ge=0, le=10**9)] = 0) -> Response:
    """A run: its progress, then its findings by hospital and rule, filtered and paged by amount,
    with the review form and the deduction lists."""
    values = {key: request.query_params.get(key, "")[:64] for key in _FILTER_KEYS}
    where, problem = _filter_of(values)
    try:
        run = await db.read(service.run_detail, run_id)
        findings = await db.read(service.findings_of, run_id, where, sort="amount", limit=PAGE_SIZE, offset=offset)
    except NotFound as exc:
        return _page(request, "not_found.html", principal, 404, title="未找到", nav="audits", reason=exc.message,
                     back=("/ui/audits", "返回事后审核"))
    kept = {key: value for key, value in values.items() if value}

    def page_query(to: int) -> str:
        return urlencode({**kept, "offset": max(to, 0)})

    back = f"/ui/audits/{run_id}?{urlencode({**kept, 'offset': offset})}"
    return _page(request, "audit.html", principal, title=run.title, nav="audits", run=run, findings=findings,
                 where=where, min_amount=values["min_amount"], filter_fields=kept, page_query=page_query, back=back,
                 stages=service.STAGES, decisions=service.DECISIONS, levels=LEVELS, grade_names=GRADE_NAMES,
                 alert=problem)


@router.post("/ui/audits/{run_id}/review")
async def review_page(request: Request, principal: AuditPages, db: DatabaseDep, run_id: RunId,
                      stage: Annotated[str, Form(max_length=10)], decision: Annotated[str, Form(max_length=20)],
                      comment: Annotated[str, Form(max_length=1000)] = "",
                      scope: Annotated[str, Form(max_length=10)] = "selected",
                      back: Annotated[str, Form(max_length=500)] = "") -> Response:
    """初审 or 复审 of the ticked findings, or of every finding the page's filter selects."""
    form = await request.form()
    target = back if back.startswith(f"/ui/audits/{run_id}") and "//" not in back else f"/ui/audits/{run_id}"
    joiner = "&" if "?" in target else "?"
    ids: list[int] | None = None
    where = None
    if scope == "filter":
        where, problem = _filter_of({key: str(form.get(f"filter_{key}", ""))[:64] for key in _FILTER_KEYS})
        if problem:
            return _redirect(f"{target}{joiner}kind=error&msg=" + quote(problem))
    else:
        raw = [str(v) for v in form.getlist("finding_id")]
        if not raw:
            return _redirect(f"{target}{joiner}kind=error&msg=" + quote("请先勾选要审核的问题"))
        if len(raw) > service.MAX_IDS or not all(v.isdigit() and len(v) < 19 for v in raw):
            return _redirect(f"{target}{joiner}kind=error&msg=" + quote("所选问题无效"))
        ids = [int(v) for v in raw]
    try:
        result = await db.write(service.review, run_id, principal, stage=stage, decision=decision, comment=comment,
                                finding_ids=ids, where=where)
    except DomainError as exc:
        reasons = "；".join(f.reason for f in exc.fields)
        return _redirect(f"{target}{joiner}kind=error&msg=" + quote(exc.message + (f"（{reasons}）" if reasons else "")))
    done = f"{'初审' if stage == 'first' else '复审'}{service.DECISIONS[decision]}：{result['updated']} 条，" \
           f"涉及金额 {result['at_risk']} 元"
    return _redirect(f"{target}{joiner}msg=" + quote(done))


@router.get("/ui/rule-quality", response_class=HTMLResponse)
async def rule_quality_page(request: Request, principal: AuditPages, db: DatabaseDep,
                            start: Annotated[str | None, Query(alias="from", max_length=20)] = None,
                            end: Annotated[str | None, Query(alias="to", max_length=20)] = None) -> Response:
    """Per rule: what review confirmed, rejected and found false, with charts, beside the HIS feedback."""
    first, problem = report_day(start)
    last, problem_to = report_day(end)
    await request.app.state.warning_log.flush(db)
    report = await db.read(service.rule_quality, start=first, end=last)
    legend = [("confirmed", "成立"), ("rejected", "不成立"), ("false_positive", "误报")]
    month_charts = {r["rule"]: stacked_columns(
        [(m["month"], [(kind, name, m[kind]) for kind, name in legend]) for m in r["months"]], legend=legend)
        for r in report["rules"] if r["months"]}
    ranked = sorted((r for r in report["rules"] if r["confirmed_amount"]), key=lambda r: r["confirmed_amount"],
                    reverse=True)
    money_chart = horizontal_bars([(r["rule_name"][:14], r["confirmed_amount"]) for r in ranked[:12]])
    return _page(request, "rule_quality.html", principal, title="规则质量", nav="quality", report=report,
                 month_charts=month_charts, money_chart=money_chart,
                 start=first.isoformat() if first else "", end=last.isoformat() if last else "",
                 alert=problem or problem_to, today=dt.date.today())
