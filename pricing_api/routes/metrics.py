"""Prometheus metrics, for a key of the `metrics` role (or an admin): not open to the world."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from pricing_api.auth import Permission
from pricing_api.deps import require
from pricing_api.metrics import exposition

router = APIRouter(tags=["operations"])


@router.get("/metrics", dependencies=[Depends(require(Permission.METRICS))], response_class=Response,
            responses={200: {"content": {"text/plain": {}}, "description": "Prometheus text format"}})
async def metrics() -> Response:
    """Requests by route and status with latencies, bills and lines judged, findings and money at
    risk by rule, the catalog version and its last refresh, database errors and the pool in use —
    every worker's samples added up."""
    content, media_type = exposition()
    return Response(content, media_type=media_type)
