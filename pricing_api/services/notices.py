"""Notices (published table versions) with their metadata, counts and incomplete rows."""

from __future__ import annotations

from sqlmodel import Session

from pricing_api.errors import NotFound
from pricing_api.schemas import IncompleteRowOut, NoticeDetail, NoticePage, NoticeSummary, Prices
from pricing_api.storage import repository
from pricing_api.storage.records import NoticeRecord


def _summary_fields(record: NoticeRecord, incomplete_count: int) -> dict:
    meta = record.meta
    return dict(
        id=record.id, document=record.document, title=record.title, issuer=list(meta.get("issuer", [])),
        signed_on=meta.get("signed_on"), effective_from=record.effective_from,
        effective_to=record.effective_to, scope=meta.get("scope", ""), state=record.state,
        origin=record.origin, item_count=record.item_count, incomplete_row_count=incomplete_count,
        created_at=record.created_at, created_by=record.created_by,
        published_at=record.published_at, published_by=record.published_by,
    )


def list_notices(session: Session, states: tuple[str, ...] | None = ("published",)) -> NoticePage:
    records = repository.list_notices(session, states)
    counts = repository.incomplete_row_counts(session)
    return NoticePage(notices=[NoticeSummary(**_summary_fields(r, counts.get(r.id, 0))) for r in records],
                      total=len(records))


def notice_detail(session: Session, notice_id: int) -> NoticeDetail:
    record = repository.get_notice(session, notice_id)
    if record is None:
        raise NotFound(f"没有编号为 {notice_id} 的通知")
    rows = repository.incomplete_rows_of(session, notice_id)
    meta = record.meta
    return NoticeDetail(
        **_summary_fields(record, len(rows)),
        attachment=meta.get("attachment", ""), source_lines=meta.get("source_lines"),
        notes=list(meta.get("notes", [])),
        incomplete_rows=[IncompleteRowOut(seq=r.seq, unit=r.unit, prices=Prices(**r.prices), missing=r.missing,
                                          note=r.note, file_row=r.file_row) for r in rows],
        unplaced_fragments=list(meta.get("unplaced_fragments", [])),
        warnings=list(record.warnings), child_markup_policy=meta.get("child_markup"),
    )
