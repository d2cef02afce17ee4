"""Shapes of the revised-table workflow: uploads, drafts, check reports, diffs."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import AliasPath, BaseModel, Field, PlainSerializer

from pricing_api.schemas.common import MoneyStr, OutModel, Prices


def _percent(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:f}"



class Issue(OutModel):
    """One line of a check report."""

    level: Literal["error", "warning"]
    row: int | None = Field(description="Row in the file as Excel numbers it (header = 1)")
    column: str | None
    value: str | None
    message: str


class DiffSummary(OutModel):
    on: dt.date = Field(description="Compared with the prices in effect on this date")
    added: int
    changed: int
    unchanged: int


class TableSummary(OutModel):
    id: int
    document: str
    title: str
    state: Literal["draft", "published", "withdrawn"]
    origin: Literal["bundled", "upload"]
    effective_from: dt.date
    effective_to: dt.date | None
    item_count: int
    file_name: str | None
    file_sha256: str | None
    created_at: dt.datetime
    created_by: str | None
    published_at: dt.datetime | None
    published_by: str | None
    withdrawn_at: dt.datetime | None
    withdrawn_by: str | None


class TableDetail(TableSummary):
    publishable: bool = Field(description="A draft with no errors can be published")
    check_report: list[Issue]
    diff_summary: DiffSummary | None = Field(None, description="For drafts: what publishing would change")


class TablePage(BaseModel):
    tables: list[TableSummary]
    total: int


class PriceChangeOut(OutModel):
    grade: str
    grade_label: str = Field(validation_alias=AliasPath("grade", "label"))
    old: MoneyStr | None
    new: MoneyStr | None
    amount: MoneyStr | None = Field(None, description="new − old in yuan (null when either is self-priced)")
    percent: Annotated[Decimal | None, PlainSerializer(_percent, return_type=str | None)] = Field(
        None, description="The change in percent of the old price, one decimal (\"4.5\", \"-3.0\")")


class TextChangeOut(OutModel):
    field: str
    label: str
    old: str
    new: str


class ItemDiffOut(OutModel):
    code: str
    name: str
    status: Literal["added", "changed", "unchanged"]
    previous_document: str | None
    previous_notice_id: int | None
    prices: list[PriceChangeOut] = Field(description="Grades whose price changes (empty for an added item)")
    texts: list[TextChangeOut]
    new_prices: Prices = Field(description="The table's prices for the item (all null when self-priced)")
    self_priced: bool


class DiffOut(DiffSummary):
    table_id: int
    items: list[ItemDiffOut]
