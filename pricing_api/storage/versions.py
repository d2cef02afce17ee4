"""The change counters workers poll to know what to reload: the catalog version (moves with
every publish and withdrawal), the keys version (every key created or revoked) and the
reference version (the hospital registry and published code maps)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import update
from sqlmodel import Session, col, select

from pricing_api.storage.records import CatalogVersion


def _bump(session: Session, column: str) -> int:
    counter = getattr(CatalogVersion, column)
    result = session.exec(update(CatalogVersion).where(col(CatalogVersion.id) == 1).values({column: counter + 1}))
    if result.rowcount == 0:
        session.add(CatalogVersion(id=1, **{column: 1}))
        session.flush()
        return 1
    return session.exec(select(counter).where(CatalogVersion.id == 1)).one()


def bump_catalog_version(session: Session) -> int:
    """Increase the catalog version and return the new value.  The update takes the write lock
    (a row lock on PostgreSQL, the database lock on SQLite), so writers that start with it run
    one after the other and each sees what the one before did."""
    return _bump(session, "version")


def bump_keys_version(session: Session) -> int:
    return _bump(session, "keys_version")


def bump_reference_version(session: Session) -> int:
    """The hospital registry or a published code map changed (also takes the write lock)."""
    return _bump(session, "reference_version")


@dataclass(frozen=True)
class Versions:
    catalog: int = 0
    keys: int = 0
    reference: int = 0


def current_versions(session: Session) -> Versions:
    """The change counters, 0 before anything was written."""
    row = session.exec(select(CatalogVersion.version, CatalogVersion.keys_version, CatalogVersion.reference_version)
                       .where(CatalogVersion.id == 1)).first()
    return Versions(*row) if row else Versions()


def catalog_version(session: Session) -> int:
    return current_versions(session).catalog
