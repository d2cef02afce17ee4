"""Response shapes of the notices (published table versions): built from `NoticeRecord`."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import AliasPath, BaseModel, Field

from pricing_api.schemas.common import OutModel, Prices


def _meta(key: str) -> Any:
    """The field's value is the notice's metadata entry `key`."""
    return Field(validation_alias=AliasPath("meta", key))


class IncompleteRowOut(OutModel):
    # A row the source prints without code or name, read from the stored `IncompleteRow`.

    seq: int | None = Field(validation_alias=AliasPath("body", "seq"))
    unit: str = Field(validation_alias=AliasPath("body", "unit"))
    prices: Prices = Field(validation_alias=AliasPath("body", "prices"))
    missing: list[str] = Field(validation_alias=AliasPath("body", "missing"))
    note: str = Field(validation_alias=AliasPath("body", "note"))
    file_row: int = Field(validation_alias=AliasPath("body", "source", "file_row"))


class NoticeSummary(OutModel):
    id: int
    document: str
    title: str
    issuer: list[str] = _meta("issuer")
    signed_on: dt.date | None = _meta("signed_on")
    effective_from: dt.date
    effective_to: dt.date | None
    scope: str = _meta("scope")
    state: str
    origin: str
    item_count: int
    incomplete_row_count: int
    created_at: dt.datetime
    created_by: str | None
    published_at: dt.datetime | None
    published_by: str | None


class NoticeDetail(NoticeSummary):
    attachment: str = _meta("attachment")
    source_lines: list[int] | None = _meta("source_lines")
    notes: list[str] = _meta("notes")
    incomplete_rows: list[IncompleteRowOut]
    unplaced_fragments: list[dict[str, str]] = _meta("unplaced_fragments")
    warnings: list[dict[str, Any]]
    child_markup_policy: dict[str, Any] | None = _meta("child_markup")


class NoticePage(BaseModel):
    notices: list[NoticeSummary]
    total: int
