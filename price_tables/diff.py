"""What a revised table changes against the prices in effect on its start date."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from price_tables.catalog import Catalog
from price_tables.grades import Grade
from price_tables.models import FIELD_LABELS, Notice, PriceSet
from price_tables.money import percent_change

TEXT_FIELDS = ("name", "connotation", "exclusions", "unit", "remarks")


@dataclass(frozen=True)
class PriceChange:
    grade: Grade
    old: Decimal | None  # None: self-priced
    new: Decimal | None

    @property
    def amount(self) -> Decimal | None:
        """new − old (None when either side is self-priced)."""
        return None if self.old is None or self.new is None else self.new - self.old

    @property
    def percent(self) -> Decimal | None:
        return None if self.old is None or self.new is None else percent_change(self.old, self.new)


@dataclass(frozen=True)
class TextChange:
    field: str
    old: str
    new: str

    @property
    def label(self) -> str:
        return FIELD_LABELS.get(self.field, self.field)


@dataclass(frozen=True)
class ItemDiff:
    code: str
    name: str
    status: str  # added | changed | unchanged
    previous_document: str | None = None
    previous_notice_id: int | None = None
    prices: tuple[PriceChange, ...] = ()
    texts: tuple[TextChange, ...] = ()
    new_prices: PriceSet = field(default_factory=PriceSet)  # the table's prices, whatever the status
    self_priced: bool = False


@dataclass(frozen=True)
class NoticeDiff:
    on: dt.date
    items: tuple[ItemDiff, ...] = field(default_factory=tuple)

    def count(self, status: str) -> int:
        return sum(1 for i in self.items if i.status == status)

    @property
    def added(self) -> int:
        return self.count("added")

    @property
    def changed(self) -> int:
        return self.count("changed")

    @property
    def unchanged(self) -> int:
        return self.count("unchanged")


def diff_notice(notice: Notice, catalog: Catalog, on: dt.date | None = None) -> NoticeDiff:
    """Compare each item of `notice` with the item in effect on `on` (default: its start date).
    Items of the catalog not in the notice keep their prices and are not listed."""
    on = on or notice.meta.effective_from
    result: list[ItemDiff] = []
    for item in notice.items:
        entry = catalog.entry_on(item.code, on)
        if entry is None:
            result.append(ItemDiff(code=item.code, name=item.name, status="added", new_prices=item.prices,
                                   self_priced=item.self_priced))
            continue
        old = entry.item
        prices = tuple(
            PriceChange(grade=g, old=old.price_for(g), new=item.price_for(g))
            for g in Grade if old.price_for(g) != item.price_for(g)
        )
        texts = tuple(
            TextChange(field=f, old=getattr(old, f), new=getattr(item, f))
            for f in TEXT_FIELDS if getattr(old, f) != getattr(item, f)
        )
        result.append(ItemDiff(code=item.code, name=item.name, status="changed" if prices or texts else "unchanged",
                               previous_document=entry.document, previous_notice_id=entry.notice_id,
                               prices=prices, texts=texts, new_prices=item.prices, self_priced=item.self_priced))
    return NoticeDiff(on=on, items=tuple(result))
