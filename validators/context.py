"""Everything the rules need about one bill, worked out once: each line's item on its date,
the patient's age that day, and what the line charges."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Generic, TypeVar, cast

from price_tables.catalog import Catalog, CatalogEntry
from price_tables.grades import Grade
from price_tables.models import Item
from validators.bill import Bill, BillLine
from validators.findings import Basis
from validators.reference import NO_REFERENCE, CodeMapping, ReferenceData


def age_on(birth: dt.date, day: dt.date) -> int:
    """Completed years (周岁) on `day`: 6周岁及以下 means before the 7th birthday."""
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


ItemT = TypeVar("ItemT", bound="Item | None")


@dataclass(slots=True)
class Line(Generic[ItemT]):
    """A bill or history line with what the catalog says about it.

    `Line[Item]` is a judged line (its code has an item in effect on the service date): what
    `BillContext.judged()` and `with_rule()` return, so the rules read `line.item` without a
    None check.  Any line is a `Line[Any]`."""

    line: BillLine
    id: str  # line_id, code and service date copied out: every rule reads them
    code: str
    day: dt.date
    in_history: bool
    entry: CatalogEntry | None  # the entry in effect on the service date
    item: ItemT  # entry.item, kept at hand
    known_code: bool  # a service line whose code is in some loaded table (maybe not on this date)
    age: int
    charged: Decimal
    order: int  # history first, then the bill, each in the order sent
    service: bool  # a service line (not a material or drug line, which no price table prices)
    mapping: CodeMapping | None = None  # how a hospital's or national code was mapped to `code` (对码)

    @property
    def display_name(self) -> str:
        """The catalog's name where the code is known, else the name the hospital sent."""
        if self.entry is not None:
            return self.entry.item.name
        return self.line.name or ""

    def label(self) -> str:
        entry = self.entry
        name = entry.item.name if entry is not None else self.line.name
        return f"{name}（{self.code}）" if name else self.code


Judged = Line[Item]
"""A line whose code has an item in effect on its service date."""
AnyLine = Line[Any]
"""Any bill or history line, judged or not."""


@dataclass(slots=True)
class BillContext:
    bill: Bill
    catalog: Catalog
    grade: Grade  # the grade prices are judged at (三甲, the highest, when it is not known)
    lines: list[AnyLine]  # the bill's lines, judged and reported on
    history: list[AnyLine]  # earlier lines of the encounter, counted only
    grade_known: bool = True
    claimed_grade: Grade | None = None  # what the bill says
    registry_grade: Grade | None = None  # what the hospital registry says on the bill's first day
    all_lines: list[AnyLine] = field(default_factory=list)  # history then bill
    _by_day: dict[dt.date, list[AnyLine]] | None = None
    _by_code: dict[str, list[AnyLine]] | None = None
    _by_kind: dict[str, list[Judged]] | None = None
    _judged: list[Judged] | None = None
    materials: list[AnyLine] = field(default_factory=list)  # material and drug lines, history then bill

    def __post_init__(self) -> None:
        self.all_lines = self.history + self.lines
        self.materials = [ln for ln in self.all_lines if not ln.service]

    def on_day(self, day: dt.date) -> list[AnyLine]:
        """Every line (history and bill) with this service date."""
        if self._by_day is None:
            self._by_day = {}
            for line in self.all_lines:
                self._by_day.setdefault(line.day, []).append(line)
        return self._by_day.get(day, [])

    def judged(self) -> list[Judged]:
        """Bill lines whose code has an item in effect on the service date."""
        if self._judged is None:
            self._judged = cast(list[Judged], [ln for ln in self.lines if ln.item is not None])
        return self._judged

    def judged_all(self) -> list[Judged]:
        """History and bill lines whose code has an item in effect on the service date."""
        return cast(list[Judged], [ln for ln in self.all_lines if ln.item is not None])

    def judged_with_any(self, *kinds: str) -> list[Judged]:
        """Judged bill lines whose item has a rule of any of `kinds`, in order, each once."""
        found = [lines for lines in map(self.judged_with, kinds) if lines]
        if len(found) <= 1:
            return found[0] if found else []
        return sorted({id(ln): ln for lines in found for ln in lines}.values(), key=lambda ln: ln.order)

    def judged_with(self, kind: str) -> list[Judged]:
        """Judged bill lines whose item has a rule of `kind` (indexed once per bill, so each
        rule family visits only the lines it concerns).  Read-only: the list may be the index's."""
        lines = self.with_rule(kind)
        return [ln for ln in lines if not ln.in_history] if self.history else lines

    def with_rule(self, kind: str) -> list[Judged]:
        """History and bill lines in effect whose item has a rule of `kind`, in order."""
        if self._by_kind is None:
            index: dict[str, list[AnyLine]] = {}
            for line in self.all_lines:
                item = line.item
                if item is not None:
                    for rule_kind in item.rule_kinds:
                        bucket = index.get(rule_kind)
                        if bucket is None:
                            index[rule_kind] = [line]
                        else:
                            bucket.append(line)
            self._by_kind = cast(dict[str, list[Judged]], index)
        return self._by_kind.get(kind, [])

    def with_code(self, code: str) -> list[AnyLine]:
        """Every line (history and bill) of this code, in the order sent."""
        if self._by_code is None:
            self._by_code = {}
            for line in self.all_lines:
                self._by_code.setdefault(line.code, []).append(line)
        return self._by_code.get(code, [])

    def basis(self, line: AnyLine, text: str) -> Basis:
        entry = line.entry
        if entry is None:
            return Basis(None, None, text)
        return Basis(entry.document, entry.item.source.seq, text)

    def course_of(self, line: AnyLine) -> str:
        return line.line.course_id or ""


_DIGITS = re.compile(r"(\d+)")


def _natural_id(line: BillLine) -> tuple:
    """Order line ids as people do: "2" before "10"."""
    line_id = line.line_id
    if line_id.isdigit():  # the usual case, without a regex
        return ((0, int(line_id), ""),)
    return tuple((0, int(part), "") if part.isdigit() else (1, 0, part)
                 for part in _DIGITS.split(line_id) if part)


def _naturally_sorted(lines: list[BillLine]) -> list[BillLine]:
    if all(ln.line_id.isdigit() for ln in lines):  # the usual case: plain numbers, compared as numbers
        return sorted(lines, key=lambda ln: int(ln.line_id))
    return sorted(lines, key=_natural_id)


def _item_code(line: BillLine, by_code: Mapping[str, Sequence[CatalogEntry]], reference: ReferenceData, hospital: str | None,
               day: dt.date) -> tuple[str, CodeMapping | None]:
    """The priced item a line stands for, in the order the national-interface issue sets: a
    code of the tables (`code`, then `hilist_code`, then `hosplist_code`); else the hospital's
    published code map, then the province's; else the code the line carries, unresolved."""
    code = line.code
    if code is not None and code in by_code:  # the usual case: one look-up
        return code, None
    for candidate in (line.hilist_code, line.hosplist_code):
        if candidate is not None and candidate in by_code:
            return candidate, None
    # A bare `code` that is not an item may be a national or a hospital code: looked up as both.
    mapped = (reference.mapped(hospital, line.hilist_code or code, line.hosplist_code or code, day)
              if reference.code_maps else None)
    if mapped is not None:
        return mapped.item_code, mapped
    return line.sent_code, None


def _grades(bill: Bill, reference: ReferenceData) -> tuple[Grade | None, Grade | None]:
    """(grade the bill claims, grade the registry gives on the bill's first day)."""
    first_day = bill.encounter.admitted_on or min(ln.service_date for ln in bill.lines)
    return bill.hospital.grade, reference.grade_of(bill.hospital.fixmedins_code, first_day)


def build_context(bill: Bill, catalog: Catalog, reference: ReferenceData = NO_REFERENCE) -> BillContext:
    birth = bill.patient.birth_date
    ages: dict[dt.date, int] = {}

    by_code = catalog.entries_by_code()
    hospital = bill.hospital.fixmedins_code

    def resolve(line: BillLine, in_history: bool, order: int) -> AnyLine:
        day = line.service_date
        category = line.category
        service = category is None or category == "service"
        code, mapping = _item_code(line, by_code, reference, hospital, day) if service else (line.sent_code, None)
        entry = None
        if service:
            for candidate in by_code.get(code, ()):  # Catalog.entry_on, inlined: this runs for every line
                if candidate.effective_from <= day and (candidate.effective_to is None or day <= candidate.effective_to):
                    entry = candidate
                    break
        age = ages.get(day)
        if age is None:
            age = ages[day] = age_on(birth, day)
        amount = line.amount
        return Line(line, line.line_id, code, day, in_history, entry, entry.item if entry is not None else None,
                    entry is not None or (service and code in by_code), age,
                    amount if amount is not None else line.quantity * line.unit_price, order, service, mapping)

    # Lines are judged in line-id order, not the order sent, so the same bill always gets the
    # same findings (which of two same-day lines is "the third of the day" must not depend on
    # how the HIS happened to list them).
    history = [resolve(ln, True, i) for i, ln in enumerate(_naturally_sorted(bill.history))]
    lines = [resolve(ln, False, len(history) + i) for i, ln in enumerate(_naturally_sorted(bill.lines))]
    claimed, registered = _grades(bill, reference)
    grade = registered or claimed
    return BillContext(bill=bill, catalog=catalog, grade=grade or Grade.GRADE_3A, lines=lines, history=history,
                       grade_known=grade is not None, claimed_grade=claimed, registry_grade=registered)
