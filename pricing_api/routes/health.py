"""Liveness and readiness."""

from __future__ import annotations

import os

import anyio
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from pricing_api.errors import ServiceUnavailable
from pricing_api.schemas.health import Health
from pricing_api.storage.database import ping

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Health)
async def healthz() -> Health:
    """Liveness: the process answers.  On the event loop, no thread, no database: it answers in
    milliseconds whatever the load."""
    return Health(status="ok")


@router.get("/readyz", response_model=Health, responses={503: {"model": Health}})
async def readyz(request: Request) -> Health | JSONResponse:
    """Readiness: the database answers a query within `PRICING_READINESS_TIMEOUT_SECONDS`.  503 when not."""
    settings = request.app.state.settings
    try:
        with anyio.fail_after(settings.readiness_timeout_seconds):
            await request.app.state.db.call(ping, request.app.state.engine)
    except (TimeoutError, ServiceUnavailable):
        return _unavailable(f"数据库不可用：{settings.readiness_timeout_seconds:g} 秒内没有响应")
    except Exception as exc:  # any driver error means "not ready"
        return _unavailable(f"数据库不可用: {type(exc).__name__}")
    return Health(status="ready", catalog_version=request.app.state.catalog.current().version_tag, worker=os.getpid())


def _unavailable(detail: str) -> JSONResponse:
    return JSONResponse(status_code=503, content=Health(status="unavailable", detail=detail,
                                                        worker=os.getpid()).model_dump())
