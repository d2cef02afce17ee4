"""Published notices (table versions)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from pricing_api.deps import UnitOfWorkDep
from pricing_api.errors import ErrorBody
from pricing_api.schemas.notices import NoticeDetail, NoticePage
from pricing_api.services import notices as service

router = APIRouter(prefix="/v1/notices", tags=["notices"])


@router.get("", response_model=NoticePage)
def list_notices(uow: UnitOfWorkDep) -> NoticePage:
    """Published notices with their metadata, item counts and incomplete-row counts."""
    return service.list_notices(uow.session)


@router.get("/{notice_id}", response_model=NoticeDetail, responses={404: {"model": ErrorBody}, 422: {"model": ErrorBody}})
def get_notice(notice_id: Annotated[int, Path(ge=1, le=2**31 - 1)], uow: UnitOfWorkDep) -> NoticeDetail:
    """One notice: metadata, notes, incomplete rows, unplaced fragments and load warnings."""
    return service.notice_detail(uow.session, notice_id)
