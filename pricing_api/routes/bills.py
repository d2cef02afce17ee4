"""Bill checking for hospital information systems."""

from fastapi import APIRouter

from pricing_api.deps import CatalogDep
from pricing_api.errors import ErrorBody
from pricing_api.schemas_bills import BillResult
from pricing_api.services.bills import check_bill
from validators.bill import Bill

router = APIRouter(prefix="/v1/bills", tags=["bills"])


@router.post("/validate", response_model=BillResult,
             responses={413: {"model": ErrorBody}, 422: {"model": ErrorBody}})
def validate_bill(bill: Bill, catalog: CatalogDep) -> BillResult:
    """Check a bill against the prices in effect on each line's service date.

    Every line that breaks a rule comes back with the rule id, its national 两库 code, the
    evidence (source text, expected vs charged) and the money at risk. Findings are the 200
    answer; a malformed bill is a 422 naming the field.
    """
    return check_bill(bill, catalog)
