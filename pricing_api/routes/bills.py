"""Bill checking for hospital information systems."""

from __future__ import annotations

import anyio
from fastapi import APIRouter, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from pydantic import ValidationError

from pricing_api.auth import Permission
from pricing_api.bill_decoder import decode_bill
from pricing_api.deps import BEARER_SECURITY, authorized
from pricing_api.errors import ErrorBody
from pricing_api.json_body import json_body
from pricing_api.metrics import record_report
from pricing_api.schemas.bills import BillResult
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
            raise RequestValidationError([{**e, "loc": ("body", *e["loc"])} for e in exc.errors()]) from None
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
