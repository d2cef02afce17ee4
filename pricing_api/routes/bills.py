"""Bill checking for hospital information systems."""

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from pricing_api.errors import ErrorBody
from pricing_api.schemas.bills import BillResult
from pricing_api.services.bills import check_bill_json
from validators.bill import Bill

router = APIRouter(prefix="/v1/bills", tags=["bills"])


@router.post("/validate", response_model=BillResult,
             responses={413: {"model": ErrorBody}, 422: {"model": ErrorBody}})
async def validate_bill(bill: Bill, request: Request) -> Response:
    """Check a bill against the prices in effect on each line's service date.

    Every line that breaks a rule comes back with the rule id, its national 两库 code, the
    evidence (source text, expected vs charged) and the money at risk. Findings are the 200
    answer; a malformed bill is a 422 naming the field.
    """
    # The catalog is read straight from app state rather than through CatalogDep: this is the
    # hot path, and FastAPI's dependency resolution costs about as much as judging a line.
    catalog = request.app.state.catalog.current()
    # A typical bill takes well under a millisecond: judged on the event loop.  A large one
    # goes to a worker thread so it does not hold up other requests.
    if len(bill.lines) + len(bill.history) <= _INLINE_LINES:
        content = check_bill_json(bill, catalog)
    else:
        content = await run_in_threadpool(check_bill_json, bill, catalog)
    # Serialised once, here (the shape is BillResult): returning a model would make FastAPI
    # validate it all over again.
    return Response(content, media_type="application/json")


_INLINE_LINES = 200
