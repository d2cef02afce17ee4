"""Shapes of the admin endpoints: API keys and the audit log."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, Field

from pricing_api.schemas.common import FormText, OutModel


class KeyOut(OutModel):
    id: int
    prefix: str
    role: str
    name: str
    created_at: dt.datetime
    created_by: str | None
    revoked_at: dt.datetime | None


class NewKeyIn(BaseModel):
    role: Literal["his", "auditor", "pricing", "admin", "metrics"]
    name: FormText = Field("", max_length=100)


class NewKeyOut(KeyOut):
    key: str = Field(description="The secret: shown once, never stored")


class AuditEntryOut(OutModel):
    id: int
    at: dt.datetime
    actor: str
    action: str
    target: str | None
    detail: dict[str, Any]


class AuditPage(BaseModel):
    entries: list[AuditEntryOut]
    total: int
