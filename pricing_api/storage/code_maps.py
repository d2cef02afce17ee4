"""Every query about code maps (对码表): versions, their entries, publication."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import insert, update
from sqlmodel import Session, col, select

from pricing_api.storage.records import CodeMapEntryRecord, CodeMapRecord, id_of, table_of, utcnow


def add_map(session: Session, record: CodeMapRecord, entries: list[dict[str, str]]) -> CodeMapRecord:
    session.add(record)
    session.flush()
    map_id = id_of(record)
    if entries:
        session.execute(insert(table_of(CodeMapEntryRecord)),
                        [{"map_id": map_id, **entry} for entry in entries])
    return record


def get_map(session: Session, map_id: int) -> CodeMapRecord | None:
    return session.get(CodeMapRecord, map_id)


def all_maps(session: Session) -> list[CodeMapRecord]:
    return list(session.exec(select(CodeMapRecord).order_by(col(CodeMapRecord.id))))


def entries_of(session: Session, map_ids: list[int]) -> dict[int, list[CodeMapEntryRecord]]:
    entries: dict[int, list[CodeMapEntryRecord]] = defaultdict(list)
    if map_ids:
        for entry in session.exec(select(CodeMapEntryRecord).where(col(CodeMapEntryRecord.map_id).in_(map_ids))
                                  .order_by(col(CodeMapEntryRecord.id))):
            entries[entry.map_id].append(entry)
    return entries


def published_maps(session: Session) -> list[CodeMapRecord]:
    return list(session.exec(select(CodeMapRecord).where(CodeMapRecord.state == "published")
                             .order_by(col(CodeMapRecord.id))))


def publish_draft(session: Session, map_id: int, actor: str, order: int) -> bool:
    """Draft → published in one conditional update; False when it was no longer a draft."""
    result = session.exec(update(CodeMapRecord).where(col(CodeMapRecord.id) == map_id, col(CodeMapRecord.state) == "draft")
                          .values(state="published", published_at=utcnow(), published_by=actor, publish_order=order))
    return result.rowcount == 1


def mark_withdrawn(session: Session, record: CodeMapRecord, actor: str) -> None:
    record.state, record.withdrawn_at, record.withdrawn_by = "withdrawn", utcnow(), actor
    session.add(record)
