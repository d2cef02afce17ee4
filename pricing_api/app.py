"""The ASGI app: `pricing_api.app:app`, made by `create_app()`."""

from __future__ import annotations

import gc
import logging
from contextlib import asynccontextmanager
from pathlib import Path

import anyio
from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import DBAPIError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from pricing_api.auth import KeyCache, Permission
from pricing_api.catalog_state import CatalogHolder, prepare_database
from pricing_api.deps import require
from pricing_api.errors import DomainError, ErrorBody, FieldProblem
from pricing_api.routes import admin, bills, health, items, notices, pages, tables
from pricing_api.routes.pages import install_page_handlers
from pricing_api.settings import Settings, get_settings
from pricing_api.storage.database import make_engine

log = logging.getLogger("pricing_api")

DESCRIPTION = """\
Price look-up and bill checking for medical services under the 2021 Quzhou notices
衢医保联发〔2021〕11号 (adjusted prices) and 衢医保联发〔2021〕12号 (new items, trial prices).
Money is a decimal string in yuan with two places. Grades: `grade_3a` 三甲, `grade_3b` 三乙,
`grade_2_or_below` 二级及以下 (the Chinese names are accepted too).
"""


def _json_safe(value):
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


_REASONS_ZH = {
    "missing": "缺少必填字段",
    "date_from_datetime_parsing": "不是有效日期（应为 YYYY-MM-DD）",
    "date_parsing": "不是有效日期（应为 YYYY-MM-DD）",
    "date_type": "不是有效日期（应为 YYYY-MM-DD）",
    "int_parsing": "应为整数",
    "decimal_parsing": "不是有效数字",
    "less_than_equal": "超出上限",
    "greater_than_equal": "低于下限",
    "greater_than": "必须大于下限",
    "string_too_long": "过长",
    "string_too_short": "过短",
    "extra_forbidden": "不认识的字段",
    "json_invalid": "不是有效的 JSON",
    "literal_error": "取值不在允许范围内",
    "enum": "取值不在允许范围内",
    "too_short": "数量不足",
    "too_long": "数量超过上限",
    "bool_parsing": "应为 true 或 false",
    "decimal_max_places": "小数位数过多",
    "decimal_max_digits": "数字位数过多",
    "finite_number": "应为有限数字",
}


def _reason(error: dict) -> str:
    message = str(error.get("msg", "")).removeprefix("Value error, ")
    chinese = _REASONS_ZH.get(error.get("type", ""))
    return f"{chinese}（{message}）" if chinese else message


def _field_name(loc: tuple) -> str:
    parts = [str(p) for p in loc]
    if parts[:1] == ["body"] and len(parts) == 2 and parts[1].isdigit():
        return "body"  # a JSON syntax error: the number is a character position
    if parts and parts[0] in ("query", "path", "body", "header", "form"):
        parts = parts[1:]
    return ".".join(parts) or "request"


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def domain_error(_: Request, exc: DomainError):
        return JSONResponse(status_code=exc.status_code, content=exc.body().model_dump(mode="json"))

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_: Request, exc: RequestValidationError):
        fields = [FieldProblem(field=_field_name(tuple(e.get("loc", ()))),
                               reason=_reason(e),
                               value=_json_safe(e.get("input")))
                  for e in exc.errors()]
        summary = "；".join(f"{f.field}: {f.reason}" for f in fields[:5])
        body = ErrorBody(error="invalid_request", message=f"请求参数无效 — {summary}", fields=fields)
        return JSONResponse(status_code=422, content=body.model_dump(mode="json"))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException):
        if exc.status_code == 400 and isinstance(exc.__cause__, _BodyTooLarge):
            # BodyLimit stopped a streamed body; FastAPI reports it as a parsing error.
            body = ErrorBody(error="payload_too_large", message=f"请求体过大：上限 {exc.__cause__.limit} 字节")
            return JSONResponse(status_code=413, content=body.model_dump(mode="json"))
        if exc.status_code == 400:
            # FastAPI's "error parsing the body" (bytes that are not UTF-8 JSON): bad input, 422.
            body = ErrorBody(error="invalid_request", message="请求体无法解析（应为 UTF-8 编码的 JSON 或表单）",
                             fields=[FieldProblem(field="body", reason=str(exc.detail))])
            return JSONResponse(status_code=422, content=body.model_dump(mode="json"))
        names = {404: "not_found", 405: "method_not_allowed"}
        body = ErrorBody(error=names.get(exc.status_code, "http_error"), message=str(exc.detail))
        return JSONResponse(status_code=exc.status_code, content=body.model_dump(mode="json"), headers=exc.headers)

    @app.exception_handler(OperationalError)
    @app.exception_handler(DBAPIError)
    async def database_down(_: Request, exc: Exception):
        log.warning("database error: %s", exc)
        body = ErrorBody(error="service_unavailable", message="数据库暂时不可用，请稍后重试")
        return JSONResponse(status_code=503, content=body.model_dump(mode="json"))


class BodyLimit:
    """Pure ASGI middleware: a body over `limit` bytes is refused with 413, by Content-Length
    before anything is read, and while streaming when no length is sent."""

    def __init__(self, app, limit: int):
        self.app = app
        self.limit = limit

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.limit):
            return await self._refuse(send)
        received = 0

        async def limited_receive():
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    raise _BodyTooLarge(self.limit)
            return message

        try:
            await self.app(scope, limited_receive, send)
        except _BodyTooLarge:
            await self._refuse(send)

    async def _refuse(self, send):
        body = ErrorBody(error="payload_too_large",
                         message=f"请求体过大：上限 {self.limit} 字节").model_dump_json().encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})


class _BodyTooLarge(Exception):
    def __init__(self, limit: int):
        super().__init__(f"body over {limit} bytes")
        self.limit = limit


def announce_first_key(secret: str) -> None:
    """The very first start has no keys: print one admin key, once, where the operator sees it."""
    print("\n" + "=" * 72 + "\n"
          "  首次启动：已创建管理员 API key（只显示这一次，请妥善保存）\n"
          "  First start: an admin API key was created (shown only this once):\n\n"
          f"  {secret}\n\n"
          "  curl -H 'Authorization: Bearer <key>' http://127.0.0.1:8000/v1/notices\n"
          + "=" * 72 + "\n", flush=True)


# Every /v1 answer may be one of these, in the shape of ErrorBody.
API_ERRORS = {status: {"model": ErrorBody, "description": text} for status, text in (
    (401, "No key, or an invalid or revoked one"), (403, "The key's role may not do this"),
    (413, "Request body over the limit"), (422, "Invalid request: `fields` names each field and reason"),
    (503, "The database is unavailable"))}


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; the database is migrated (and filled on first start) in the lifespan."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        engine = make_engine(settings.database_url)
        app.state.engine = engine
        app.state.settings = settings
        first_key = prepare_database(engine, settings.load_bundled)
        if first_key:
            announce_first_key(first_key)
        app.state.keys = KeyCache(engine)
        app.state.catalog = CatalogHolder(engine, settings.catalog_refresh_seconds)
        app.state.catalog.get()
        # The catalog and the loaded modules live as long as the process: keep them out of
        # the garbage collector's scans, which otherwise slow every request that allocates.
        gc.freeze()
        async with anyio.create_task_group() as tasks:
            tasks.start_soon(app.state.catalog.refresher)
            try:
                yield
            finally:
                tasks.cancel_scope.cancel()
                engine.dispose()

    app = FastAPI(title="Quzhou medical service pricing API", version="1.0.0", description=DESCRIPTION,
                  lifespan=lifespan)
    install_error_handlers(app)
    app.add_middleware(BodyLimit, limit=settings.max_request_bytes)
    app.include_router(health.router)
    app.include_router(items.router, dependencies=[Depends(require(Permission.READ))], responses=API_ERRORS)
    app.include_router(notices.router, dependencies=[Depends(require(Permission.READ))], responses=API_ERRORS)
    app.include_router(bills.router, dependencies=[Depends(require(Permission.VALIDATE_BILLS))], responses=API_ERRORS)
    app.include_router(tables.router, responses=API_ERRORS)
    app.include_router(admin.router, responses=API_ERRORS)
    app.include_router(pages.router)
    install_page_handlers(app)
    app.mount("/static", StaticFiles(directory=str(Path(__file__).resolve().parent / "static")), name="static")
    return app


def __getattr__(name: str):
    # `pricing_api.app:app` for uvicorn, built on first access so importing this module
    # (e.g. in tests) does not read the environment.
    if name == "app":
        return create_app()
    raise AttributeError(name)
