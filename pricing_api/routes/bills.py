"""Bill checking for hospital information systems."""

from __future__ import annotations

import json
from typing import Annotated

import anyio
from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from pydantic import ValidationError

from price_tables.grades import parse_grade
from pricing_api.auth import Permission
from pricing_api.bill_decoder import decode_bill
from pricing_api.deps import BEARER_SECURITY, BillChecker, CatalogDep, DatabaseDep, SettingsDep, authorized
from pricing_api.errors import ErrorBody, FieldProblem, InvalidRequest
from pricing_api.json_body import json_body
from pricing_api.metrics import record_report
from pricing_api.routes.tables import read_limited
from pricing_api.schemas.bills import BillResult, SheetCheckOut
from pricing_api.services import sheets
from pricing_api.services.bills import check_bill
from validators.bill import Bill

router = APIRouter(prefix="/v1/bills", tags=["bills"])

#: A body up to this size is parsed and judged on the event loop (well under a millisecond);
#: a larger one in a worker thread, so it does not hold up other requests.
_INLINE_BYTES = 64 * 1024


@router.post("/validate", response_model=BillResult, openapi_extra={**json_body(Bill), **BEARER_SECURITY},
             responses={413: {"model": ErrorBody}, 422: {"model": ErrorBody}})
async def validate_bill(request: Request) -> Response:
    """Check a bill against the prices in effect on each line's service date.

    Every line that breaks a rule comes back with the rule id, its national 两库 code, the
    evidence (source text, expected vs charged) and the money at risk. Findings are the 200
    answer; a malformed bill is a 422 naming the field.
    """
    await authorized(request, Permission.VALIDATE_BILLS, cookie_posts=True)
    body = await request.body()
    # The catalog is read straight from app state rather than through CatalogDep: this is the
    # hot path, and FastAPI's dependency resolution costs about as much as judging a line.
    catalog = request.app.state.catalog.current()
    reference = request.app.state.reference.current()

    def check() -> bytes:
        try:
            bill = decode_bill(body)
        except ValidationError as exc:
            raise RequestValidationError([{**e, "loc": ("body", *e["loc"])} for e in exc.errors()], body=body) from None
        report, content = check_bill(bill, catalog, reference)
        record_report("validate", len(bill.lines), report.findings)
        request.state.bill_id, request.state.lines, request.state.findings = (
            bill.bill_id, len(bill.lines), len(report.findings))
        return content

    if len(body) <= _INLINE_BYTES:
        content = check()
    else:
        content = await anyio.to_thread.run_sync(check, limiter=request.app.state.cpu_limiter)
    # Serialised once, here (the shape is BillResult): returning a model would make FastAPI
    # validate it all over again.
    return Response(content, media_type="application/json")


@router.post("/sheet", response_model=SheetCheckOut, responses={413: {"model": ErrorBody}, 422: {"model": ErrorBody}})
async def check_sheet(
    request: Request, principal: BillChecker, db: DatabaseDep, catalog: CatalogDep, settings: SettingsDep,
    file: Annotated[UploadFile, File(description="A hospital's 费用明细 export: XLSX or CSV (UTF-8 or GB18030), one row "
                                                 "per fee line, header under any title rows")],
    fixmedins_code: Annotated[str | None, Form(max_length=30, pattern=r"^[0-9A-Za-z_-]*$",
                                               description="The hospital: its grade from the registry; the "
                                                           "placements are remembered for its next file")] = None,
    grade: Annotated[str | None, Form(max_length=20, description="The grade, for a hospital not registered")] = None,
    mapping: Annotated[str, Form(max_length=20_000, description="JSON: header as printed → column (or `ignore`), "
                                                               "for the headers `layout.unplaced` names")] = "{}",
    defaults: Annotated[str, Form(max_length=2_000, description="JSON: bill values for the whole file "
                                                               "(birth_date, sex, encounter_type, admitted_on, "
                                                               "discharged_on, bill_id)")] = "{}",
) -> SheetCheckOut:
    """Check every bill of a 费用明细 export as `/validate` checks one.

    The header row is found under the title rows, and common header names are recognised (项目编码 /
    收费项目编码 / 医保编码, 数量, 单价, 金额, 费用发生时间 …); totals rows are skipped.  A header that
    cannot be placed, or a bill value the file lacks, is asked for once (`status` needs_mapping):
    send the answers in `mapping` and `defaults`, and they are remembered for the hospital."""
    placed, filled = _json_object(mapping, "mapping"), sheets.checked_defaults(_json_object(defaults, "defaults"))
    if grade:
        try:
            grade = parse_grade(grade).value
        except ValueError as exc:
            raise InvalidRequest("医院等级无效", [FieldProblem(field="grade", reason=str(exc))]) from None
    data = await read_limited(file, settings.max_upload_bytes)
    code = fixmedins_code or None
    remembered = await db.read(sheets.remembered_mapping, code)
    cells, layout, answers = await anyio.to_thread.run_sync(lambda: sheets.read_layout(
        data, file_name=file.filename or "费用明细", remembered=remembered, placed=placed,
        max_rows=settings.max_upload_rows), limiter=request.app.state.cpu_limiter)
    described = sheets.describe(layout, remembered, answers)
    needed = {c["column"] for c in described["bill_values_needed"]} - set(filled)
    if not layout.complete or needed:
        return SheetCheckOut.model_validate({"status": "needs_mapping", "layout": described, "remembered": False})
    remembering = bool(code and answers)
    if remembering:
        await db.write(sheets.remember_mapping, code, answers, principal.actor)
    reference = request.app.state.reference.current()
    bills, skipped, totals = await anyio.to_thread.run_sync(lambda: sheets.check_sheet(
        cells, layout, defaults=filled, grade=grade or None, fixmedins_code=code, catalog=catalog,
        reference=reference), limiter=request.app.state.cpu_limiter)
    return SheetCheckOut.model_validate({"status": "checked", "layout": described, "remembered": remembering,
                                         "skipped": skipped, "bills": bills, "totals": totals})


def _json_object(text: str, name: str) -> dict[str, str]:
    try:
        value = json.loads(text or "{}")
    except ValueError:
        raise InvalidRequest(f"{name} 不是有效的 JSON", [FieldProblem(field=name, reason="应为 JSON 对象")]) from None
    if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        problem = FieldProblem(field=name, reason='应为 {"列名": "值"}')
        raise InvalidRequest(f"{name} 应为 JSON 对象（键和值都是文字）", [problem])
    return value
