"""API keys: create (the secret is shown once), list, revoke."""

from __future__ import annotations

from sqlmodel import Session, col, select

from pricing_api.auth import Role, create_key
from pricing_api.errors import Conflict, NotFound
from pricing_api.schemas_tables import KeyOut, NewKeyOut
from pricing_api.services.audit_log import record_audit
from pricing_api.storage.records import ApiKey, utcnow


def _out(record: ApiKey) -> dict:
    return dict(id=record.id, prefix=record.prefix, role=record.role, name=record.name,
                created_at=record.created_at, created_by=record.created_by, revoked_at=record.revoked_at)


def list_keys(session: Session) -> list[KeyOut]:
    return [KeyOut(**_out(k)) for k in session.exec(select(ApiKey).order_by(col(ApiKey.id)))]


def issue_key(session: Session, role: Role, name: str, actor: str) -> NewKeyOut:
    record, secret = create_key(session, role, name, created_by=actor)
    record_audit(session, actor, "key_create", f"key:{record.id}", {"prefix": record.prefix, "role": role.value, "name": name})
    return NewKeyOut(**_out(record), key=secret)


def find_key(session: Session, ident: str) -> ApiKey:
    """A key by its numeric id or its prefix."""
    query = select(ApiKey).where(ApiKey.id == int(ident)) if ident.isdigit() else select(ApiKey).where(ApiKey.prefix == ident)
    record = session.exec(query).first()
    if record is None:
        raise NotFound(f"没有 id 或前缀为 {ident} 的 API key")
    return record


def revoke_key(session: Session, ident: str, actor: str) -> KeyOut:
    record = find_key(session, ident)
    if record.revoked_at is not None:
        raise Conflict(f"API key {record.prefix} 已于 {record.revoked_at} 撤销")
    record.revoked_at, record.revoked_by = utcnow(), actor
    session.add(record)
    record_audit(session, actor, "key_revoke", f"key:{record.id}", {"prefix": record.prefix, "role": record.role})
    session.flush()
    return KeyOut(**_out(record))


def has_keys(session: Session) -> bool:
    return session.exec(select(ApiKey.id).limit(1)).first() is not None
