"""Web pages for auditors and pricing staff (server-rendered, Chinese, no CDN).

The pages call the same services as the API; the bill and search pages also call the JSON API
from the browser, authenticated by the session cookie that signing in sets.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path as FilePath
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from sqlmodel import Session

from price_tables.grades import GRADE_LABELS, Grade, parse_grade
from price_tables.models import FIELD_LABELS
from price_tables.money import to_cents
from pricing_api.auth import ROLE_LABELS, Permission, Principal, authenticate
from pricing_api.deps import SESSION_COOKIE
from pricing_api.errors import DomainError, NotFound, Unauthorized
from pricing_api.services import items as item_service
from pricing_api.services import tables as table_service

TEMPLATES = Jinja2Templates(directory=str(FilePath(__file__).resolve().parent.parent / "templates"))
TEMPLATES.env.filters["money"] = lambda amount: "" if amount is None else f"{to_cents(amount):f}"
STATES = {"draft": "草稿", "published": "已发布", "withdrawn": "已撤回"}
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
       "connect-src 'self'; frame-ancestors 'none'; form-action 'self'")

router = APIRouter(include_in_schema=False)


class LoginRequired(Exception):
    """No valid session: the handler sends the browser to the sign-in page."""


def _principal(request: Request) -> Principal:
    try:
        return authenticate(request.app.state.keys, None, request.cookies.get(SESSION_COOKIE))
    except Unauthorized:
        raise LoginRequired() from None


def _page(request: Request, template: str, principal: Principal | None, status: int = 200, **context) -> HTMLResponse:
    perms = (lambda p: principal is not None and principal.can(p))
    context.setdefault("message", request.query_params.get("msg"))
    context.setdefault("message_kind", request.query_params.get("kind", "ok"))
    response = TEMPLATES.TemplateResponse(request, template, {
        "principal": principal, "role_label": ROLE_LABELS.get(principal.role) if principal else "",
        "can_read": perms(Permission.READ), "can_validate": perms(Permission.VALIDATE_BILLS),
        "can_write": perms(Permission.WRITE_TABLES), "states": STATES, **context,
    }, status_code=status)
    response.headers["Content-Security-Policy"] = CSP
    return response


def _allowed(request: Request, principal: Principal, permission: Permission, what: str) -> HTMLResponse | None:
    if principal.can(permission):
        return None
    return _page(request, "denied.html", principal, 403, title="无权访问",
                 reason=f"您的 key 角色为 {principal.role.value}（{ROLE_LABELS[principal.role]}），不能使用“{what}”。")


def _redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def install_page_handlers(app) -> None:
    @app.exception_handler(LoginRequired)
    async def to_login(request: Request, _: LoginRequired):
        return _redirect(f"/ui/login?next={quote(request.url.path)}")


@router.get("/")
def home():
    return _redirect("/ui/items")


@router.get("/ui/login", response_class=HTMLResponse)
def login_page(request: Request, next: str = "/ui/items"):
    return _page(request, "login.html", None, title="登录", next=next, error=None)


@router.post("/ui/login")
def login(request: Request, key: Annotated[str, Form(max_length=200)], next: Annotated[str, Form()] = "/ui/items"):
    try:
        authenticate(request.app.state.keys, f"Bearer {key.strip()}")
    except Unauthorized as exc:
        return _page(request, "login.html", None, 401, title="登录", next=next, error=exc.message)
    target = next if next.startswith("/ui/") else "/ui/items"  # never an open redirect
    response = _redirect(target)
    response.set_cookie(SESSION_COOKIE, key.strip(), httponly=True, samesite="strict",
                        secure=request.app.state.settings.cookie_secure, max_age=12 * 3600, path="/")
    return response


@router.post("/ui/logout")
def logout():
    response = _redirect("/ui/login?msg=" + quote("已退出"))
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


def _grade(value: str | None) -> Grade:
    try:
        return parse_grade(value) if value else Grade.GRADE_3A
    except ValueError:
        return Grade.GRADE_3A


def _date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


@router.get("/ui/items", response_class=HTMLResponse)
def items_page(request: Request, q: str = "", grade: str | None = None, as_of: str | None = None):
    principal = _principal(request)
    if denied := _allowed(request, principal, Permission.READ, "项目查询"):
        return denied
    chosen, on = _grade(grade), _date(as_of)
    page = item_service.search_items(request.app.state.catalog.current(), q[:100] or None, chosen, on, None, 100, 0)
    return _page(request, "items.html", principal, title="项目查询", nav="items", q=q, grade=chosen.value,
                 as_of=on.isoformat() if on else "", page=page, grades=[(g.value, GRADE_LABELS[g]) for g in Grade])


@router.get("/ui/items/{code}", response_class=HTMLResponse)
def item_page(request: Request, code: str, as_of: str | None = None):
    principal = _principal(request)
    if denied := _allowed(request, principal, Permission.READ, "项目查询"):
        return denied
    catalog, on = request.app.state.catalog.current(), _date(as_of)
    try:
        item = item_service.item_detail(catalog, code, on, None)
        history = item_service.price_history(catalog, code)
    except NotFound as exc:
        return _page(request, "denied.html", principal, 404, title="未找到", reason=exc.message)
    return _page(request, "item.html", principal, title=item.name, nav="items", item=item, history=history,
                 as_of=on.isoformat() if on else "", field_labels=FIELD_LABELS,
                 uncertain={u.field: u.reason for u in item.uncertain_fields})


@router.get("/ui/bills", response_class=HTMLResponse)
def bills_page(request: Request):
    principal = _principal(request)
    if denied := _allowed(request, principal, Permission.VALIDATE_BILLS, "收费审核"):
        return denied
    return _page(request, "bills.html", principal, title="收费审核", nav="bills")


def _tables_page(request: Request, principal: Principal, status: int = 200, **context) -> HTMLResponse:
    with Session(request.app.state.engine) as session:
        page = table_service.list_tables(session)
    return _page(request, "tables.html", principal, status, title="价格表", nav="tables", page=page,
                 form=context.pop("form", {}), error=context.pop("error", None), issues=context.pop("issues", None),
                 **context)


@router.get("/ui/tables", response_class=HTMLResponse)
def tables_page(request: Request):
    principal = _principal(request)
    if denied := _allowed(request, principal, Permission.READ, "价格表"):
        return denied
    return _tables_page(request, principal)


@router.post("/ui/tables", response_class=HTMLResponse)
async def upload_page(
    request: Request, file: Annotated[UploadFile, File()], document: Annotated[str, Form(max_length=200)],
    title: Annotated[str, Form(max_length=500)], effective_from: Annotated[str, Form()],
    effective_to: Annotated[str, Form()] = "",
):
    principal = _principal(request)
    if denied := _allowed(request, principal, Permission.WRITE_TABLES, "上传价格表"):
        return denied
    settings = request.app.state.settings
    form = {"document": document, "title": title, "effective_from": effective_from, "effective_to": effective_to}
    start, end = _date(effective_from), _date(effective_to)
    if start is None or (effective_to and end is None):
        return _tables_page(request, principal, 422, form=form, error="日期格式无效，请使用 YYYY-MM-DD")
    try:
        data = await file.read(settings.max_upload_bytes + 1)
        table_service.check_upload_size(len(data), settings.max_upload_bytes)

        def store():
            with Session(request.app.state.engine) as session:
                detail = table_service.upload(session, request.app.state.catalog.current(), principal, data,
                                              file.filename or "upload", table_service.UploadForm(document, title, start, end),
                                              settings.max_upload_rows)
                session.commit()
                return detail

        detail = await run_in_threadpool(store)
    except DomainError as exc:
        return _tables_page(request, principal, exc.status_code, form=form, error=exc.message, issues=exc.issues)
    return _redirect(f"/ui/tables/{detail.id}?msg=" + quote("已上传为草稿，请核对检查结果与变动后发布"))


@router.get("/ui/tables/{table_id}", response_class=HTMLResponse)
def table_page(request: Request, table_id: int):
    principal = _principal(request)
    if denied := _allowed(request, principal, Permission.READ, "价格表"):
        return denied
    catalog = request.app.state.catalog.current()
    with Session(request.app.state.engine) as session:
        try:
            table = table_service.table_detail(session, catalog, table_id)
            diff = table_service.table_diff(session, catalog, table_id)
        except NotFound as exc:
            return _page(request, "denied.html", principal, 404, title="未找到", reason=exc.message)
    return _page(request, "table.html", principal, title=table.document, nav="tables", table=table, diff=diff)


def _table_action(request: Request, table_id: int, action) -> Response:
    principal = _principal(request)
    if denied := _allowed(request, principal, Permission.WRITE_TABLES, "发布或撤回价格表"):
        return denied
    with Session(request.app.state.engine) as session:
        try:
            detail = action(session, request.app.state.catalog.current(), principal)
            session.commit()
        except DomainError as exc:
            return _redirect(f"/ui/tables/{table_id}?kind=error&msg=" + quote(exc.message))
    request.app.state.catalog.invalidate()
    request.app.state.catalog.get()
    return _redirect(f"/ui/tables/{table_id}?msg=" + quote(f"{detail.document}：{STATES[detail.state]}"))


@router.post("/ui/tables/{table_id}/publish")
def publish_page(request: Request, table_id: int):
    return _table_action(request, table_id, lambda s, c, p: table_service.publish(s, c, p, table_id))


@router.post("/ui/tables/{table_id}/withdraw")
def withdraw_page(request: Request, table_id: int):
    return _table_action(request, table_id, lambda s, c, p: table_service.withdraw(s, c, p, table_id, "网页撤回"))

