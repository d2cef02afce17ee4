"""Bill checking: the engine over the worker's current catalog snapshot."""

from __future__ import annotations

from price_tables.catalog import Catalog
from pricing_api.schemas_bills import BillResult, result_json
from validators import validate
from validators.bill import Bill


def check_bill(bill: Bill, catalog: Catalog) -> BillResult:
    """One catalog reference for the whole bill: all old or all new prices, never a mix."""
    return BillResult.of(validate(bill, catalog), catalog)


def check_bill_json(bill: Bill, catalog: Catalog) -> bytes:
    """`check_bill` serialised: what the endpoint sends."""
    return result_json(validate(bill, catalog), catalog)
