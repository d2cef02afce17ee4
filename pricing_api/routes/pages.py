"""Web pages for auditors and pricing staff (server-rendered, Chinese, no CDN).

Pages go through the same front door as the API: `deps.require_page` decides who the caller is
(a server-side session) and what the role may do, writes go through `Database.write`, and the
pages call the same services.  Every state-changing form carries the session's CSRF token.
The bill and search pages also call the JSON API from the browser with the session cookie
(reads only).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable
from pathlib import Path as FilePath
from typing import Annotated, Any
from urllib.parse import quote, urlencode

import anyio
from fastapi import APIRouter, File, Form, Path, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from price_tables.grades import GRADE_LABELS, Grade, parse_grade
from price_tables.models import FIELD_LABELS
from price_tables.money import to_cents
from pricing_api.auth import ROLE_LABELS, Permission, Principal
from pricing_api.charts import impact_chart
from pricing_api.deps import (
    CSRF_FIELD,
    SESSION_COOKIE,
    BillPages,
    CatalogDep,
    DatabaseDep,
    ItemPages,
    LoginRequired,
    PageDenied,
    SettingsDep,
    SignedInPage,
    TablePages,
    TableWritePages,
    principal_for_key,
    same_origin,
)
from pricing_api.errors import DomainError, NotFound, Unauthorized
from pricing_api.routes.tables import read_limited
from pricing_api.schemas.bills import RULE_NAMES
from pricing_api.schemas.common import FIRST_DAY, LAST_DAY, FormText
from pricing_api.services import hospitals as hospital_service
from pricing_api.services import impact as impact_service
from pricing_api.services import items as item_service
from pricing_api.services import keys as key_service
from pricing_api.services import page_sessions
from pricing_api.services import tables as table_service
from pricing_api.services.nhsa import feedback_summary

TEMPLATES = Jinja2Templates(directory=str(FilePath(__file__).resolve().parent.parent / "templates"))
TEMPLATES.env.filters["money"] = lambda amount: "" if amount is None else f"{to_cents(amount):f}"
TEMPLATES.env.globals["rule_names"] = RULE_NAMES
STATES = {"draft": "草稿", "published": "已发布", "withdrawn": "已撤回"}
GRADE_CHOICES = [(g.value, GRADE_LABELS[g]) for g in Grade]
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
       "connect-src 'self'; frame-ancestors 'none'; form-action 'self'")

router = APIRouter(include_in_schema=False)


def _page(request: Request, template: str, principal: Principal | None, status: int = 200, *,
          alert: str | None = None, **context: Any) -> HTMLResponse:
    """Render `template`; `alert` shows an error above the content (else the `msg` of a redirect)."""
    def can(permission: Permission) -> bool:
        return principal is not None and principal.can(permission)

    if alert:
        context.setdefault("message", alert)
        context.setdefault("message_kind", "error")
    context.setdefault("message", request.query_params.get("msg"))
    context.setdefault("message_kind", request.query_params.get("kind", "ok"))
    response = TEMPLATES.TemplateResponse(request, template, {
        "principal": principal, "role_label": ROLE_LABELS.get(principal.role) if principal else "",
        "csrf_field": CSRF_FIELD, "csrf": getattr(request.state, "csrf", ""),
        "can_read": can(Permission.READ), "can_validate": can(Permission.VALIDATE_BILLS),
        "can_write": can(Permission.WRITE_TABLES), "can_audit": can(Permission.AUDIT),
        "states": STATES, "grades": GRADE_CHOICES, **context,
    }, status_code=status)
    response.headers["Content-Security-Policy"] = CSP
    return response


def _redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def install_page_handlers(app: Any) -> None:
    @app.exception_handler(LoginRequired)
    async def to_login(request: Request, _: LoginRequired) -> Response:
        return _redirect(f"/ui/login?next={quote(request.url.path)}")

    @app.exception_handler(PageDenied)
    async def denied(request: Request, exc: PageDenied) -> Response:
        return _page(request, "denied.html", exc.principal, 403, title="无权访问", reason=exc.reason)


@router.get("/")
async def home() -> Response:
    return _redirect("/ui/items")


@router.get("/ui/login", response_class=HTMLResponse)
async def login_page(request: Request, next: str = "/ui/items") -> Response:
    return _page(request, "login.html", None, title="登录", next=next, error=None)


def _safe_next(target: str) -> str:
    """Only a path of these pages, never another site (an open redirect)."""
    return target if target.startswith("/ui/") and "//" not in target and "\\" not in target else "/ui/items"


@router.post("/ui/login")
async def login(request: Request, settings: SettingsDep, db: DatabaseDep, key: Annotated[str, Form(max_length=200)],
                next: Annotated[str, Form(max_length=500)] = "/ui/items") -> Response:
    """Sign in with an API key: the browser gets a random session token (never the key) in an
    HttpOnly, SameSite=Strict cookie; the session lives on the server and ends on sign-out,
    after `PRICING_SESSION_HOURS`, or when the key is revoked."""
    if not same_origin(request):
        return _page(request, "login.html", None, 403, title="登录", next=next, error="登录请求来自其他网站，已拒绝")
    try:
        principal = await principal_for_key(request, key.strip())
    except Unauthorized as exc:
        return _page(request, "login.html", None, 401, title="登录", next=next, error=exc.message)
    lifetime = dt.timedelta(hours=settings.session_hours)
    token, _ = await db.write(page_sessions.sign_in, principal, lifetime)
    response = _redirect(_safe_next(next))
    response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="strict", secure=settings.cookie_secure,
                        max_age=int(lifetime.total_seconds()), path="/")
    return response


@router.post("/ui/logout")
async def logout(request: Request, _: SignedInPage, db: DatabaseDep) -> Response:
    """Sign out: the session ends on the server, so a copied cookie stops working too."""
    await db.write(page_sessions.sign_out, request.cookies.get(SESSION_COOKIE, ""))
    response = _redirect("/ui/login?msg=" + quote("已退出"))
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


def _choices(grade: str | None, as_of: str | None) -> tuple[Grade, dt.date | None, str | None]:
    """The grade and date a page was asked for, read by the API's own parsers; an unreadable
    value falls back to the default and says why."""
    problems = []
    chosen, on = Grade.GRADE_3A, None
    if grade:
        try:
            chosen = parse_grade(grade)
        except ValueError as exc:
            problems.append(str(exc))
    if as_of:
        try:
            on = dt.date.fromisoformat(as_of)
        except ValueError:
            problems.append(f"日期 {as_of!r} 无效，应为 YYYY-MM-DD")
    return chosen, on, "；".join(problems) or None


def report_day(text: str | None) -> tuple[dt.date | None, str | None]:
    """A report's first or last day as the page was asked for it; a day outside 1900–2999 (which
    no time zone can hold as a moment) is dropped, and the page says why."""
    _, day, problem = _choices(None, text)
    if day is not None and not FIRST_DAY <= day <= LAST_DAY:
        return None, f"日期 {day} 超出范围（{FIRST_DAY} 至 {LAST_DAY}）"
    return day, problem


def _search_state(q: str, grade: Grade, on: dt.date | None, document: str) -> dict[str, str]:
    """The search a page was reached from, carried in its links so the way back keeps it."""
    state = {"q": q, "grade": grade.value, "as_of": on.isoformat() if on else "", "document": document}
    return {key: value for key, value in state.items() if value}


@router.get("/ui/items", response_class=HTMLResponse)
async def items_page(request: Request, principal: ItemPages, catalog: CatalogDep,
                     q: str = "", grade: str | None = None, as_of: str | None = None, document: str = "") -> Response:
    """Search items (as you type, through /v1/items), by grade, date and notice."""
    chosen, on, problem = _choices(grade, as_of)
    document = document[:200]
    documents = item_service.notice_documents(catalog)
    if document and document not in documents:
        problem, document = "；".join(filter(None, [problem, f"没有已发布的通知 {document}"])), ""
    page = item_service.search_items(catalog, q=q[:100] or None, grade=chosen, as_of=on, document=document or None,
                                     limit=100)
    state = _search_state(q[:100], chosen, on, document)
    return _page(request, "items.html", principal, title="项目查询", nav="items", q=q[:100], grade=chosen.value,
                 as_of=on.isoformat() if on else "", page=page,
                 documents=documents, document=document, item_query=urlencode(state), alert=problem)


@router.get("/ui/items/{code}", response_class=HTMLResponse)
async def item_page(request: Request, principal: ItemPages, catalog: CatalogDep, code: str,
                    as_of: str | None = None, grade: str | None = None,
                    q: str = "", document: str = "") -> Response:
    """One item on a date at a grade, with its real price periods; a code without a price that
    day gets its periods, an unknown code the items it may have meant (both 404)."""
    chosen, on, problem = _choices(grade, as_of)
    state = _search_state(q[:100], chosen, on, document[:200])
    context: dict[str, Any] = {
        "code": code, "as_of": on.isoformat() if on else "", "grade": chosen.value, "grade_label": GRADE_LABELS[chosen],
        "today": dt.date.today(), "back": urlencode(state), "nav": "items",
        "carried": {key: state[key] for key in ("q", "document") if key in state}}
    if code not in catalog:
        return _page(request, "item_missing.html", principal, 404, title="没有此编码", alert=problem,
                     near=item_service.near_matches(catalog, code), **context)
    periods = item_service.price_periods(catalog, code, on or context["today"])
    try:
        item = item_service.item_detail(catalog, code, as_of=on, grade=chosen)
    except NotFound:
        return _page(request, "item_missing.html", principal, 404, title="该日期无生效价格", alert=problem,
                     periods=periods, name=catalog.history(code)[-1].item.name, **context)
    return _page(request, "item.html", principal, title=item.name, item=item, periods=periods,
                 field_labels=FIELD_LABELS, uncertain={u.field: u.reason for u in item.uncertain_fields},
                 alert=problem, **context)


@router.get("/ui/feedback", response_class=HTMLResponse)
async def feedback_page(request: Request, principal: TablePages, db: DatabaseDep,
                        start: Annotated[str | None, Query(alias="from", max_length=20)] = None,
                        end: Annotated[str | None, Query(alias="to", max_length=20)] = None) -> Response:
    """Per rule: the warnings HIS systems were given and how they handled them (3103)."""
    first, problem = report_day(start)
    last, problem_to = report_day(end)
    await request.app.state.warning_log.flush(db)
    summary = await db.read(feedback_summary, start=first, end=last, rule=None)
    return _page(request, "feedback.html", principal, title="规则反馈", nav="feedback", summary=summary,
                 start=first.isoformat() if first else "", end=last.isoformat() if last else "",
                 alert=problem or problem_to)


@router.get("/ui/bills", response_class=HTMLResponse)
async def bills_page(request: Request, principal: BillPages, db: DatabaseDep) -> Response:
    """Check pasted bills (JSON), or a hospital's 费用明细 file (Excel/CSV)."""
    hospitals = (await db.read(hospital_service.list_hospitals)).hospitals
    return _page(request, "bills.html", principal, title="收费审核", nav="bills", hospitals=hospitals)


async def _tables_page(request: Request, principal: Principal, db: DatabaseDep, status: int = 200,
                       **context: Any) -> HTMLResponse:
    return _page(request, "tables.html", principal, status, title="价格表", nav="tables",
                 page=await db.read(table_service.list_tables), actors=await db.read(key_service.actor_names),
                 form=context.pop("form", {}),
                 error=context.pop("error", None), issues=context.pop("issues", None), **context)


@router.get("/ui/tables", response_class=HTMLResponse)
async def tables_page(request: Request, principal: TablePages, db: DatabaseDep) -> Response:
    return await _tables_page(request, principal, db)


@router.post("/ui/tables", response_class=HTMLResponse)
async def upload_page(
    request: Request, principal: TableWritePages, db: DatabaseDep, catalog: CatalogDep, settings: SettingsDep,
    file: Annotated[UploadFile, File()], document: Annotated[FormText, Form(max_length=200)],
    title: Annotated[FormText, Form(max_length=500)], effective_from: Annotated[str, Form(max_length=20)],
    effective_to: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    form = {"document": document, "title": title, "effective_from": effective_from, "effective_to": effective_to}
    try:
        start = dt.date.fromisoformat(effective_from)
        end = dt.date.fromisoformat(effective_to) if effective_to else None
    except ValueError:
        return await _tables_page(request, principal, db, 422, form=form, error="日期格式无效，请使用 YYYY-MM-DD")
    try:
        data = await read_limited(file, settings.max_upload_bytes)
        upload_form = table_service.UploadForm(document=document, title=title, effective_from=start, effective_to=end)
        checked = await anyio.to_thread.run_sync(lambda: table_service.check_upload(
            data, file_name=file.filename or "upload", form=upload_form, catalog=catalog,
            max_rows=settings.max_upload_rows), limiter=request.app.state.cpu_limiter)
        detail = await db.bulk_write(table_service.store_draft, checked, catalog=catalog, actor=principal.actor)
    except DomainError as exc:
        return await _tables_page(request, principal, db, exc.status_code, form=form, error=exc.message,
                                  issues=exc.issues)
    return _redirect(f"/ui/tables/{detail.id}?msg=" + quote("已上传为草稿，请核对检查结果与变动后发布"))


@router.get("/ui/tables/{table_id}", response_class=HTMLResponse)
async def table_page(request: Request, principal: TablePages, db: DatabaseDep, catalog: CatalogDep,
                     table_id: Annotated[int, Path(ge=1, le=2**31 - 1)]) -> Response:
    try:
        table = await db.read(table_service.table_detail, catalog, table_id)
        diff = await db.read(table_service.table_diff, catalog, table_id)
    except NotFound as exc:
        return _page(request, "not_found.html", principal, 404, title="未找到", nav="tables", reason=exc.message,
                     back=("/ui/tables", "返回价格表"))
    return _page(request, "table.html", principal, title=table.document, nav="tables", table=table, diff=diff,
                 actors=await db.read(key_service.actor_names))


@router.post("/ui/tables/{table_id}/impact", response_class=HTMLResponse)
async def impact_page(request: Request, principal: TableWritePages, db: DatabaseDep, catalog: CatalogDep,
                      settings: SettingsDep, table_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
                      file: Annotated[UploadFile, File()]) -> Response:
    """The draft's page with what publishing it would move for the uploaded claims."""
    try:
        table = await db.read(table_service.table_detail, catalog, table_id)
        diff = await db.read(table_service.table_diff, catalog, table_id)
    except NotFound as exc:
        return _page(request, "not_found.html", principal, 404, title="未找到", nav="tables", reason=exc.message,
                     back=("/ui/tables", "返回价格表"))
    actors = await db.read(key_service.actor_names)
    try:
        data = await read_limited(file, settings.max_upload_bytes)
        draft = await db.read(impact_service.draft_catalog, catalog, table_id)
        reference = request.app.state.reference.current()
        report = await anyio.to_thread.run_sync(
            lambda: impact_service.impact_of_file(data, file.filename or "claims", catalog, draft, reference))
    except DomainError as exc:
        return _page(request, "table.html", principal, exc.status_code, title=table.document, nav="tables",
                     table=table, diff=diff, actors=actors, impact_error=exc.message)
    return _page(request, "table.html", principal, title=table.document, nav="tables", table=table, diff=diff,
                 actors=actors, impact=report, chart=impact_chart(report["per_item"]))


@router.post("/ui/tables/{table_id}/publish")
async def publish_page(principal: TableWritePages, db: DatabaseDep, catalog: CatalogDep,
                       table_id: Annotated[int, Path(ge=1, le=2**31 - 1)]) -> Response:
    return await _table_action(table_id, db.write(table_service.publish, catalog, principal.actor, table_id))


@router.post("/ui/tables/{table_id}/withdraw")
async def withdraw_page(principal: TableWritePages, db: DatabaseDep, catalog: CatalogDep,
                        table_id: Annotated[int, Path(ge=1, le=2**31 - 1)]) -> Response:
    return await _table_action(
        table_id, db.write(table_service.withdraw, catalog, principal.actor, table_id, "网页撤回"))


async def _table_action(table_id: int, action: Awaitable[Any]) -> Response:
    try:
        detail = await action
    except DomainError as exc:
        return _redirect(f"/ui/tables/{table_id}?kind=error&msg=" + quote(exc.message))
    return _redirect(f"/ui/tables/{table_id}?msg=" + quote(f"{detail.document}：{STATES[detail.state]}"))
