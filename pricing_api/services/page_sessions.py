"""The pages' sign-in sessions, held on the server: the browser's cookie carries only a random
token, so signing out, or revoking the key, ends the session wherever the cookie was copied."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from sqlmodel import Session

from pricing_api.auth import Principal
from pricing_api.services.keys import principal_of
from pricing_api.storage import page_sessions as stored
from pricing_api.storage.records import utcnow


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def sign_in(session: Session, principal: Principal, lifetime: dt.timedelta) -> tuple[str, str]:
    """A new session for `principal`: (cookie token, CSRF token for its forms)."""
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    stored.add_session(session, token_hash=_hash(token), key_id=principal.key_id, csrf_token=csrf,
                       expires_at=utcnow() + lifetime)
    return token, csrf


def signed_in(session: Session, token: str) -> tuple[Principal, str] | None:
    """(principal, CSRF token) of a live session, or None."""
    found = stored.live_session(session, _hash(token))
    if found is None:
        return None
    page_session, key = found
    return principal_of(key), page_session.csrf_token


def sign_out(session: Session, token: str) -> None:
    stored.end_session(session, _hash(token))
