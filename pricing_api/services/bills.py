"""Bill checking: the engine over the worker's current snapshots, and the answer's JSON."""

from __future__ import annotations

from price_tables.catalog import Catalog
from pricing_api.schemas.bills import result_json
from validators import validate
from validators.bill import Bill
from validators.findings import Report
from validators.reference import NO_REFERENCE, ReferenceData


def check_bill(bill: Bill, catalog: Catalog, reference: ReferenceData = NO_REFERENCE) -> tuple[Report, bytes]:
    """The bill's report and its answer as the JSON of `BillResult`.

    One catalog and one reference snapshot for the whole bill: all old or all new prices and
    code maps, never a mix.
    """
    report = validate(bill, catalog, reference)
    return report, result_json(report, catalog)


def check_bill_json(bill: Bill, catalog: Catalog, reference: ReferenceData = NO_REFERENCE) -> bytes:
    return check_bill(bill, catalog, reference)[1]
