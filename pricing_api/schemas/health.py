"""Liveness and readiness answers."""

from __future__ import annotations

from pydantic import BaseModel, Field


class Health(BaseModel):
    status: str
    detail: str | None = None
    catalog_version: str | None = Field(None, description="The price snapshot this worker serves")
    worker: int | None = Field(None, description="Process id of the worker that answered")
