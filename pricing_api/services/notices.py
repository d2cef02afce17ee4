"""Notices (published table versions) with their metadata, counts and incomplete rows."""

from __future__ import annotations

from sqlmodel import Session

from pricing_api.errors import NotFound
from pricing_api.schemas.notices import IncompleteRowOut, NoticeDetail, NoticePage, NoticeSummary
from pricing_api.storage import notices as stored


def list_notices(session: Session) -> NoticePage:
    records = stored.list_notices(session, ("published",))
    return NoticePage(notices=[NoticeSummary.of(r) for r in records], total=len(records))


def notice_detail(session: Session, notice_id: int) -> NoticeDetail:
    record = stored.get_notice(session, notice_id)
    if record is None:
        raise NotFound(f"没有编号为 {notice_id} 的通知")
    rows = stored.incomplete_rows_of(session, notice_id)
    return NoticeDetail.of(record, incomplete_rows=[IncompleteRowOut.of(r) for r in rows])
