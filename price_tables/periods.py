"""An item's price history as it really applied: one period per price, day by day.

A notice's own period says when the notice runs, not when its price applied: a later revision
replaces it from the revision's start (and a trial price that ends hands back to the price it
replaced).  So the periods are worked out from `Catalog.entry_on`, the one rule for which price
applies on a date, at every date where the answer can change.  A revision that restates a
price unchanged continues its period (it is listed as restating it), and a period with no
price at all is shown as such.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from price_tables.catalog import Catalog, CatalogEntry
from price_tables.grades import Grade
from price_tables.models import Item
from price_tables.money import percent_change

_DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class GradeChange:
    """One grade's price against the period before."""

    grade: Grade
    old: Decimal
    new: Decimal

    @property
    def amount(self) -> Decimal:
        return self.new - self.old

    @property
    def percent(self) -> Decimal:
        return percent_change(self.old, self.new)


@dataclass(frozen=True)
class Restatement:
    """A notice that set (or restated) the period's price, from `since`."""

    since: dt.date
    entry: CatalogEntry


@dataclass(frozen=True)
class PricePeriod:
    start: dt.date
    end: dt.date | None  # None: still in force
    notices: tuple[Restatement, ...]  # () for a period with no price
    changes: tuple[GradeChange, ...] = ()  # against the previous priced period; () for the first

    @property
    def item(self) -> Item | None:
        """The item as its latest notice in the period states it (None: no price)."""
        return self.notices[-1].entry.item if self.notices else None

    def covers(self, on: dt.date) -> bool:
        return self.start <= on and (self.end is None or on <= self.end)


def _same_price(a: Item, b: Item) -> bool:
    return a.self_priced == b.self_priced and a.prices == b.prices


def _changes(before: Item | None, after: Item) -> tuple[GradeChange, ...]:
    if before is None or before.self_priced or after.self_priced:
        return ()
    changes = []
    for grade in Grade:
        old, new = before.price_for(grade), after.price_for(grade)
        if old is not None and new is not None:
            changes.append(GradeChange(grade, old, new))
    return tuple(changes)


def _boundaries(entries: list[CatalogEntry]) -> list[dt.date]:
    """Every date on which the entry in force may change: each start, and each day after an end."""
    dates = {e.effective_from for e in entries}
    for entry in entries:
        if entry.effective_to is not None and entry.effective_to < dt.date.max:
            dates.add(entry.effective_to + _DAY)
    return sorted(dates)


def price_periods(catalog: Catalog, code: str) -> list[PricePeriod]:
    """The code's periods, oldest first: each with the notices that priced it and the change
    from the period before.  [] for a code no published notice has."""
    entries = catalog.history(code)
    if not entries:
        return []
    dates = _boundaries(entries)
    periods: list[PricePeriod] = []
    last_priced: Item | None = None
    for index, start in enumerate(dates):
        end = dates[index + 1] - _DAY if index + 1 < len(dates) else None
        entry = catalog.entry_on(code, start)
        previous = periods[-1] if periods else None
        if previous is not None and previous.item is None and entry is None:
            periods[-1] = PricePeriod(previous.start, end, ())
            continue
        if previous is not None and previous.item is not None and entry is not None and _same_price(previous.item, entry.item):
            notices = previous.notices
            if entry is not previous.notices[-1].entry:
                notices += (Restatement(start, entry),)
            periods[-1] = PricePeriod(previous.start, end, notices, previous.changes)
            continue
        if entry is None:
            periods.append(PricePeriod(start, end, ()))
            continue
        periods.append(PricePeriod(start, end, (Restatement(start, entry),), _changes(last_priced, entry.item)))
        last_priced = entry.item
    return periods


def period_on(periods: list[PricePeriod], on: dt.date) -> PricePeriod | None:
    """The period covering `on`, if any."""
    return next((p for p in periods if p.covers(on)), None)
