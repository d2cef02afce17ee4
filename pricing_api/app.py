"""The ASGI app: `pricing_api.app:app`, made by `create_app()`."""

from __future__ import annotations

import gc
import os
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
from fastapi import Depends, FastAPI
from fastapi.staticfiles import StaticFiles

from pricing_api.access_log import AccessLog
from pricing_api.auth import KeyCache, Permission
from pricing_api.body_limit import BodyLimit
from pricing_api.catalog_holder import CatalogHolder, ReferenceHolder
from pricing_api.deps import SESSION_COOKIE, require
from pricing_api.error_handlers import install_error_handlers
from pricing_api.errors import ErrorBody
from pricing_api.hot_paths import handle_plainly
from pricing_api.json_body import install_body_schemas
from pricing_api.metrics import worker_exited
from pricing_api.routes import (
    admin,
    audit_pages,
    audits,
    bills,
    code_maps,
    health,
    hospitals,
    items,
    metrics,
    nhsa,
    notices,
    pages,
    tables,
)
from pricing_api.routes.pages import install_page_handlers
from pricing_api.security_headers import SecurityHeaders
from pricing_api.settings import Settings, get_settings
from pricing_api.startup import announce_first_key, prepare_database
from pricing_api.storage.database import POOL_OVERFLOW, POOL_SIZE, make_engine
from pricing_api.unit_of_work import Database
from pricing_api.warning_log import WarningLog
from pricing_api.worker_sync import WorkerSync

DESCRIPTION = """\
Price look-up and bill checking for medical services under the 2021 Quzhou notices
衢医保联发〔2021〕11号 (adjusted prices) and 衢医保联发〔2021〕12号 (new items, trial prices).
Money is a decimal string in yuan with two places. Grades: `grade_3a` 三甲, `grade_3b` 三乙,
`grade_2_or_below` 二级及以下 (the Chinese names are accepted too).
"""


# Every /v1 answer may be one of these, in the shape of ErrorBody.
API_ERRORS: dict[int | str, dict[str, Any]] = {status: {"model": ErrorBody, "description": text} for status, text in (
    (401, "No key, or an invalid or revoked one"), (403, "The key's role may not do this"),
    (413, "Request body over the limit"), (422, "Invalid request: `fields` names each field and reason"),
    (503, "The database is unavailable"))}


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; the database is migrated (and filled on first start) in the lifespan."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        engine = make_engine(settings.database_url, timeout=settings.db_timeout_seconds)
        app.state.engine = engine
        app.state.settings = settings
        first_key = prepare_database(engine, settings.load_bundled)
        if first_key:
            announce_first_key(first_key, f"http://{settings.host}:{settings.port}")
        app.state.keys = KeyCache()
        # CPU work off the event loop (large bills, table checks) shares one thread: Python runs
        # one thread at a time, so more threads would only take turns from the event loop, and
        # liveness must answer in milliseconds whatever the load.
        app.state.cpu_limiter = anyio.CapacityLimiter(1)
        app.state.catalog = CatalogHolder(engine)
        app.state.reference = ReferenceHolder(engine)
        sync = WorkerSync(engine, app.state.catalog, app.state.keys, app.state.reference)
        sync.poll()
        app.state.db = Database(engine, timeout=settings.db_timeout_seconds, threads=POOL_SIZE + POOL_OVERFLOW,
                                on_commit=sync.poll)
        # The catalog and the loaded modules live as long as the process: keep them out of
        # the garbage collector's scans, which otherwise slow every request that allocates.
        gc.freeze()
        app.state.nhsa_dictionaries = settings.nhsa_dictionaries()
        app.state.warning_log = WarningLog()
        async with anyio.create_task_group() as tasks:
            tasks.start_soon(sync.run, app.state.db, settings.catalog_refresh_seconds)
            tasks.start_soon(app.state.warning_log.run, app.state.db)
            try:
                yield
            finally:
                tasks.cancel_scope.cancel()
                engine.dispose()
                worker_exited(os.getpid())  # its live gauges (pool in use) stop counting

    app = FastAPI(title="Quzhou medical service pricing API", version="1.0.0", description=DESCRIPTION,
                  lifespan=lifespan)
    install_error_handlers(app)
    audit_upload = settings.max_audit_bytes + 64 * 1024  # the file and its form fields
    app.add_middleware(BodyLimit, limit=settings.max_request_bytes,
                       larger={"/v1/audits": audit_upload, "/ui/audits": audit_upload})
    app.add_middleware(SecurityHeaders, session_cookie=SESSION_COOKIE)
    app.add_middleware(AccessLog)  # outermost: it times and logs everything, errors included
    # The hot paths first: routes are matched in order.  They check the caller themselves.
    app.include_router(bills.router, responses=API_ERRORS)
    app.include_router(nhsa.router, responses=API_ERRORS)
    app.include_router(health.router)
    app.include_router(items.router, dependencies=[Depends(require(Permission.READ))], responses=API_ERRORS)
    app.include_router(notices.router, dependencies=[Depends(require(Permission.READ))], responses=API_ERRORS)
    app.include_router(tables.router, responses=API_ERRORS)
    app.include_router(hospitals.router, responses=API_ERRORS)
    app.include_router(code_maps.router, responses=API_ERRORS)
    app.include_router(audits.router, responses=API_ERRORS)
    app.include_router(admin.router, responses=API_ERRORS)
    app.include_router(metrics.router, responses=API_ERRORS)
    app.include_router(pages.router)
    app.include_router(audit_pages.router)
    install_page_handlers(app)
    install_body_schemas(app)
    handle_plainly(app)
    app.mount("/static", StaticFiles(directory=str(Path(__file__).resolve().parent / "static")), name="static")
    return app


def __getattr__(name: str):
    # `pricing_api.app:app` for uvicorn, built on first access so importing this module
    # (e.g. in tests) does not read the environment.
    if name == "app":
        return create_app()
    raise AttributeError(name)
