"""Response shapes of the look-up API.  Money is a decimal string with two places."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, Field, PlainSerializer

from price_tables.catalog import CatalogEntry
from price_tables.grades import Grade, parse_grade
from price_tables.models import PriceSet
from price_tables.money import to_cents

MoneyStr = Annotated[
    Decimal,
    PlainSerializer(lambda d: f"{to_cents(d):f}", return_type=str, when_used="always"),
]
GradeParam = Annotated[
    Grade,
    BeforeValidator(lambda v: parse_grade(v) if isinstance(v, str) else v),
    Field(description="grade_3a / grade_3b / grade_2_or_below, or 三甲 / 三乙 / 二级及以下"),
]


class Prices(BaseModel):
    grade_3a: MoneyStr | None = Field(None, description="三甲; null when self-priced")
    grade_3b: MoneyStr | None = Field(None, description="三乙")
    grade_2_or_below: MoneyStr | None = Field(None, description="二级及以下")

    @classmethod
    def of(cls, prices: PriceSet) -> Prices:
        return cls(**prices.model_dump())


class Source(BaseModel):
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


class UncertainField(BaseModel):
    field: str
    reason: str


class ItemSummary(BaseModel):
    code: str
    name: str
    unit: str
    prices: Prices
    self_priced: bool
    child_markup: bool
    child_prices: Prices
    price: MoneyStr | None = Field(None, description="Price for the requested grade (when `grade` is given)")
    child_price: MoneyStr | None = Field(None, description="Child price for the requested grade")
    effective_from: dt.date
    effective_to: dt.date | None
    source: Source

    @classmethod
    def fields_of(cls, entry: CatalogEntry, grade: Grade | None) -> dict[str, Any]:
        item = entry.item
        return dict(
            code=item.code, name=item.name, unit=item.unit, prices=Prices.of(item.prices),
            self_priced=item.self_priced, child_markup=item.child_markup.eligible,
            child_prices=Prices.of(item.child_prices),
            price=item.price_for(grade) if grade else None,
            child_price=item.child_price_for(grade) if grade else None,
            effective_from=entry.effective_from, effective_to=entry.effective_to,
            source=Source(document=entry.document, seq=item.source.seq, notice_id=entry.notice_id,
                          file=item.source.file, file_row=item.source.file_row,
                          derived_from=item.source.derived_from),
        )

    @classmethod
    def of(cls, entry: CatalogEntry, grade: Grade | None = None) -> ItemSummary:
        return cls(**cls.fields_of(entry, grade))


class ItemDetail(ItemSummary):
    connotation: str = Field(description="项目内涵")
    exclusions: str = Field(description="除外内容")
    remarks: str = Field(description="备注, verbatim")
    child_markup_basis: str
    child_max_age: int = Field(description="Child prices apply up to and including this age in 周岁")
    single_price: bool = Field(description="One price printed for all grades")
    rules: list[RuleOut]
    uncertain_fields: list[UncertainField] = Field(description="Fields whose placement in the source was a judgement")

    @classmethod
    def of(cls, entry: CatalogEntry, grade: Grade | None = None) -> ItemDetail:
        item = entry.item
        return cls(
            **ItemSummary.fields_of(entry, grade),
            connotation=item.connotation, exclusions=item.exclusions, remarks=item.remarks,
            child_markup_basis=item.child_markup.basis, child_max_age=item.child_markup.max_age,
            single_price=item.single_price,
            rules=[RuleOut(kind=r.kind, description=r.describe(), basis=r.basis, source_field=r.source_field,
                           params=r.model_dump(mode="json", exclude={"kind", "basis", "source_field"}))
                   for r in item.rules],
            uncertain_fields=[UncertainField(field=f, reason=why) for f, why in item.uncertain_fields.items()],
        )


class ItemPage(BaseModel):
    items: list[ItemSummary]
    total: int
    limit: int
    offset: int


class PriceHistoryEntry(BaseModel):
    notice_id: int
    document: str
    effective_from: dt.date
    effective_to: dt.date | None
    prices: Prices
    self_priced: bool


class IncompleteRowOut(BaseModel):
    seq: int | None
    unit: str
    prices: Prices
    missing: list[str]
    note: str
    file_row: int


class NoticeSummary(BaseModel):
    id: int
    document: str
    title: str
    issuer: list[str]
    signed_on: dt.date | None
    effective_from: dt.date
    effective_to: dt.date | None
    scope: str
    state: str
    origin: str
    item_count: int
    incomplete_row_count: int
    created_at: dt.datetime
    created_by: str | None
    published_at: dt.datetime | None
    published_by: str | None


class NoticeDetail(NoticeSummary):
    attachment: str
    source_lines: list[int] | None
    notes: list[str]
    incomplete_rows: list[IncompleteRowOut]
    unplaced_fragments: list[dict[str, str]]
    warnings: list[dict[str, Any]]
    child_markup_policy: dict[str, Any] | None


class NoticePage(BaseModel):
    notices: list[NoticeSummary]
    total: int


class Health(BaseModel):
    status: str
    detail: str | None = None
    catalog_version: str | None = Field(None, description="The price snapshot this worker serves")
    worker: int | None = Field(None, description="Process id of the worker that answered")
