"""Audit runs (事后审核): a claims file judged in the background, its findings reviewed 初审 → 复审,
the deduction list per hospital, and the rule-quality report."""

from __future__ import annotations

import datetime as dt
import os
from decimal import Decimal
from typing import Annotated, Any, Literal
from urllib.parse import quote

import anyio
from fastapi import APIRouter, Depends, File, Form, Path, Query, Request, UploadFile
from fastapi.responses import Response

from pricing_api import audit_runner
from pricing_api.auth import Permission, Principal
from pricing_api.deps import CatalogDep, DatabaseDep, SettingsDep, require
from pricing_api.errors import ErrorBody, FieldProblem, InvalidRequest
from pricing_api.routes.tables import XLSX
from pricing_api.schemas.audits import (
    AuditFindingPage,
    AuditRunDetail,
    AuditRunOut,
    AuditRunPage,
    Decision,
    ReviewIn,
    ReviewOut,
    RuleQualityReport,
    Stage,
)
from pricing_api.schemas.common import FIRST_DAY, LAST_DAY, FormText, GradeParam, Offset
from pricing_api.services import audit_runs, sheets
from pricing_api.services import audits as service
from pricing_api.storage.audits import FindingFilter

router = APIRouter(prefix="/v1/audits", tags=["audit runs"])
Auditor = Annotated[Principal, Depends(require(Permission.AUDIT))]
RunId = Annotated[int, Path(ge=1, le=2**31 - 1)]
GradeForm = GradeParam
ERRORS: dict[int | str, dict[str, Any]] = {404: {"model": ErrorBody}, 409: {"model": ErrorBody}, 422: {"model": ErrorBody}}


def finding_filter(
    fixmedins_code: Annotated[str | None, Query(max_length=64, description="One hospital")] = None,
    rule: Annotated[str | None, Query(max_length=40, description="Our rule id or the national code")] = None,
    stage: Annotated[Stage | None, Query(description="open 待初审 / first 待复审 / final 已复审")] = None,
    decision: Annotated[Decision | None, Query(description="The latest decision")] = None,
    min_amount: Annotated[Decimal | None, Query(ge=0, le=10_000_000, description="Money at risk at least (yuan)")] = None,
    bill_id: Annotated[str | None, Query(max_length=64)] = None,
) -> FindingFilter:
    return FindingFilter(fixmedins_code=fixmedins_code, rule=rule, stage=stage, decision=decision,
                         min_cents=service.cents_of(min_amount), bill_id=bill_id)


@router.post("", response_model=AuditRunOut, status_code=202, responses={**ERRORS, 413: {"model": ErrorBody}})
async def start_run(
    request: Request, principal: Auditor, db: DatabaseDep, catalog: CatalogDep, settings: SettingsDep,
    file: Annotated[UploadFile, File(description="Claims in the flat format (CSV UTF-8/GB18030, Parquet, NDJSON rows or "
                                                 "bills), or a hospital's 费用明细 .xlsx")],
    title: Annotated[FormText, Form(min_length=1, max_length=200, description="What the run is (2021年9月住院结算)")],
    engine: Annotated[Literal["duckdb", "python"], Form(description="duckdb (default) or the reference Python engine")]
    = "duckdb",
    fixmedins_code: Annotated[str | None, Form(max_length=30, pattern=r"^[0-9A-Za-z_-]*$",
                                               description="For an .xlsx: the hospital (its remembered columns)")] = None,
    grade: Annotated[GradeForm | None, Form(description="For an .xlsx of an unregistered hospital: its grade")] = None,
) -> AuditRunOut:
    """Start a run over a claims file: 202 at once with the run (state `queued`); it executes in
    the background and `GET /v1/audits/{id}` shows its progress.  A file no reader takes, or a
    workbook whose columns cannot all be placed, is refused (422) before anything is stored."""
    received = await audit_runs.receive(file, settings.audit_dir, settings.max_audit_bytes)
    try:
        remembered = await db.read(sheets.remembered_mapping, fixmedins_code or None)
        claims = await anyio.to_thread.run_sync(lambda: audit_runs.claims_of(
            received, remembered, grade=grade.value if grade else None, fixmedins_code=fixmedins_code or None),
            limiter=request.app.state.cpu_limiter)
        run = await db.write(audit_runs.create_run, title=title, received=received, engine=engine,
                             actor=principal.actor)
    except BaseException:
        received.path.unlink(missing_ok=True)
        audit_runs.converted_path(received).unlink(missing_ok=True)
        raise
    run_id = run.id
    kept = [claims] + ([received.path] if claims != received.path else [])
    paths = audit_runs.place(kept, settings.audit_dir, run_id)
    audit_runner.start_in_background(request.app.state.engine, run_id, paths[:1], catalog,
                                     catalog_version=catalog.version_tag, reference=request.app.state.reference.current(),
                                     audit_engine=engine, threads=settings.audit_threads or _spare_cores())
    return run


def _spare_cores() -> int:
    """Every core but one: the worker keeps answering while a run works."""
    return max(1, (os.cpu_count() or 2) - 1)


@router.get("", response_model=AuditRunPage)
async def list_runs(_: Auditor, db: DatabaseDep, limit: Annotated[int, Query(ge=1, le=200)] = 50,
                    offset: Offset = 0) -> AuditRunPage:
    """Every run, newest first: its state and progress, lines, bills, findings, money at risk."""
    return await db.read(service.run_page, limit=limit, offset=offset)


@router.get("/rule-quality", response_model=RuleQualityReport, response_model_by_alias=True, responses=ERRORS)
async def rule_quality(
    _: Auditor, db: DatabaseDep,
    start: Annotated[dt.date | None, Query(alias="from", ge=FIRST_DAY, le=LAST_DAY,
                                           description="Decisions from this day")] = None,
    to: Annotated[dt.date | None, Query(ge=FIRST_DAY, le=LAST_DAY, description="Decisions up to this day")] = None,
) -> RuleQualityReport:
    """Per rule: findings, decided, confirmed, rejected, false positives and their rate, money
    confirmed, per month of the 复审 decision — beside the HIS feedback (3103) on the same rule."""
    if start and to and to < start:
        raise InvalidRequest("结束日期早于开始日期", [FieldProblem(field="to", reason=f"早于开始日期 {start}")])
    report = await db.read(service.rule_quality, start=start, end=to)
    return RuleQualityReport.model_validate(report)


@router.get("/{run_id}", response_model=AuditRunDetail, responses=ERRORS)
async def get_run(run_id: RunId, _: Auditor, db: DatabaseDep) -> AuditRunDetail:
    """A run: progress while it runs; then its summary, the rows it could not read, and its
    findings per hospital, rule and review stage."""
    return await db.read(service.run_detail, run_id)


@router.get("/{run_id}/findings", response_model=AuditFindingPage, responses=ERRORS)
async def list_findings(
    run_id: RunId, _: Auditor, db: DatabaseDep, where: Annotated[FindingFilter, Depends(finding_filter)],
    sort: Annotated[Literal["amount", "position"], Query(description="amount: money at risk, largest first")] = "amount",
    limit: Annotated[int, Query(ge=1, le=500)] = 50, offset: Offset = 0,
) -> AuditFindingPage:
    """A page of the run's findings with their review, filtered; with how many match and their
    money at risk."""
    return await db.read(service.findings_of, run_id, where, sort=sort, limit=limit, offset=offset)


@router.post("/{run_id}/reviews", response_model=ReviewOut, responses=ERRORS)
async def review_findings(run_id: RunId, body: ReviewIn, principal: Auditor, db: DatabaseDep) -> ReviewOut:
    """初审 (`stage` first) or 复审 (second, by another key) of findings named by id or by filter:
    all of them or none (409 naming why).  Recorded in the audit log."""
    where = None
    if body.filter is not None:
        where = FindingFilter(**body.filter.model_dump(exclude={"min_amount"}),
                              min_cents=service.cents_of(body.filter.min_amount))
    result = await db.write(service.review, run_id, principal, stage=body.stage, decision=body.decision,
                            comment=body.comment, finding_ids=body.finding_ids, where=where)
    return ReviewOut.model_validate(result)


@router.get("/{run_id}/deductions", responses={200: {"content": {XLSX: {}}}, **ERRORS})
async def deductions(run_id: RunId, _: Auditor, db: DatabaseDep,
                     fixmedins_code: Annotated[str | None, Query(max_length=64, description="One hospital")] = None,
                     ) -> Response:
    """扣款明细 (XLSX): the findings 复审 confirmed, per hospital, each with its basis and both
    reviews; a summary sheet with the total per hospital."""
    run = await db.read(service.run_or_404, run_id)
    rows, names = await db.read(service.deduction_rows, run_id, fixmedins_code)
    content = service.deduction_workbook(run, rows, names)
    name = f"扣款明细-审核任务{run_id}{'-' + fixmedins_code if fixmedins_code else ''}.xlsx"
    return Response(content, media_type=XLSX, headers={
        "Content-Disposition": f"attachment; filename=\"deductions-{run_id}.xlsx\"; filename*=UTF-8''{quote(name)}"})
