"""The change counters workers poll to know what to reload: the catalog version (moves with
every publish and withdrawal) and the keys version (moves with every key created or revoked)."""

from __future__ import annotations

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


def current_versions(session: Session) -> tuple[int, int]:
    """(catalog version, keys version), 0 before anything was written."""
    row = session.exec(select(CatalogVersion.version, CatalogVersion.keys_version)
                       .where(CatalogVersion.id == 1)).first()
    return (row[0], row[1]) if row else (0, 0)


def catalog_version(session: Session) -> int:
    return current_versions(session)[0]
