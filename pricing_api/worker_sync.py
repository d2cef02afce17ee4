"""Keeps a worker's in-memory state in step with the database: one cheap query every
`PRICING_CATALOG_REFRESH_SECONDS` reads the change counters, and the catalog, the reference
data or the key table is reloaded when its counter moved (another worker published a table or
a code map, changed the hospital registry, or created or revoked a key)."""

from __future__ import annotations

import logging

import anyio
from sqlalchemy.engine import Engine
from sqlmodel import Session

from pricing_api.auth import KeyCache
from pricing_api.catalog_holder import CatalogHolder, ReferenceHolder
from pricing_api.metrics import record_catalog
from pricing_api.services.keys import active_principals
from pricing_api.storage.versions import current_versions
from pricing_api.unit_of_work import Database

log = logging.getLogger(__name__)


class WorkerSync:
    def __init__(self, engine: Engine, catalog: CatalogHolder, keys: KeyCache, reference: ReferenceHolder):
        self._engine = engine
        self._catalog = catalog
        self._keys = keys
        self._reference = reference

    def poll(self) -> None:
        """Reload what moved (blocking: run it off the event loop)."""
        with Session(self._engine) as session:
            versions = current_versions(session)
            record_catalog(self._catalog.sync(session, versions).version_tag)
            self._reference.sync(session, versions)
            if versions.keys != self._keys.version:
                self._keys.replace(active_principals(session), versions.keys)

    async def run(self, db: Database, interval: float) -> None:
        """Poll every `interval` seconds, off the event loop, within the database deadline."""
        while True:
            await anyio.sleep(max(interval, 0.05))
            try:
                await db.call(self.poll)
            except Exception as exc:  # the database may be away: keep serving what is loaded
                log.warning("worker sync failed: %s", type(exc).__name__)
