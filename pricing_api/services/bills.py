"""Bill checking: the engine over the worker's current catalog snapshot."""

from __future__ import annotations

from price_tables.catalog import Catalog
from pricing_api.schemas.bills import result_json
from validators import validate
from validators.bill import Bill


def check_bill_json(bill: Bill, catalog: Catalog) -> bytes:
    """The bill's findings as the JSON of `BillResult`.

    One catalog reference for the whole bill: all old or all new prices, never a mix.
    """
    return result_json(validate(bill, catalog), catalog)
