"""What the first start (and every start) does to the database: migrate, load the bundled
notices into an empty database, make the first admin key when there is none, and mark audit
runs whose worker stopped as failed."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable

from sqlalchemy.engine import Engine
from sqlmodel import Session

from price_tables.loader import bundled_notices
from price_tables.models import Notice
from pricing_api.auth import Role
from pricing_api.services.audit_log import record_audit
from pricing_api.services.keys import create_key, has_keys
from pricing_api.storage import notices as stored
from pricing_api.storage.audits import fail_abandoned_runs
from pricing_api.storage.database import migrate, startup_lock
from pricing_api.storage.records import id_of

log = logging.getLogger(__name__)


#: An audit run whose row has not moved for this long lost its worker (a run writes its progress
#: every second; only storing its findings is silent, and takes seconds).
ABANDONED_AFTER = dt.timedelta(minutes=10)


def prepare_database(engine: Engine, load_bundled: bool) -> str | None:
    """Migrate; on an empty database load the bundled notices; when there is no API key at
    all, make the first admin key.  Returns that key's secret (to be shown once), else None."""
    with startup_lock(engine):
        migrate(engine)
        with Session(engine) as session:
            if load_bundled and stored.count_notices(session) == 0:
                load_into(session, bundled_notices(), origin="bundled")
                log.info("loaded the bundled notices into an empty database")
            abandoned = fail_abandoned_runs(session, silent_for=ABANDONED_AFTER)
            if abandoned:
                log.warning("%d audit run(s) whose worker stopped were marked failed", abandoned)
            secret = None
            if not has_keys(session):
                record, secret = create_key(session, Role.ADMIN, "first admin key", created_by="system")
                record_audit(session, "system", "key_create", f"key:{record.id}",
                             {"prefix": record.prefix, "role": "admin", "name": "first admin key"})
            session.commit()
            return secret


def load_into(session: Session, notices: Iterable[Notice], origin: str, actor: str | None = "system") -> list[int]:
    """Store notices as published, in one unit of work (the caller commits)."""
    return [id_of(stored.add_notice(session, n, state="published", origin=origin, actor=actor)) for n in notices]


def announce_first_key(secret: str, base_url: str = "http://127.0.0.1:8000") -> None:
    """The very first start has no keys: print one admin key, once, where the operator sees it."""
    print("\n" + "=" * 72 + "\n"
          "  首次启动：已创建管理员 API key（只显示这一次，请妥善保存）\n"
          "  First start: an admin API key was created (shown only this once):\n\n"
          f"  {secret}\n\n"
          f"  curl -H 'Authorization: Bearer <key>' {base_url}/v1/notices\n"
          + "=" * 72 + "\n", flush=True)
