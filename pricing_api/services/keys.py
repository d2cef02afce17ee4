"""API keys: create (the secret is shown once), list, revoke."""

from __future__ import annotations

from sqlmodel import Session

from pricing_api.auth import KEY_PREFIX, Principal, Role, hash_key, new_key
from pricing_api.errors import Conflict, NotFound
from pricing_api.schemas.admin import KeyOut, NewKeyOut
from pricing_api.services.audit_log import record_audit
from pricing_api.storage import keys as stored
from pricing_api.storage.records import ApiKey, id_of
from pricing_api.storage.versions import bump_keys_version


def create_key(session: Session, role: Role, name: str = "", created_by: str | None = None) -> tuple[ApiKey, str]:
    """A new key (flushed, not committed) and its secret, which is shown once and never stored."""
    secret = new_key()
    record = stored.add_key(session, prefix=secret[: len(KEY_PREFIX) + 6], key_hash=hash_key(secret),
                            role=role.value, name=name, created_by=created_by)
    bump_keys_version(session)
    return record, secret


def issue_key(session: Session, role: Role, name: str, actor: str) -> NewKeyOut:
    record, secret = create_key(session, role, name, created_by=actor)
    record_audit(session, actor, "key_create", f"key:{record.id}", {"prefix": record.prefix, "role": role.value, "name": name})
    return NewKeyOut.of(record, key=secret)


def list_keys(session: Session) -> list[KeyOut]:
    return [KeyOut.of(k) for k in stored.all_keys(session)]


def revoke_key(session: Session, ident: str, actor: str) -> KeyOut:
    """Revoke a key by its numeric id or its prefix."""
    record = stored.key_by_id_or_prefix(session, ident)
    if record is None:
        raise NotFound(f"没有 id 或前缀为 {ident} 的 API key")
    if record.revoked_at is not None:
        raise Conflict(f"API key {record.prefix} 已于 {record.revoked_at} 撤销")
    stored.mark_revoked(session, record, actor)
    bump_keys_version(session)
    record_audit(session, actor, "key_revoke", f"key:{record.id}", {"prefix": record.prefix, "role": record.role})
    return KeyOut.of(record)


def has_keys(session: Session) -> bool:
    return stored.has_keys(session)


def principal_of(record: ApiKey) -> Principal:
    return Principal(key_id=id_of(record), prefix=record.prefix, role=Role(record.role), name=record.name)


def principal_by_hash(session: Session, key_hash: str) -> Principal | None:
    """The active key with this hash, or None (unknown or revoked)."""
    record = stored.key_by_hash(session, key_hash)
    return None if record is None or record.revoked_at is not None else principal_of(record)


def active_principals(session: Session) -> dict[str, Principal]:
    """Every active key, by hash: the table each worker holds in memory."""
    return {record.key_hash: principal_of(record) for record in stored.active_keys(session)}
