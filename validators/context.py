"""Everything the rules need about one bill, worked out once: each line's item on its date,
the patient's age that day, and what the line charges."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from price_tables.catalog import Catalog, CatalogEntry
from price_tables.models import Item
from price_tables.rules import Grade
from validators.bill import Bill, BillLine
from validators.findings import Basis


def age_on(birth: dt.date, day: dt.date) -> int:
    """Completed years (周岁) on `day`: 6周岁及以下 means before the 7th birthday."""
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


@dataclass(slots=True)
class Line:
    """A bill or history line with what the catalog says about it."""

    line: BillLine
    in_history: bool
    entry: CatalogEntry | None  # the entry in effect on the service date
    known_code: bool  # the code is in some loaded table (maybe not on this date)
    age: int
    charged: Decimal
    order: int  # history first, then the bill, each in the order sent

    @property
    def item(self) -> Item | None:
        return self.entry.item if self.entry else None

    @property
    def id(self) -> str:
        return self.line.line_id

    @property
    def code(self) -> str:
        return self.line.code

    @property
    def day(self) -> dt.date:
        return self.line.service_date

    @property
    def display_name(self) -> str:
        """The catalog's name where the code is known, else the name the hospital sent."""
        if self.entry is not None:
            return self.entry.item.name
        return self.line.name or ""

    def label(self) -> str:
        return f"{self.display_name}（{self.code}）" if self.display_name else self.code


@dataclass(slots=True)
class BillContext:
    bill: Bill
    catalog: Catalog
    grade: Grade
    lines: list[Line]  # the bill's lines, judged and reported on
    history: list[Line]  # earlier lines of the encounter, counted only
    all_lines: list[Line] = field(default_factory=list)  # history then bill
    _by_day: dict[dt.date, list[Line]] | None = None

    def __post_init__(self) -> None:
        self.all_lines = self.history + self.lines

    def on_day(self, day: dt.date) -> list[Line]:
        """Every line (history and bill) with this service date."""
        if self._by_day is None:
            self._by_day = {}
            for line in self.all_lines:
                self._by_day.setdefault(line.day, []).append(line)
        return self._by_day.get(day, [])

    def judged(self) -> list[Line]:
        """Bill lines whose code has an item in effect on the service date."""
        return [l for l in self.lines if l.entry is not None]

    def basis(self, line: Line, text: str) -> Basis:
        if line.entry is None:
            return Basis(document=None, seq=None, text=text)
        return Basis(document=line.entry.document, seq=line.entry.item.source.seq, text=text)

    def course_of(self, line: Line) -> str:
        return line.line.course_id or ""


def build_context(bill: Bill, catalog: Catalog) -> BillContext:
    birth = bill.patient.birth_date

    def resolve(line: BillLine, in_history: bool, order: int) -> Line:
        return Line(line=line, in_history=in_history, entry=catalog.entry_on(line.code, line.service_date),
                    known_code=line.code in catalog, age=age_on(birth, line.service_date),
                    charged=line.charged, order=order)

    history = [resolve(l, True, i) for i, l in enumerate(bill.history)]
    lines = [resolve(l, False, len(history) + i) for i, l in enumerate(bill.lines)]
    return BillContext(bill=bill, catalog=catalog, grade=bill.hospital.grade, lines=lines, history=history)
