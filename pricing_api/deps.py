"""Request dependencies, declared once as Annotated aliases."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlmodel import Session

from price_tables.catalog import Catalog
from pricing_api.auth import Permission, Principal, authenticate, authorize
from pricing_api.catalog_state import CatalogHolder
from pricing_api.settings import Settings

SESSION_COOKIE = "pricing_session"
_bearer = HTTPBearer(auto_error=False, description="API key: `Authorization: Bearer KEY`")


def get_settings_dep(request: Request) -> Settings:
    return request.app.state.settings


def get_session(request: Request) -> Iterator[Session]:
    """One unit of work per request: routes that write commit at the end; anything else,
    including an error half-way, is rolled back when the session closes."""
    with Session(request.app.state.engine) as session:
        yield session


async def get_catalog(request: Request) -> Catalog:
    """The worker's current price snapshot (kept fresh by a background task; no I/O here)."""
    holder: CatalogHolder = request.app.state.catalog
    return holder.current()


def require(permission: Permission):
    """A dependency that lets the call through only with a key whose role has `permission`."""

    async def caller(request: Request,
                     credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> Principal:
        header = f"Bearer {credentials.credentials}" if credentials else request.headers.get("authorization")
        principal = authenticate(request.app.state.keys, header, request.cookies.get(SESSION_COOKIE))
        authorize(principal, permission)
        return principal

    return caller


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
SessionDep = Annotated[Session, Depends(get_session)]
CatalogDep = Annotated[Catalog, Depends(get_catalog)]
Reader = Annotated[Principal, Depends(require(Permission.READ))]
BillChecker = Annotated[Principal, Depends(require(Permission.VALIDATE_BILLS))]
TableWriter = Annotated[Principal, Depends(require(Permission.WRITE_TABLES))]
Admin = Annotated[Principal, Depends(require(Permission.ADMIN))]
