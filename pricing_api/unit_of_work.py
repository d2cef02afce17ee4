"""One unit of work: every write path (API, pages, CLI) goes through it.

Services add and flush; only `commit()` makes their work permanent, and it then refreshes this
worker's catalog at once, so the writer sees its own publish without waiting for the
background refresh.  Leaving without `commit()` rolls everything back.
"""

from __future__ import annotations

from types import TracebackType

from sqlalchemy.engine import Engine
from sqlmodel import Session

from pricing_api.catalog_holder import CatalogHolder


class UnitOfWork:
    def __init__(self, engine: Engine, catalog: CatalogHolder | None = None):
        self.session = Session(engine)
        self._catalog = catalog

    def __enter__(self) -> UnitOfWork:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.session.close()  # rolls back whatever was not committed

    def commit(self) -> None:
        self.session.commit()
        if self._catalog is not None:
            self._catalog.refresh()
