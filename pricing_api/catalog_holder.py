"""The worker's in-memory catalog of published prices.

Look-ups and bill checks read an immutable `Catalog` built from the published notices.  The
holder rebuilds it when the database's catalog version moves: `WorkerSync` polls the version
in the background, and a writer's own commit refreshes at once.  A request takes one catalog
reference and uses only it, so it sees all old or all new prices, never a mix.
"""

from __future__ import annotations

import threading

from sqlalchemy.engine import Engine
from sqlmodel import Session

from price_tables.catalog import Catalog
from pricing_api.storage import notices as stored
from pricing_api.storage.versions import catalog_version


class CatalogHolder:
    def __init__(self, engine: Engine):
        self._engine = engine
        self._lock = threading.Lock()
        self._catalog: Catalog | None = None
        self._version = -1

    def current(self) -> Catalog:
        """The catalog as last loaded (no I/O: request paths use this)."""
        if self._catalog is None:
            return self.refresh()
        return self._catalog

    def sync(self, session: Session, version: int | None = None) -> Catalog:
        """Rebuild from `session` when the catalog version differs from the one held."""
        if version is None:
            version = catalog_version(session)
        with self._lock:
            if self._catalog is None or version != self._version:
                self._catalog = Catalog.of(stored.published_versions(session), version_tag=str(version))
                self._version = version
            return self._catalog

    def refresh(self) -> Catalog:
        """Re-read now (after this worker wrote): its own change is visible at once."""
        with Session(self._engine) as session:
            return self.sync(session)

    def get(self) -> Catalog:
        return self.refresh()

    def invalidate(self) -> None:
        """Make the next sync rebuild whatever the version says."""
        with self._lock:
            self._version = -1
