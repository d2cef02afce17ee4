"""Published notices (table versions)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from pricing_api.deps import DatabaseDep
from pricing_api.errors import ErrorBody
from pricing_api.schemas.notices import NoticeDetail, NoticePage
from pricing_api.services import notices as service

router = APIRouter(prefix="/v1/notices", tags=["notices"])


@router.get("", response_model=NoticePage)
async def list_notices(db: DatabaseDep) -> NoticePage:
    """Published notices with their metadata, item counts and incomplete-row counts."""
    return await db.read(service.list_notices)


@router.get("/{notice_id}", response_model=NoticeDetail, responses={404: {"model": ErrorBody}, 422: {"model": ErrorBody}})
async def get_notice(notice_id: Annotated[int, Path(ge=1, le=2**31 - 1)], db: DatabaseDep) -> NoticeDetail:
    """One notice: metadata, notes, incomplete rows, unplaced fragments and load warnings."""
    return await db.read(service.notice_detail, notice_id)
