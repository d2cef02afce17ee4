"""Liveness and readiness."""

import os

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from pricing_api.schemas.health import Health
from pricing_api.storage.database import ping

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Health)
def healthz() -> Health:
    """Liveness: the process answers.  Never touches the database."""
    return Health(status="ok")


@router.get("/readyz", response_model=Health, responses={503: {"model": Health}})
def readyz(request: Request):
    """Readiness: the database answers a query.  503 when it does not."""
    try:
        ping(request.app.state.engine)
    except Exception as exc:  # any driver error means "not ready"
        return JSONResponse(status_code=503, content=Health(
            status="unavailable", detail=f"数据库不可用: {type(exc).__name__}", worker=os.getpid()).model_dump())
    return Health(status="ready", catalog_version=request.app.state.catalog.current().version_tag, worker=os.getpid())
