"""Every query about notices (table versions) and their items, drafts included.

Functions flush but never commit: the caller's unit of work does, so a failure anywhere
leaves nothing half-written.  Items and incomplete rows are stored as the domain models' JSON
and read back with `model_validate`: no field-by-field mapping.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from pydantic import TypeAdapter
from sqlalchemy import func, insert, update
from sqlmodel import Session, col, select

from price_tables.catalog import NoticeVersion
from price_tables.models import CheckIssue, IncompleteRow, Item, Notice, NoticeMeta
from pricing_api.storage.records import (
    IncompleteRowRecord,
    ItemRecord,
    NoticeRecord,
    UploadedFile,
    id_of,
    table_of,
    utcnow,
)
from pricing_api.storage.versions import bump_catalog_version


def add_notice(session: Session, notice: Notice, *, state: str, origin: str, actor: str | None = None,
               file_name: str | None = None, file_sha256: str | None = None,
               check_report: list[CheckIssue] | None = None) -> NoticeRecord:
    """Store a checked notice with its items and incomplete rows (flushed, not committed)."""
    meta = notice.meta
    if file_name is None:
        sources = [i.source.file for i in notice.items] + [r.source.file for r in notice.incomplete_rows]
        file_name = sources[0] if sources else None
    record = NoticeRecord(
        document=meta.document, title=meta.title, effective_from=meta.effective_from,
        effective_to=meta.effective_to, state="draft", origin=origin,
        meta=meta.model_dump(mode="json"),
        warnings=[w.model_dump(mode="json") for w in notice.warnings],
        item_count=len(notice.items), incomplete_row_count=len(notice.incomplete_rows),
        file_name=file_name, file_sha256=file_sha256,
        created_by=actor, check_report=[i.model_dump(mode="json") for i in check_report or ()],
    )
    session.add(record)
    session.flush()
    notice_id = id_of(record)
    # Core bulk inserts (executemany), not ORM objects: a 50,000-row table stores in seconds.
    bodies = _ITEMS.dump_python(notice.items, mode="json")
    if bodies:
        session.execute(insert(table_of(ItemRecord)), [
            {"notice_id": notice_id, "code": item.code, "seq": item.source.seq, "body": body}
            for item, body in zip(notice.items, bodies, strict=True)])
    rows = _ROWS.dump_python(notice.incomplete_rows, mode="json")
    if rows:
        session.execute(insert(table_of(IncompleteRowRecord)),
                        [{"notice_id": notice_id, "body": body} for body in rows])
    if state == "published":
        mark_published(session, record, actor, bump_catalog_version(session))
    session.flush()
    return record


_ITEMS = TypeAdapter(tuple[Item, ...])
_ROWS = TypeAdapter(tuple[IncompleteRow, ...])


def save_uploaded_file(session: Session, notice_id: int, *, file_name: str, sha256: str, content: bytes) -> None:
    """Keep the file exactly as uploaded beside the draft it became."""
    session.add(UploadedFile(notice_id=notice_id, file_name=file_name, sha256=sha256, size=len(content),
                             content=content))


def mark_published(session: Session, record: NoticeRecord, actor: str | None, order: int) -> None:
    record.state = "published"
    record.published_at = utcnow()
    record.published_by = actor
    record.publish_order = order
    session.add(record)


def publish_draft(session: Session, notice_id: int, actor: str, order: int) -> bool:
    """Draft → published in one conditional update; False when it was no longer a draft."""
    result = session.exec(update(NoticeRecord).where(col(NoticeRecord.id) == notice_id, col(NoticeRecord.state) == "draft")
                          .values(state="published", published_at=utcnow(), published_by=actor, publish_order=order))
    return result.rowcount == 1


def mark_withdrawn(session: Session, record: NoticeRecord, actor: str) -> None:
    record.state, record.withdrawn_at, record.withdrawn_by = "withdrawn", utcnow(), actor
    session.add(record)


def count_notices(session: Session) -> int:
    return session.exec(select(func.count()).select_from(NoticeRecord)).one()


def list_notices(session: Session, states: tuple[str, ...] | None = None) -> list[NoticeRecord]:
    query = select(NoticeRecord).order_by(col(NoticeRecord.id))
    if states:
        query = query.where(col(NoticeRecord.state).in_(states))
    return list(session.exec(query))


def get_notice(session: Session, notice_id: int) -> NoticeRecord | None:
    return session.get(NoticeRecord, notice_id)


def refreshed(session: Session, record: NoticeRecord) -> NoticeRecord:
    """The record as stored now (another worker may have changed it)."""
    session.refresh(record)
    return record


def published_with_document(session: Session, document: str) -> int | None:
    """The id of a published notice with this 文号, if any."""
    return session.exec(select(NoticeRecord.id).where(NoticeRecord.document == document,
                                                      NoticeRecord.state == "published")).first()


def published_clashes(session: Session, notice_id: int, effective_from: dt.date) -> list[tuple[int, str, str]]:
    """(notice id, 文号, code) of published notices that price one of this notice's codes from
    the same day."""
    codes = select(ItemRecord.code).where(ItemRecord.notice_id == notice_id)
    rows = session.exec(
        select(NoticeRecord.id, NoticeRecord.document, ItemRecord.code)
        .join(ItemRecord, col(ItemRecord.notice_id) == col(NoticeRecord.id))
        .where(NoticeRecord.state == "published", NoticeRecord.effective_from == effective_from,
               col(NoticeRecord.id) != notice_id, col(ItemRecord.code).in_(codes))
    ).all()
    return [(id_of_row, document, code) for id_of_row, document, code in rows if id_of_row is not None]


def incomplete_rows_of(session: Session, notice_id: int) -> list[IncompleteRowRecord]:
    return list(session.exec(select(IncompleteRowRecord).where(IncompleteRowRecord.notice_id == notice_id)
                             .order_by(col(IncompleteRowRecord.id))))


def notice_of(session: Session, record: NoticeRecord) -> Notice:
    """The domain notice (items with their rules, incomplete rows) as stored."""
    return notices_of(session, [record])[id_of(record)]


def notices_of(session: Session, records: Iterable[NoticeRecord]) -> dict[int, Notice]:
    records = list(records)
    ids = [id_of(r) for r in records]
    if not ids:
        return {}
    items: dict[int, list[Item]] = defaultdict(list)
    for item in session.exec(select(ItemRecord).where(col(ItemRecord.notice_id).in_(ids)).order_by(col(ItemRecord.id))):
        items[item.notice_id].append(Item.model_validate(item.body))
    incomplete: dict[int, list[IncompleteRow]] = defaultdict(list)
    for row in session.exec(select(IncompleteRowRecord).where(col(IncompleteRowRecord.notice_id).in_(ids))
                            .order_by(col(IncompleteRowRecord.id))):
        incomplete[row.notice_id].append(IncompleteRow.model_validate(row.body))
    return {
        id_of(record): Notice(meta=NoticeMeta.model_validate(record.meta), items=tuple(items[id_of(record)]),
                              incomplete_rows=tuple(incomplete[id_of(record)]),
                          warnings=tuple(CheckIssue.model_validate(w) for w in record.warnings))
        for record in records
    }


def published_versions(session: Session) -> list[NoticeVersion]:
    """Every published notice, for building the in-memory catalog."""
    records = list_notices(session, ("published",))
    notices = notices_of(session, records)
    return [NoticeVersion(notice_id=id_of(r), notice=notices[id_of(r)], published_order=r.publish_order or 0)
            for r in records]
