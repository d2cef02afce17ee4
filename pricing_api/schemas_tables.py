"""Shapes of the revised-table workflow: uploads, drafts, diffs, keys, audit log."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, Field

from price_tables.diff import NoticeDiff
from price_tables.models import CheckIssue
from pricing_api.schemas import MoneyStr


class Issue(BaseModel):
    """One line of a check report."""

    level: Literal["error", "warning"]
    row: int | None = Field(description="Row in the file as Excel numbers it (header = 1)")
    column: str | None
    value: str | None
    message: str

    @classmethod
    def of(cls, issue: CheckIssue) -> Issue:
        return cls(level=issue.level, row=issue.row, column=issue.column, value=issue.value, message=issue.message)


class DiffSummary(BaseModel):
    on: dt.date = Field(description="Compared with the prices in effect on this date")
    added: int
    changed: int
    unchanged: int


class TableSummary(BaseModel):
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


class PriceChangeOut(BaseModel):
    grade: str
    grade_label: str
    old: MoneyStr | None
    new: MoneyStr | None


class TextChangeOut(BaseModel):
    field: str
    label: str
    old: str
    new: str


class ItemDiffOut(BaseModel):
    code: str
    name: str
    status: Literal["added", "changed", "unchanged"]
    previous_document: str | None
    previous_notice_id: int | None
    prices: list[PriceChangeOut]
    texts: list[TextChangeOut]


class DiffOut(DiffSummary):
    table_id: int
    items: list[ItemDiffOut]

    @classmethod
    def of(cls, table_id: int, diff: NoticeDiff) -> DiffOut:
        return cls(
            table_id=table_id, on=diff.on, added=diff.count("added"), changed=diff.count("changed"),
            unchanged=diff.count("unchanged"),
            items=[ItemDiffOut(
                code=i.code, name=i.name, status=i.status, previous_document=i.previous_document,
                previous_notice_id=i.previous_notice_id,
                prices=[PriceChangeOut(grade=p.grade.value, grade_label=p.grade.label, old=p.old, new=p.new) for p in i.prices],
                texts=[TextChangeOut(field=t.field, label=t.label, old=t.old, new=t.new) for t in i.texts],
            ) for i in diff.items],
        )


class KeyOut(BaseModel):
    id: int
    prefix: str
    role: str
    name: str
    created_at: dt.datetime
    created_by: str | None
    revoked_at: dt.datetime | None


class NewKeyIn(BaseModel):
    role: Literal["his", "auditor", "pricing", "admin"]
    name: str = Field("", max_length=100)


class NewKeyOut(KeyOut):
    key: str = Field(description="The secret: shown once, never stored")


class AuditEntryOut(BaseModel):
    id: int
    at: dt.datetime
    actor: str
    action: str
    target: str | None
    detail: dict[str, Any]


class AuditPage(BaseModel):
    entries: list[AuditEntryOut]
    total: int
