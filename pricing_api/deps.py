"""Request dependencies, declared once as Annotated aliases.

This is the one place that decides who the caller is — an API key in `Authorization: Bearer`,
or the pages' server-side session (cookie) — and what the caller's role may do, for `/v1` and
`/ui` alike.  Nothing here blocks the event loop: a key is a dictionary hit, and whatever must
ask the database goes through `Database` (a worker thread, a deadline, 503 past it).
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from price_tables.catalog import Catalog
from pricing_api.auth import ROLE_LABELS, KeyCache, Permission, Principal, authorize, bearer_secret, hash_key
from pricing_api.errors import Forbidden, Unauthorized
from pricing_api.services.keys import principal_by_hash
from pricing_api.services.page_sessions import signed_in
from pricing_api.settings import Settings
from pricing_api.unit_of_work import Database

SESSION_COOKIE = "pricing_session"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_bearer = HTTPBearer(auto_error=False, description="API key: `Authorization: Bearer KEY`")


class LoginRequired(Exception):
    """A page asked for without a valid session: the browser goes to the sign-in page."""


class PageDenied(Exception):
    """A page the caller may not use (role, or a form without its CSRF token): the 无权访问 page."""

    def __init__(self, principal: Principal | None, reason: str):
        super().__init__(reason)
        self.principal, self.reason = principal, reason


def get_settings_dep(request: Request) -> Settings:
    return request.app.state.settings


def get_database(request: Request) -> Database:
    return request.app.state.db


async def get_catalog(request: Request) -> Catalog:
    """The worker's current price snapshot (kept fresh in the background; no I/O here)."""
    return request.app.state.catalog.current()


async def principal_for_key(request: Request, secret: str) -> Principal:
    """The active key `secret`: from the worker's key table, else asked of the database once."""
    keys: KeyCache = request.app.state.keys
    digest = hash_key(secret)
    found = keys.get(digest)
    if found is KeyCache.MISSING:
        found = await request.app.state.db.read(principal_by_hash, digest)
        keys.remember(digest, found)
    if not isinstance(found, Principal):
        raise Unauthorized("API key 无效或已撤销")
    return found


async def page_session(request: Request) -> tuple[Principal, str] | None:
    """(principal, CSRF token) of the browser's live session, or None."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token or len(token) > 100:
        return None
    return await request.app.state.db.read(signed_in, token)


async def authorized(request: Request, permission: Permission, *, cookie_posts: bool = False) -> Principal:
    """The caller of `request`, if its role has `permission` (Unauthorized / Forbidden else).

    The one decision behind every `/v1` route.  A signed-in page may call `/v1` with its session
    cookie to read (the search and bill pages do); changes need the `Authorization` header, so
    another site cannot make a browser write (`cookie_posts` allows POSTs that change nothing,
    such as checking a bill).  A known key is a dictionary hit, with no I/O."""
    secret = bearer_secret(request.headers.get("authorization"))
    if secret is not None:
        known = request.app.state.keys.get(hash_key(secret))
        principal = known if isinstance(known, Principal) else await principal_for_key(request, secret)
    else:
        signed = await page_session(request)
        if signed is None:
            raise Unauthorized("需要 API key：请求头 Authorization: Bearer <API key>")
        principal = signed[0]
        if request.method not in SAFE_METHODS and not cookie_posts:
            raise Forbidden("网页登录状态只能查询；修改数据请使用请求头 Authorization: Bearer <API key>")
    request.state.key_id = principal.key_id  # for the access log: the key's id, never the key
    authorize(principal, permission)
    return principal


#: What the OpenAPI spec says of a route that calls `authorized` itself (the hot paths, which
#: skip FastAPI's dependency machinery): the same bearer scheme as every other `/v1` route.
BEARER_SECURITY: dict[str, Any] = {"security": [{"HTTPBearer": []}]}


def require(permission: Permission, *, cookie_posts: bool = False) -> Callable:
    """A `/v1` dependency: the call goes through only for a caller whose role has `permission`
    (see `authorized`)."""

    async def dependency(request: Request,
                         _: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> Principal:
        return await authorized(request, permission, cookie_posts=cookie_posts)

    return dependency


def same_origin(request: Request) -> bool:
    """False when the browser says the request comes from another origin."""
    origin = request.headers.get("origin") or request.headers.get("referer")
    if not origin:
        return True  # not a browser form post (browsers send Origin on POST)
    return urlsplit(origin).netloc == request.headers.get("host", "")


def require_page(permission: Permission, what: str) -> Callable:
    """A `/ui` dependency: without a session the browser is sent to sign in; a role without
    `permission` sees the 无权访问 page naming `what`; a form post must come from this site and
    carry the session's CSRF token."""

    async def dependency(request: Request) -> Principal:
        signed = await page_session(request)
        if signed is None:
            raise LoginRequired()
        principal, csrf = signed
        request.state.csrf = csrf
        try:
            authorize(principal, permission)
        except Forbidden:
            role = principal.role
            raise PageDenied(principal, f"您的 key 角色为 {role.value}（{ROLE_LABELS[role]}），不能使用“{what}”。") from None
        if request.method not in SAFE_METHODS:
            await check_form_post(request, csrf, principal)
        return principal

    return dependency


async def check_form_post(request: Request, csrf: str, principal: Principal) -> None:
    """A state-changing form: same origin, and the session's CSRF token in the form."""
    sent = (await request.form()).get(CSRF_FIELD)
    if not same_origin(request) or not isinstance(sent, str) or not hmac.compare_digest(sent, csrf):
        raise PageDenied(principal, "表单已失效或来自其他网站（CSRF 校验未通过），请返回页面后重试。")


async def signed_in_page(request: Request) -> Principal:
    """Any signed-in page user (sign-out)."""
    signed = await page_session(request)
    if signed is None:
        raise LoginRequired()
    request.state.csrf = signed[1]
    await check_form_post(request, signed[1], signed[0])
    return signed[0]


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
DatabaseDep = Annotated[Database, Depends(get_database)]
CatalogDep = Annotated[Catalog, Depends(get_catalog)]
Reader = Annotated[Principal, Depends(require(Permission.READ))]
BillChecker = Annotated[Principal, Depends(require(Permission.VALIDATE_BILLS, cookie_posts=True))]
TableWriter = Annotated[Principal, Depends(require(Permission.WRITE_TABLES))]
Admin = Annotated[Principal, Depends(require(Permission.ADMIN))]
HospitalKeeper = Annotated[Principal, Depends(require(Permission.MANAGE_HOSPITALS))]

ItemPages = Annotated[Principal, Depends(require_page(Permission.READ, "项目查询"))]
BillPages = Annotated[Principal, Depends(require_page(Permission.VALIDATE_BILLS, "收费审核"))]
TablePages = Annotated[Principal, Depends(require_page(Permission.READ, "价格表"))]
TableWritePages = Annotated[Principal, Depends(require_page(Permission.WRITE_TABLES, "上传、发布或撤回价格表"))]
SignedInPage = Annotated[Principal, Depends(signed_in_page)]
