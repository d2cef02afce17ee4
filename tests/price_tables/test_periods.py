"""An item's price periods as they really applied, after revisions."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from price_tables.catalog import Catalog, NoticeVersion
from price_tables.grades import Grade
from price_tables.loader import bundled_notices
from price_tables.models import Notice, PriceSet
from price_tables.periods import period_on, price_periods
from price_tables.source_text import DOC_11, DOC_12

PRESSURE_WIRE = "32050000701"  # 11号: 3254 / 3000 / 2746, from 2021-09-01, open-ended
NITRIC_OXIDE = "31060400700"   # 12号: a trial price, 2021-09-01 to 2023-08-31


@pytest.fixture(scope="module")
def bundled() -> dict[str, Notice]:
    return {n.meta.document: n for n in bundled_notices()}


def revision(base: Notice, document: str, start: str, end: str | None = None, **prices: tuple[str, str, str]) -> Notice:
    """A notice restating `base`'s items named by code (keyword `c<code>`) at the given prices."""
    items = []
    for key, (a, b, c) in prices.items():
        item = base.item(key.removeprefix("c"))
        assert item is not None
        items.append(item.model_copy(update={"prices": PriceSet(grade_3a=Decimal(a), grade_3b=Decimal(b),
                                                                   grade_2_or_below=Decimal(c))}))
    meta = base.meta.model_copy(update={"document": document, "effective_from": dt.date.fromisoformat(start),
                                        "effective_to": dt.date.fromisoformat(end) if end else None})
    return Notice(meta=meta, items=tuple(items))


def catalog_of(*notices: Notice) -> Catalog:
    return Catalog.of(NoticeVersion(i + 1, n, i + 1) for i, n in enumerate(notices))


def spans(periods):
    return [(str(p.start), str(p.end) if p.end else None, [r.entry.document for r in p.notices]) for p in periods]


def test_a_revision_ends_the_period_it_replaces_the_day_before_it_starts(bundled):
    revised = revision(bundled[DOC_11], "修订1", "2024-01-01", c32050000701=("3400", "3100", "2800"))
    periods = price_periods(catalog_of(bundled[DOC_11], revised), PRESSURE_WIRE)
    assert spans(periods) == [("2021-09-01", "2023-12-31", [DOC_11]), ("2024-01-01", None, ["修订1"])]
    change = {c.grade: c for c in periods[1].changes}
    assert change[Grade.GRADE_3A].amount == Decimal("146")
    assert change[Grade.GRADE_3A].percent == Decimal("4.5")       # 146 / 3254 = 4.487 %
    assert change[Grade.GRADE_2_OR_BELOW].percent == Decimal("2.0")  # 54 / 2746 = 1.966 %
    assert periods[0].changes == ()


def test_a_price_restated_unchanged_continues_its_period_and_names_the_restating_notice(bundled):
    same = revision(bundled[DOC_11], "重申", "2024-01-01", c32050000701=("3254", "3000", "2746"))
    [period] = price_periods(catalog_of(bundled[DOC_11], same), PRESSURE_WIRE)
    assert (period.start, period.end) == (dt.date(2021, 9, 1), None)
    assert [(r.since, r.entry.document) for r in period.notices] == [(dt.date(2021, 9, 1), DOC_11),
                                                                    (dt.date(2024, 1, 1), "重申")]


def test_a_trial_price_that_ends_leaves_a_period_without_a_price(bundled):
    periods = price_periods(catalog_of(bundled[DOC_12]), NITRIC_OXIDE)
    assert spans(periods) == [("2021-09-01", "2023-08-31", [DOC_12]), ("2023-09-01", None, [])]
    assert periods[1].item is None


def test_a_temporary_revision_hands_the_price_back_when_it_ends(bundled):
    temporary = revision(bundled[DOC_11], "临时", "2022-01-01", "2022-06-30", c32050000701=("3000", "2800", "2600"))
    periods = price_periods(catalog_of(bundled[DOC_11], temporary), PRESSURE_WIRE)
    assert spans(periods) == [("2021-09-01", "2021-12-31", [DOC_11]), ("2022-01-01", "2022-06-30", ["临时"]),
                              ("2022-07-01", None, [DOC_11])]
    back = {c.grade: c.amount for c in periods[2].changes}
    assert back[Grade.GRADE_3A] == Decimal("254") and periods[1].changes[0].amount == Decimal("-254")


def test_the_period_in_force_on_a_date(bundled):
    revised = revision(bundled[DOC_11], "修订1", "2024-01-01", c32050000701=("3400", "3100", "2800"))
    periods = price_periods(catalog_of(bundled[DOC_11], revised), PRESSURE_WIRE)
    assert period_on(periods, dt.date(2023, 12, 31)) is periods[0]
    assert period_on(periods, dt.date(2024, 1, 1)) is periods[1]
    assert period_on(periods, dt.date(2021, 8, 31)) is None


def test_an_unknown_code_has_no_periods(bundled):
    assert price_periods(catalog_of(bundled[DOC_11]), "00000000000") == []
