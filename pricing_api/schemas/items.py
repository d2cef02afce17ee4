"""Response shapes of the item look-up: built from `price_tables.catalog.CatalogEntry`."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Self

from pydantic import AliasPath, BaseModel, BeforeValidator, Field, PlainSerializer

from price_tables.catalog import CatalogEntry
from price_tables.grades import Grade
from price_tables.item_rules import Rule
from price_tables.periods import PricePeriod
from pricing_api.schemas.common import MoneyStr, OutModel, Prices


def _item(*path: str | int, description: str | None = None) -> Any:
    """The field's value is at `entry.item.<path>`."""
    return Field(validation_alias=AliasPath("item", *path), description=description)


class Source(OutModel):
    # Where the entry's price is stated (read from the item's `Provenance` and the notice id).

    document: str = Field(description="文号")
    seq: int | None = Field(description="序号 in the notice's table; for a derived code, its parent row")
    notice_id: int
    file: str
    file_row: int = Field(description="Row in the data file (header = 1)")
    derived_from: str | None = Field(None, description="Code whose 备注 defines this item")


class RuleOut(BaseModel):
    kind: str
    description: str = Field(description="The rule as one plain Chinese sentence")
    basis: str = Field(description="The source sentence, verbatim")
    source_field: str
    params: dict[str, Any]

    @classmethod
    def of(cls, rule: Rule, unit: str) -> Self:
        """`rule` of an item charged by `unit` (counts are said in that unit: 24小时, 2次)."""
        return cls(kind=rule.kind, description=rule.describe_for(unit), basis=rule.basis, source_field=rule.source_field,
                   params=rule.model_dump(mode="json", exclude={"kind", "basis", "source_field"}))


class UncertainField(BaseModel):
    field: str
    reason: str


class ItemSummary(OutModel):
    code: str = _item("code")
    name: str = _item("name")
    unit: str = _item("unit")
    prices: Prices = _item("prices")
    self_priced: bool = _item("self_priced")
    child_markup: bool = _item("child_markup", "eligible")
    child_prices: Prices = _item("child_prices")
    price: MoneyStr | None = Field(None, description="Price for the requested grade (when `grade` is given)")
    child_price: MoneyStr | None = Field(None, description="Child price for the requested grade")
    effective_from: dt.date
    effective_to: dt.date | None
    source: Source

    @classmethod
    def of_entry(cls, entry: CatalogEntry, grade: Grade | None = None) -> Self:
        """The entry, with the price (and child price) of `grade` when one is asked for."""
        source = Source.of(entry.item.source, notice_id=entry.notice_id)
        if grade is None:
            return cls.of(entry, source=source)
        return cls.of(entry, source=source, price=entry.item.price_for(grade),
                      child_price=entry.item.child_price_for(grade))


class ItemDetail(ItemSummary):
    connotation: str = _item("connotation", description="项目内涵")
    exclusions: str = _item("exclusions", description="除外内容")
    remarks: str = _item("remarks", description="备注, verbatim")
    child_markup_basis: str = _item("child_markup", "basis")
    child_max_age: int = _item("child_markup", "max_age",
                               description="Child prices apply up to and including this age in 周岁")
    single_price: bool = _item("single_price", description="One price printed for all grades")
    rules: Annotated[list[RuleOut], BeforeValidator(lambda item: [RuleOut.of(r, item.unit) for r in item.rules])] = _item()
    uncertain_fields: Annotated[
        list[UncertainField],
        BeforeValidator(lambda fields: [UncertainField(field=f, reason=why) for f, why in fields.items()]),
    ] = _item("uncertain_fields", description="Fields whose placement in the source was a judgement")


class ItemPage(BaseModel):
    items: list[ItemSummary]
    total: int
    limit: int
    offset: int


class PriceHistoryEntry(OutModel):
    notice_id: int
    document: str
    effective_from: dt.date
    effective_to: dt.date | None
    prices: Prices = _item("prices")
    self_priced: bool = _item("self_priced")


class PeriodNotice(OutModel):
    """A notice that set a period's price (or restated it unchanged) from `since`."""

    since: dt.date
    document: str = Field(validation_alias=AliasPath("entry", "document"))
    notice_id: int = Field(validation_alias=AliasPath("entry", "notice_id"))


class GradeChangeOut(OutModel):
    grade: str
    grade_label: str = Field(validation_alias=AliasPath("grade", "label"))
    old: MoneyStr
    new: MoneyStr
    amount: MoneyStr = Field(description="new − old, yuan")
    percent: Annotated[Decimal, PlainSerializer(lambda d: f"{d:f}", return_type=str)] = Field(
        description="The change in percent of the old price, one decimal (\"4.5\", \"-3.0\")")


class PricePeriodOut(OutModel):
    """A stretch of days with one price, as it really applied (a revision ends the period it
    replaces; a price restated unchanged continues it)."""

    start: dt.date
    end: dt.date | None = Field(description="Last day; null while still in force")
    priced: bool = Field(description="False for a period in which no published notice prices the code")
    prices: Prices | None = Field(description="null for a period without a price")
    self_priced: bool
    in_force: bool = Field(description="The period contains the requested date (`as_of`, default today)")
    notices: list[PeriodNotice]
    changes: list[GradeChangeOut] = Field(description="Each grade against the previous priced period")

    @classmethod
    def of_period(cls, period: PricePeriod, on: dt.date) -> Self:
        item = period.item
        return cls.of(period, priced=item is not None, self_priced=bool(item and item.self_priced),
                      in_force=period.covers(on), prices=None if item is None else item.prices)
