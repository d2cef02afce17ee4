"""The worker's in-memory snapshots: the catalog of published prices, and the reference data
(hospital grades, published code maps).

Look-ups and bill checks read immutable snapshots.  A holder rebuilds its snapshot when the
database's change counter for it moves: `WorkerSync` polls the counters in the background, and
a writer's own commit refreshes at once.  A request takes one reference to each snapshot and
uses only it, so it sees all old or all new data, never a mix.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

from sqlalchemy.engine import Engine
from sqlmodel import Session

from price_tables.catalog import Catalog
from pricing_api.storage import notices as stored
from pricing_api.storage.versions import Versions, current_versions
from validators.reference import ReferenceData

T = TypeVar("T")


class SnapshotHolder(Generic[T]):
    """Holds one snapshot, built by `build(session, version)` whenever its counter moves."""

    def __init__(self, engine: Engine, build: Callable[[Session, int], T], counter: Callable[[Versions], int]):
        self._engine = engine
        self._build = build
        self._counter = counter
        self._lock = threading.Lock()
        self._snapshot: T | None = None
        self._version = -1

    def current(self) -> T:
        """The snapshot as last loaded (no I/O on the request path once loaded)."""
        snapshot = self._snapshot
        return snapshot if snapshot is not None else self.refresh()

    def sync(self, session: Session, versions: Versions | None = None) -> T:
        """Rebuild from `session` when the counter differs from the one held."""
        version = self._counter(versions or current_versions(session))
        with self._lock:
            if self._snapshot is None or version != self._version:
                self._snapshot = self._build(session, version)
                self._version = version
            return self._snapshot

    def refresh(self) -> T:
        """Re-read now (after this worker wrote): its own change is visible at once."""
        with Session(self._engine) as session:
            return self.sync(session)

    def get(self) -> T:
        return self.refresh()

    def invalidate(self) -> None:
        """Make the next sync rebuild whatever the counter says."""
        with self._lock:
            self._version = -1


def _build_catalog(session: Session, version: int) -> Catalog:
    return Catalog.of(stored.published_versions(session), version_tag=str(version))


class CatalogHolder(SnapshotHolder[Catalog]):
    def __init__(self, engine: Engine):
        super().__init__(engine, _build_catalog, lambda versions: versions.catalog)


class ReferenceHolder(SnapshotHolder[ReferenceData]):
    def __init__(self, engine: Engine):
        from pricing_api.services.reference import load_reference

        super().__init__(engine, load_reference, lambda versions: versions.reference)
