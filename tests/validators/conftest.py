import pytest

from price_tables.catalog import Catalog, NoticeVersion
from price_tables.loader import bundled_notices
from validators import validate
from validators.bill import Bill


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return Catalog.of(NoticeVersion(i + 1, n, i + 1) for i, n in enumerate(bundled_notices()))


@pytest.fixture
def check(catalog):
    """check(bill) → the report; findings(bill, rule) → that rule's findings."""
    def run(bill: Bill):
        return validate(bill, catalog)
    return run


def of_rule(report, rule):
    return [f for f in report.findings if f.rule == rule]
