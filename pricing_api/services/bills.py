"""Bill checking: the engine over the worker's current catalog snapshot."""

from __future__ import annotations

from price_tables.catalog import Catalog
from pricing_api.schemas.bills import result_json
from validators import validate
from validators.bill import Bill
from validators.reference import NO_REFERENCE, ReferenceData


def check_bill_json(bill: Bill, catalog: Catalog, reference: ReferenceData = NO_REFERENCE) -> bytes:
    """The bill's findings as the JSON of `BillResult`.

    One catalog and one reference snapshot for the whole bill: all old or all new prices and
    code maps, never a mix.
    """
    return result_json(validate(bill, catalog, reference), catalog)
