"""What a notice says, as checked, immutable values."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from functools import cached_property
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from price_tables.grades import Grade
from price_tables.item_rules import Rule
from price_tables.money import child_price

FIELD_LABELS = {
    "seq": "序号", "code": "项目编码", "name": "项目名称", "connotation": "项目内涵",
    "exclusions": "除外内容", "included_materials": "内涵耗材", "unit": "计价单位", "price": "价格", "grade_3a": "三甲",
    "grade_3b": "三乙", "grade_2_or_below": "二级及以下", "remarks": "备注",
}


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class PriceSet(_Frozen):
    """Ceiling price per hospital grade; all None for a self-priced (自主定价) item."""

    grade_3a: Decimal | None = None
    grade_3b: Decimal | None = None
    grade_2_or_below: Decimal | None = None

    def for_grade(self, grade: Grade) -> Decimal | None:
        return getattr(self, grade)  # a Grade is the field's name


class ChildMarkup(_Frozen):
    """Whether the +30% price for children of 6周岁 and under applies, and why."""

    eligible: bool
    basis: str
    max_age: int = 6


class Provenance(_Frozen):
    """Where a row came from: the notice, its row number and the file row it was read from."""

    document: str
    seq: int | None
    file: str
    file_row: int
    derived_from: str | None = Field(None, description="Code of the row whose 备注 defines this item.")


class Item(_Frozen):
    code: str
    name: str
    connotation: str = ""
    exclusions: str = ""
    unit: str
    prices: PriceSet
    single_price: bool = Field(False, description="One price printed for all grades (a merged cell).")
    self_priced: bool = False
    remarks: str = ""
    rules: tuple[Rule, ...] = ()
    child_markup: ChildMarkup
    uncertain_fields: dict[str, str] = Field(default_factory=dict)
    source: Provenance

    def price_for(self, grade: Grade) -> Decimal | None:
        return self.prices.for_grade(grade)

    def child_price_for(self, grade: Grade) -> Decimal | None:
        price = self.price_for(grade)
        if price is None or not self.child_markup.eligible:
            return price
        return child_price(price)

    @property
    def child_prices(self) -> PriceSet:
        return PriceSet(**{g.value: self.child_price_for(g) for g in Grade})

    def rules_of(self, kind: str) -> tuple:
        """This item's rules of one kind (looked up once per item: the bill engine's hot path)."""
        return self._rules_by_kind.get(kind, ())

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Item:
        """A copy; the rule index cached on this item is not carried over (the copy may have
        other rules)."""
        copied = super().model_copy(update=update, deep=deep)
        for cached in ("rule_kinds", "_rules_by_kind"):
            copied.__dict__.pop(cached, None)
        return copied

    @cached_property
    def rule_kinds(self) -> tuple[str, ...]:
        return tuple(self._rules_by_kind)

    @cached_property
    def _rules_by_kind(self) -> dict[str, tuple]:
        grouped: dict[str, list] = {}
        for rule in self.rules:
            grouped.setdefault(rule.kind, []).append(rule)
        return {kind: tuple(rules) for kind, rules in grouped.items()}


class IncompleteRow(_Frozen):
    """A table row whose code or name the source lacks: reported, never billable."""

    seq: int | None
    unit: str
    prices: PriceSet
    missing: tuple[str, ...]
    note: str
    source: Provenance


class UnplacedFragment(_Frozen):
    """Text printed on a page of incomplete rows that cannot be tied to one of them."""

    column: str
    text: str


class NameBasis(_Frozen):
    """Why a printed name ends where the data file says.  The 11号 names wrap two characters a
    line, so the boundary between two adjacent names is a choice; it was fixed by the national
    catalogue's name for the code's first nine digits, found in the public `source`."""

    seq: int
    code: str
    name: str
    catalogue_code: str = Field(description="The code's first nine digits (全国医疗服务价格项目规范)")
    catalogue_name: str = Field("", description="The catalogue name found; empty when no public source names it")
    source: str = ""
    decision: str = Field(description="How the boundary was decided")


class ChildMarkupPolicy(_Frozen):
    """The notice's rule for children's prices."""

    rate: Decimal
    max_age: int
    code_prefixes: tuple[str, ...]
    invasive_codes_31: tuple[str, ...] = ()
    exempt_codes: tuple[str, ...] = ()
    basis: str


class NoticeMeta(_Frozen):
    """A notice's metadata; checked: the period may not end before it starts."""

    document: str = Field(description="文号")
    title: str
    issuer: tuple[str, ...] = ()
    signed_on: dt.date | None = None
    effective_from: dt.date
    effective_to: dt.date | None = None
    scope: str = ""
    attachment: str = ""
    source_lines: tuple[int, int] | None = None
    child_markup: ChildMarkupPolicy | None = None
    unplaced_fragments: tuple[UnplacedFragment, ...] = ()
    name_basis: tuple[NameBasis, ...] = ()
    notes: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _period_in_order(self):
        if self.effective_to is not None and self.effective_to < self.effective_from:
            raise ValueError(f"有效期结束日 {self.effective_to} 早于开始日 {self.effective_from}")
        return self


class CheckIssue(_Frozen):
    """One finding of the loader, naming file, row, column and value."""

    level: Literal["error", "warning"]
    file: str
    row: int | None = None
    column: str | None = None
    value: str | None = None
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f" 第{self.row}行"
        if self.column:
            where += f" [{self.column}]"
        shown = f" 值 {self.value!r}" if self.value is not None else ""
        return f"{where}{shown}: {self.message}"


class Notice(_Frozen):
    meta: NoticeMeta
    items: tuple[Item, ...]
    incomplete_rows: tuple[IncompleteRow, ...] = ()
    warnings: tuple[CheckIssue, ...] = ()

    def item(self, code: str) -> Item | None:
        return next((i for i in self.items if i.code == code), None)
