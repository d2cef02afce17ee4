"""The worker's in-memory catalog of published prices.

Look-ups and bill checks read an immutable `Catalog` built from the published notices.  Each
worker rebuilds it when the database's catalog version moves (another worker published),
checked at most every `catalog_refresh_seconds`, so a publish reaches every worker within a
few seconds without a restart.  A request takes one catalog reference and uses only it, so it
sees all old or all new prices, never a mix.
"""

from __future__ import annotations

import logging
import threading
import time

import anyio
from sqlalchemy.engine import Engine
from sqlmodel import Session

from price_tables.catalog import Catalog
from pricing_api.storage import notices as stored

log = logging.getLogger(__name__)


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
                version = stored.catalog_version(session)
                if self._catalog is None or version != self._version:
                    self._catalog = Catalog.of(stored.published_versions(session), version_tag=str(version))
                    self._version = version
            self._checked_at = time.monotonic()
            return self._catalog

    def current(self) -> Catalog:
        if self._catalog is None:
            return self.get()
        return self._catalog

    async def refresher(self) -> None:
        while True:
            await anyio.sleep(max(self._refresh_seconds, 0.05))
            try:
                await anyio.to_thread.run_sync(self.get)
            except Exception as exc:  # the database may be down: keep serving the last catalog
                log.warning("catalog refresh failed: %s", exc)

    def invalidate(self) -> None:
        """Make the next `get()` re-read the database."""
        with self._lock:
            self._checked_at = 0.0

    def refresh(self) -> Catalog:
        """Re-read now (after this worker wrote): its own change is visible at once."""
        self.invalidate()
        return self.get()
