"""Every query about the pages' sign-in sessions."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session, col, select

from pricing_api.storage.records import ApiKey, PageSession, utcnow


def add_session(session: Session, *, token_hash: str, key_id: int, csrf_token: str, expires_at: dt.datetime) -> None:
    session.add(PageSession(token_hash=token_hash, key_id=key_id, csrf_token=csrf_token, expires_at=expires_at))
    session.flush()


def live_session(session: Session, token_hash: str) -> tuple[PageSession, ApiKey] | None:
    """The session and its key, if the session is neither expired nor signed out and its key
    is not revoked."""
    now = utcnow()
    row = session.exec(
        select(PageSession, ApiKey).join(ApiKey, col(ApiKey.id) == col(PageSession.key_id))
        .where(PageSession.token_hash == token_hash, col(PageSession.revoked_at).is_(None),
               col(PageSession.expires_at) > now, col(ApiKey.revoked_at).is_(None))
    ).first()
    return None if row is None else (row[0], row[1])


def end_session(session: Session, token_hash: str) -> None:
    record = session.exec(select(PageSession).where(PageSession.token_hash == token_hash)).first()
    if record is not None and record.revoked_at is None:
        record.revoked_at = utcnow()
        session.add(record)
        session.flush()
