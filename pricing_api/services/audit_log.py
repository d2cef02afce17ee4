"""The audit trail: every write, who did it and when."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import Session, col, select

from pricing_api.schemas_tables import AuditEntryOut, AuditPage
from pricing_api.storage.records import AuditEntry


def record_audit(session: Session, actor: str, action: str, target: str | None, detail: dict) -> None:
    """Part of the caller's unit of work: logged if and only if the write commits."""
    session.add(AuditEntry(actor=actor, action=action, target=target, detail=detail))


def audit_log(session: Session, action: str | None, limit: int, offset: int) -> AuditPage:
    query = select(AuditEntry)
    count = select(func.count()).select_from(AuditEntry)
    if action:
        query = query.where(AuditEntry.action == action)
        count = count.where(AuditEntry.action == action)
    rows = session.exec(query.order_by(col(AuditEntry.id).desc()).offset(offset).limit(limit)).all()
    return AuditPage(entries=[AuditEntryOut.model_validate(r, from_attributes=True) for r in rows],
                     total=session.exec(count).one())
