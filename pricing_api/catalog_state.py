"""The worker's in-memory catalog and the start-up that fills the database.

Look-ups and bill checks read an immutable `Catalog` built from the published notices.  Each
worker rebuilds it when the database's catalog version moves (another worker published),
checked at most every `catalog_refresh_seconds`, so a publish reaches every worker within a
few seconds without a restart.  A request takes one catalog reference and uses only it, so it
sees all old or all new prices, never a mix.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session

from price_tables.catalog import Catalog
from price_tables.loader import bundled_notices
from pricing_api.storage import repository
from pricing_api.storage.database import migrate

log = logging.getLogger(__name__)
_STARTUP_LOCK_KEY = 727_2021  # PostgreSQL advisory lock id for migrate-and-load


@contextlib.contextmanager
def startup_lock(engine: Engine) -> Iterator[None]:
    """Serialise migrate-and-load between workers starting together."""
    url = make_url(str(engine.url))
    if url.get_backend_name() == "postgresql":
        with engine.connect() as connection:
            connection.execute(text("SELECT pg_advisory_lock(:k)"), {"k": _STARTUP_LOCK_KEY})
            try:
                yield
            finally:
                connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _STARTUP_LOCK_KEY})
                connection.commit()
        return
    database = url.database
    if not database or database == ":memory:":
        yield
        return
    lock_path = Path(database + ".lock")
    with open(lock_path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def prepare_database(engine: Engine, load_bundled: bool) -> str | None:
    """Migrate; on an empty database load the bundled notices; when there is no API key at
    all, make the first admin key.  Returns that key's secret (to be shown once), else None."""
    from pricing_api.auth import Role, create_key
    from pricing_api.services.audit_log import record_audit
    from pricing_api.services.keys import has_keys

    with startup_lock(engine):
        migrate(engine)
        with Session(engine) as session:
            if load_bundled and repository.count_notices(session) == 0:
                load_into(session, bundled_notices(), origin="bundled")
                log.info("loaded the bundled notices into an empty database")
            secret = None
            if not has_keys(session):
                record, secret = create_key(session, Role.ADMIN, "first admin key", created_by="system")
                record_audit(session, "system", "key_create", f"key:{record.id}",
                             {"prefix": record.prefix, "role": "admin", "name": "first admin key"})
            session.commit()
            return secret


def load_into(session: Session, notices, origin: str, actor: str | None = "system") -> list[int]:
    """Store notices as published, in one unit of work (the caller commits)."""
    return [repository.add_notice(session, n, state="published", origin=origin, actor=actor).id for n in notices]


class CatalogHolder:
    """Holds the current catalog.

    `current()` never touches the database (request paths use it); `get()` re-reads the
    catalog version when `refresh_seconds` have passed and rebuilds on a change; `refresher()`
    is the background loop that calls `get()` off the event loop, so a publish made by another
    worker reaches this one within `refresh_seconds`.
    """

    def __init__(self, engine: Engine, refresh_seconds: float):
        self._engine = engine
        self._refresh_seconds = refresh_seconds
        self._lock = threading.Lock()
        self._catalog: Catalog | None = None
        self._version = -1
        self._checked_at = 0.0

    def get(self) -> Catalog:
        now = time.monotonic()
        if self._catalog is not None and now - self._checked_at < self._refresh_seconds:
            return self._catalog
        with self._lock:
            if self._catalog is not None and time.monotonic() - self._checked_at < self._refresh_seconds:
                return self._catalog
            with Session(self._engine) as session:
                version = repository.catalog_version(session)
                if self._catalog is None or version != self._version:
                    self._catalog = Catalog.of(repository.published_versions(session), version_tag=str(version))
                    self._version = version
            self._checked_at = time.monotonic()
            return self._catalog

    def current(self) -> Catalog:
        if self._catalog is None:
            return self.get()
        return self._catalog

    async def refresher(self) -> None:
        import anyio

        while True:
            await anyio.sleep(max(self._refresh_seconds, 0.05))
            try:
                await anyio.to_thread.run_sync(self.get)
            except Exception as exc:  # the database may be down: keep serving the last catalog
                log.warning("catalog refresh failed: %s", exc)

    def invalidate(self) -> None:
        """Force the next `get()` to re-read (after this worker published)."""
        with self._lock:
            self._checked_at = 0.0
