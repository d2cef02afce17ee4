"""Every query about the audit log: who wrote what, when."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from pricing_api.storage.records import AuditEntry


def add_entry(session: Session, *, actor: str, action: str, target: str | None, detail: dict[str, Any]) -> None:
    session.add(AuditEntry(actor=actor, action=action, target=target, detail=detail))


def entries(session: Session, *, action: str | None, limit: int, offset: int) -> tuple[list[AuditEntry], int]:
    """A page of entries, newest first, and the total count."""
    query = select(AuditEntry)
    count = select(func.count()).select_from(AuditEntry)
    if action:
        query = query.where(AuditEntry.action == action)
        count = count.where(AuditEntry.action == action)
    rows = session.exec(query.order_by(col(AuditEntry.id).desc()).offset(offset).limit(limit)).all()
    return list(rows), session.exec(count).one()
