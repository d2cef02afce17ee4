"""Every query about API keys.  Only a key's SHA-256 is stored, never the secret."""

from __future__ import annotations

from sqlmodel import Session, col, select

from pricing_api.storage.records import ApiKey, utcnow


def add_key(session: Session, *, prefix: str, key_hash: str, role: str, name: str, created_by: str | None) -> ApiKey:
    record = ApiKey(prefix=prefix, key_hash=key_hash, role=role, name=name, created_by=created_by)
    session.add(record)
    session.flush()
    return record


def key_by_hash(session: Session, key_hash: str) -> ApiKey | None:
    return session.exec(select(ApiKey).where(ApiKey.key_hash == key_hash)).first()


def key_by_id_or_prefix(session: Session, ident: str) -> ApiKey | None:
    query = select(ApiKey).where(ApiKey.id == int(ident)) if ident.isdigit() else select(ApiKey).where(ApiKey.prefix == ident)
    return session.exec(query).first()


def all_keys(session: Session) -> list[ApiKey]:
    return list(session.exec(select(ApiKey).order_by(col(ApiKey.id))))


def mark_revoked(session: Session, record: ApiKey, actor: str) -> None:
    record.revoked_at, record.revoked_by = utcnow(), actor
    session.add(record)
    session.flush()


def has_keys(session: Session) -> bool:
    return session.exec(select(ApiKey.id).limit(1)).first() is not None


def active_keys(session: Session) -> list[ApiKey]:
    return list(session.exec(select(ApiKey).where(col(ApiKey.revoked_at).is_(None))))
