"""Request dependencies, declared once as Annotated aliases."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlmodel import Session

from price_tables.catalog import Catalog
from pricing_api.catalog_state import CatalogHolder
from pricing_api.settings import Settings


def get_settings_dep(request: Request) -> Settings:
    return request.app.state.settings


def get_session(request: Request) -> Iterator[Session]:
    """One unit of work per request: committed by the route's service call, rolled back on error."""
    with Session(request.app.state.engine) as session:
        yield session


async def get_catalog(request: Request) -> Catalog:
    """The worker's current price snapshot (kept fresh by a background task; no I/O here)."""
    holder: CatalogHolder = request.app.state.catalog
    return holder.current()


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
SessionDep = Annotated[Session, Depends(get_session)]
CatalogDep = Annotated[Catalog, Depends(get_catalog)]
