"""Request dependencies, declared once as Annotated aliases.

This is the one place that decides who the caller is (an API key in `Authorization: Bearer`,
or the pages' session cookie) and what the caller's role may do, for `/v1` and `/ui` alike.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from price_tables.catalog import Catalog
from pricing_api.auth import Permission, Principal, authenticate, authorize
from pricing_api.errors import Forbidden, Unauthorized
from pricing_api.settings import Settings
from pricing_api.unit_of_work import UnitOfWork

SESSION_COOKIE = "pricing_session"
_bearer = HTTPBearer(auto_error=False, description="API key: `Authorization: Bearer KEY`")


class LoginRequired(Exception):
    """A page asked for without a valid session: the browser goes to the sign-in page."""


class PageDenied(Exception):
    """A page the caller's role may not use: shown as the 无权访问 page."""

    def __init__(self, principal: Principal, what: str):
        super().__init__(what)
        self.principal, self.what = principal, what


def get_settings_dep(request: Request) -> Settings:
    return request.app.state.settings


def get_unit_of_work(request: Request) -> Iterator[UnitOfWork]:
    """One unit of work per request: a route that writes calls `commit()` at the end; anything
    else, including an error half-way, is rolled back when the request ends."""
    with UnitOfWork(request.app.state.engine, request.app.state.catalog) as uow:
        yield uow


async def get_catalog(request: Request) -> Catalog:
    """The worker's current price snapshot (kept fresh by a background task; no I/O here)."""
    return request.app.state.catalog.current()


def caller(request: Request, authorization: str | None) -> Principal:
    """The principal behind the `Authorization` header, else behind the session cookie."""
    return authenticate(request.app.state.keys, authorization, request.cookies.get(SESSION_COOKIE))


def require(permission: Permission) -> Callable:
    """A `/v1` dependency: the call goes through only with a key whose role has `permission`."""

    async def dependency(request: Request,
                         credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> Principal:
        header = f"Bearer {credentials.credentials}" if credentials else request.headers.get("authorization")
        principal = caller(request, header)
        authorize(principal, permission)
        return principal

    return dependency


def require_page(permission: Permission, what: str) -> Callable:
    """A `/ui` dependency: without a session the browser is sent to sign in; a role without
    `permission` sees the 无权访问 page naming `what`."""

    async def dependency(request: Request) -> Principal:
        try:
            principal = caller(request, None)
        except Unauthorized:
            raise LoginRequired() from None
        try:
            authorize(principal, permission)
        except Forbidden:
            raise PageDenied(principal, what) from None
        return principal

    return dependency


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
UnitOfWorkDep = Annotated[UnitOfWork, Depends(get_unit_of_work)]
CatalogDep = Annotated[Catalog, Depends(get_catalog)]
Reader = Annotated[Principal, Depends(require(Permission.READ))]
BillChecker = Annotated[Principal, Depends(require(Permission.VALIDATE_BILLS))]
TableWriter = Annotated[Principal, Depends(require(Permission.WRITE_TABLES))]
Admin = Annotated[Principal, Depends(require(Permission.ADMIN))]

ItemPages = Annotated[Principal, Depends(require_page(Permission.READ, "项目查询"))]
BillPages = Annotated[Principal, Depends(require_page(Permission.VALIDATE_BILLS, "收费审核"))]
TablePages = Annotated[Principal, Depends(require_page(Permission.READ, "价格表"))]
TableWritePages = Annotated[Principal, Depends(require_page(Permission.WRITE_TABLES, "上传、发布或撤回价格表"))]
