"""Bill checking for hospital information systems."""

from __future__ import annotations

import anyio
from fastapi import APIRouter, Request
from fastapi.responses import Response

from pricing_api.errors import ErrorBody
from pricing_api.json_body import json_body, parse_json
from pricing_api.schemas.bills import BillResult
from pricing_api.services.bills import check_bill_json
from validators.bill import Bill

router = APIRouter(prefix="/v1/bills", tags=["bills"])

#: A body up to this size is parsed and judged on the event loop (well under a millisecond);
#: a larger one in a worker thread, so it does not hold up other requests.
_INLINE_BYTES = 64 * 1024


@router.post("/validate", response_model=BillResult, openapi_extra=json_body(Bill),
             responses={413: {"model": ErrorBody}, 422: {"model": ErrorBody}})
async def validate_bill(request: Request) -> Response:
    """Check a bill against the prices in effect on each line's service date.

    Every line that breaks a rule comes back with the rule id, its national 两库 code, the
    evidence (source text, expected vs charged) and the money at risk. Findings are the 200
    answer; a malformed bill is a 422 naming the field.
    """
    body = await request.body()
    # The catalog is read straight from app state rather than through CatalogDep: this is the
    # hot path, and FastAPI's dependency resolution costs about as much as judging a line.
    catalog = request.app.state.catalog.current()

    def check() -> bytes:
        return check_bill_json(parse_json(Bill, body), catalog)

    if len(body) <= _INLINE_BYTES:
        content = check()
    else:
        content = await anyio.to_thread.run_sync(check, limiter=request.app.state.cpu_limiter)
    # Serialised once, here (the shape is BillResult): returning a model would make FastAPI
    # validate it all over again.
    return Response(content, media_type="application/json")
