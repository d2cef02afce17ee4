"""The national platform's audit interface: 3101 明细审核事前事中分析, 3102 事中分析, 3103 反馈.

HIS systems post the platform's request unchanged (the envelope, `input` alone or `data`
alone) with the same `his`/`auditor` keys as `/v1/bills/validate`, and read the platform's
answer.  A request that cannot be read answers HTTP 200 with `infcode` -1 and `err_msg` naming
where and why, as the platform's clients expect; a missing or wrong key stays 401/403.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from pricing_api.auth import Permission
from pricing_api.deps import BEARER_SECURITY, BillChecker, DatabaseDep, Reader, authorized
from pricing_api.errors import ErrorBody, FieldProblem, InvalidRequest
from pricing_api.json_body import struct_body
from pricing_api.metrics import record_report
from pricing_api.nhsa import answer as national
from pricing_api.nhsa.adapter import Case, cases_of
from pricing_api.nhsa.dictionaries import Dictionaries
from pricing_api.nhsa.feedback import NhsaFeedbackEnvelope, decode_feedback
from pricing_api.nhsa.request import NhsaEnvelope, RequestError, as_list, decode, text
from pricing_api.schemas.common import FIRST_DAY, LAST_DAY
from pricing_api.schemas.nhsa import FeedbackSummary, NationalAnswer
from pricing_api.services.nhsa import feedback_summary, record_feedback
from validators import validate

router = APIRouter(prefix="/v1/nhsa", tags=["national interface"])
_JSON = "application/json"
#: Bodies up to this size are judged on the event loop; larger ones in the CPU thread.
_INLINE_BYTES = 64 * 1024
_REQUEST_DOC = struct_body(
    NhsaEnvelope, "The platform's 3101/3102 request unchanged: the envelope (infno, msgid, fixmedins_code, inf_time, …, "
                  "input.data), or `input` alone, or `data` alone.  data.patient_dtos[].fsi_encounter_dtos[] become bills "
                  "and their fsi_order_dtos[] lines.  Numbers may be strings; unknown fields (dozens) are ignored.")
_FEEDBACK_DOC = struct_body(
    NhsaFeedbackEnvelope, "The platform's 3103 request: input.data.warn_type (1 事前, 2 事中) and input.data.warns[] of "
                          "warn_rslt_id (a jr_id), dspo_way (1 继续执行 — then dspo_way_rea is required — 2 返回修改), "
                          "dspo_way_rea.")
_ANSWER: dict[int | str, dict[str, Any]] = {
    200: {"model": NationalAnswer, "description": "The platform's answer (HTTP 200 also for infcode -1)"},
    401: {"model": ErrorBody}, 403: {"model": ErrorBody}}


def _dictionaries(request: Request) -> Dictionaries:
    return request.app.state.nhsa_dictionaries


async def _analyse(request: Request, infno: str) -> Response:
    received = dt.datetime.now()
    await authorized(request, Permission.VALIDATE_BILLS)
    body = await request.body()
    catalog, reference = request.app.state.catalog.current(), request.app.state.reference.current()
    dictionaries = _dictionaries(request)

    def judge() -> tuple[bytes, list[dict[str, Any]]]:
        try:
            envelope, data = decode(body)
        except RequestError as exc:
            return national.error_answer(received, str(exc)), []
        hospital = text(envelope.fixmedins_code) or ""
        wanted = {rule for rule in (text(r) for r in as_list(data.rule_ids)) if rule} if data.rule_ids else set()
        results: list[tuple[dict[str, Any], str]] = []
        bills = lines = 0
        for case in cases_of(envelope, data, reference=reference, dictionaries=dictionaries):
            if case.bill is None and case.problem is None:
                continue  # nothing current to judge
            report = validate(case.bill, catalog, reference) if case.bill is not None else None
            if case.bill is not None and report is not None:
                record_report(infno, len(case.bill.lines), report.findings)
                bills, lines = bills + 1, lines + len(case.bill.lines)
            results.extend(national.results_of(case, report, hospital=hospital or _medins(case),
                                               task_id=text(data.task_id), dictionaries=dictionaries, wanted=wanted))
        request.state.bill_id = text(envelope.msgid) or (text(data.task_id) or "")
        request.state.lines, request.state.findings = lines, len(results)
        return (national.answer(received, [item for item, _ in results]),
                [_warning(item, rule, infno, hospital) for item, rule in results])

    if len(body) <= _INLINE_BYTES:
        content, warnings = judge()
    else:
        content, warnings = await anyio.to_thread.run_sync(judge, limiter=request.app.state.cpu_limiter)
    if warnings:
        request.app.state.warning_log.add(warnings)
    return Response(content, media_type=_JSON)


def _medins(case: Case) -> str:
    bill = case.bill
    return (bill.hospital.fixmedins_code or "") if bill is not None else ""


def _warning(item: dict[str, Any], rule: str, infno: str, hospital: str) -> dict[str, Any]:
    """What is kept of a warning for its 3103 feedback: no patient identifier."""
    return {"jr_id": item["jr_id"], "rule": rule, "rule_id": item["rule_id"], "result": item["sev_deg"],
            "fixmedins_code": hospital[:30], "infno": infno, "amount": item["vola_amt"]}


@router.post("/3101", openapi_extra={**_REQUEST_DOC, **BEARER_SECURITY}, response_class=Response, responses=_ANSWER)
async def analyse_3101(request: Request) -> Response:
    """3101 明细审核事前事中分析服务: every encounter of the request judged as `/v1/bills/validate`
    judges a bill, answered in the platform's shape (`jr_id` stable for the same request)."""
    return await _analyse(request, "3101")


@router.post("/3102", openapi_extra={**_REQUEST_DOC, **BEARER_SECURITY}, response_class=Response, responses=_ANSWER)
async def analyse_3102(request: Request) -> Response:
    """3102 事中分析服务: the same request and answer as 3101."""
    return await _analyse(request, "3102")


@router.post("/3103", openapi_extra=_FEEDBACK_DOC, response_class=Response, responses=_ANSWER)
async def feedback_3103(request: Request, principal: BillChecker, db: DatabaseDep) -> Response:
    """3103 事前事中反馈服务: how each warning (by its `jr_id`) was handled — continued as billed
    (dspo_way 1, with a reason) or modified (2).  Stored for the feedback summary."""
    received = dt.datetime.now()
    try:
        warn_type, handlings = decode_feedback(await request.body())
    except RequestError as exc:
        return Response(national.error_answer(received, str(exc)), media_type=_JSON)
    await request.app.state.warning_log.flush(db)
    counts = await db.write(record_feedback, warn_type, handlings, principal.key_id)
    return Response(national.answer(received, counts), media_type=_JSON)


@router.get("/feedback/summary", response_model=FeedbackSummary, response_model_by_alias=True,
            responses={422: {"model": ErrorBody}})
async def get_feedback_summary(
    request: Request, _: Reader, db: DatabaseDep,
    start: Annotated[dt.date | None, Query(alias="from", ge=FIRST_DAY, le=LAST_DAY,
                                           description="First day (warnings raised from)")] = None,
    to: Annotated[dt.date | None, Query(ge=FIRST_DAY, le=LAST_DAY, description="Last day")] = None,
    rule: Annotated[str | None, Query(max_length=40, pattern=r"^[A-Z0-9_]+$",
                                      description="One rule (our id or the national code)")] = None,
) -> FeedbackSummary:
    """Per rule: warnings raised, how many were continued as billed (overridden) and how many led
    to a change, and the override rate — the first measure of each rule's quality."""
    if start and to and to < start:
        raise InvalidRequest("结束日期早于开始日期", [FieldProblem(field="to", reason=f"早于开始日期 {start}")])
    await request.app.state.warning_log.flush(db)
    return await db.read(feedback_summary, start=start, end=to, rule=rule)
