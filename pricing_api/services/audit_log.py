"""The audit trail: every write, who did it and when."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from pricing_api.schemas.admin import AuditEntryOut, AuditPage
from pricing_api.storage import audit_log as stored


def record_audit(session: Session, actor: str, action: str, target: str | None, detail: dict[str, Any]) -> None:
    """Part of the caller's unit of work: logged if and only if the write commits."""
    stored.add_entry(session, actor=actor, action=action, target=target, detail=detail)


def audit_page(session: Session, *, action: str | None = None, limit: int = 100, offset: int = 0) -> AuditPage:
    rows, total = stored.entries(session, action=action, limit=limit, offset=offset)
    return AuditPage(entries=[AuditEntryOut.of(r) for r in rows], total=total)
