"""Reads and writes notices.  Services call these; they never commit — the caller's unit of
work does, so a failure anywhere leaves nothing half-written."""

from __future__ import annotations

from collections import defaultdict

from pydantic import TypeAdapter
from sqlalchemy import func, update
from sqlmodel import Session, col, select

from price_tables.catalog import NoticeVersion
from price_tables.item_rules import Rule
from price_tables.models import (
    CheckIssue,
    ChildMarkup,
    IncompleteRow,
    Item,
    Notice,
    NoticeMeta,
    PriceSet,
    Provenance,
)
from pricing_api.storage.records import (
    CatalogVersion,
    IncompleteRowRecord,
    ItemRecord,
    NoticeRecord,
    RuleRecord,
    utcnow,
)

_RULE = TypeAdapter(Rule)


def add_notice(session: Session, notice: Notice, *, state: str, origin: str, actor: str | None = None,
               file_name: str | None = None, file_sha256: str | None = None) -> NoticeRecord:
    """Store a checked notice with its items, rules and incomplete rows (flushed, not committed)."""
    meta = notice.meta
    if file_name is None:
        sources = [i.source.file for i in notice.items] + [r.source.file for r in notice.incomplete_rows]
        file_name = sources[0] if sources else None
    record = NoticeRecord(
        document=meta.document, title=meta.title, effective_from=meta.effective_from,
        effective_to=meta.effective_to, state=state, origin=origin,
        meta=meta.model_dump(mode="json"),
        warnings=[w.model_dump(mode="json") for w in notice.warnings],
        item_count=len(notice.items), file_name=file_name, file_sha256=file_sha256,
        created_by=actor,
    )
    session.add(record)
    session.flush()
    for item in notice.items:
        item_record = ItemRecord(
            notice_id=record.id, code=item.code, seq=item.source.seq, name=item.name,
            connotation=item.connotation, exclusions=item.exclusions, unit=item.unit,
            price_grade_3a=item.prices.grade_3a, price_grade_3b=item.prices.grade_3b,
            price_grade_2_or_below=item.prices.grade_2_or_below,
            single_price=item.single_price, self_priced=item.self_priced, remarks=item.remarks,
            child_markup=item.child_markup.model_dump(mode="json"),
            uncertain_fields=dict(item.uncertain_fields), file_name=item.source.file,
            file_row=item.source.file_row, derived_from=item.source.derived_from,
        )
        session.add(item_record)
        session.flush()
        for position, rule in enumerate(item.rules):
            session.add(RuleRecord(item_id=item_record.id, position=position, kind=rule.kind,
                                   basis=rule.basis, source_field=rule.source_field,
                                   body=rule.model_dump(mode="json")))
    for row in notice.incomplete_rows:
        session.add(IncompleteRowRecord(
            notice_id=record.id, seq=row.seq, unit=row.unit,
            prices=row.prices.model_dump(mode="json"), missing=list(row.missing), note=row.note,
            file_row=row.source.file_row,
        ))
    if state == "published":
        mark_published(session, record, actor)
    session.flush()
    return record


def mark_published(session: Session, record: NoticeRecord, actor: str | None) -> None:
    record.state = "published"
    record.published_at = utcnow()
    record.published_by = actor
    record.publish_order = bump_catalog_version(session)
    session.add(record)


def bump_catalog_version(session: Session) -> int:
    """Increase the catalog version (row-locked on PostgreSQL) and return the new value."""
    result = session.exec(update(CatalogVersion).where(CatalogVersion.id == 1)
                          .values(version=CatalogVersion.version + 1))
    if result.rowcount == 0:
        session.add(CatalogVersion(id=1, version=1))
        session.flush()
        return 1
    return session.exec(select(CatalogVersion.version).where(CatalogVersion.id == 1)).one()


def catalog_version(session: Session) -> int:
    value = session.exec(select(CatalogVersion.version).where(CatalogVersion.id == 1)).first()
    return value or 0


def count_notices(session: Session) -> int:
    return session.exec(select(func.count()).select_from(NoticeRecord)).one()


def list_notices(session: Session, states: tuple[str, ...] | None = None) -> list[NoticeRecord]:
    query = select(NoticeRecord).order_by(col(NoticeRecord.id))
    if states:
        query = query.where(col(NoticeRecord.state).in_(states))
    return list(session.exec(query))


def get_notice(session: Session, notice_id: int) -> NoticeRecord | None:
    return session.get(NoticeRecord, notice_id)


def incomplete_rows_of(session: Session, notice_id: int) -> list[IncompleteRowRecord]:
    return list(session.exec(select(IncompleteRowRecord).where(IncompleteRowRecord.notice_id == notice_id)
                             .order_by(col(IncompleteRowRecord.id))))


def notice_from_records(session: Session, record: NoticeRecord) -> Notice:
    """Rebuild the domain notice (items with their rules) from storage."""
    return load_notices(session, [record])[record.id]


def load_notices(session: Session, records: list[NoticeRecord]) -> dict[int, Notice]:
    ids = [r.id for r in records]
    if not ids:
        return {}
    items_by_notice: dict[int, list[ItemRecord]] = defaultdict(list)
    for item in session.exec(select(ItemRecord).where(col(ItemRecord.notice_id).in_(ids)).order_by(col(ItemRecord.id))):
        items_by_notice[item.notice_id].append(item)
    item_ids = [i.id for items in items_by_notice.values() for i in items]
    rules_by_item: dict[int, list[Rule]] = defaultdict(list)
    if item_ids:
        for rule in session.exec(select(RuleRecord).where(col(RuleRecord.item_id).in_(item_ids))
                                 .order_by(col(RuleRecord.item_id), col(RuleRecord.position))):
            rules_by_item[rule.item_id].append(_RULE.validate_python(rule.body))
    incomplete_by_notice: dict[int, list[IncompleteRowRecord]] = defaultdict(list)
    for row in session.exec(select(IncompleteRowRecord).where(col(IncompleteRowRecord.notice_id).in_(ids))
                            .order_by(col(IncompleteRowRecord.id))):
        incomplete_by_notice[row.notice_id].append(row)
    notices: dict[int, Notice] = {}
    for record in records:
        meta = NoticeMeta.model_validate(record.meta)
        items = tuple(_item(i, rules_by_item[i.id], meta.document) for i in items_by_notice[record.id])
        incomplete = tuple(
            IncompleteRow(seq=r.seq, unit=r.unit, prices=PriceSet.model_validate(r.prices),
                          missing=tuple(r.missing), note=r.note,
                          source=Provenance(document=meta.document, seq=r.seq, file=record.file_name or "", file_row=r.file_row))
            for r in incomplete_by_notice[record.id]
        )
        warnings = tuple(CheckIssue.model_validate(w) for w in record.warnings)
        notices[record.id] = Notice(meta=meta, items=items, incomplete_rows=incomplete, warnings=warnings)
    return notices


def _item(record: ItemRecord, rules: list[Rule], document: str) -> Item:
    return Item(
        code=record.code, name=record.name, connotation=record.connotation,
        exclusions=record.exclusions, unit=record.unit,
        prices=PriceSet(grade_3a=record.price_grade_3a, grade_3b=record.price_grade_3b,
                        grade_2_or_below=record.price_grade_2_or_below),
        single_price=record.single_price, self_priced=record.self_priced, remarks=record.remarks,
        rules=tuple(rules), child_markup=ChildMarkup.model_validate(record.child_markup),
        uncertain_fields=record.uncertain_fields,
        source=Provenance(document=document, seq=record.seq, file=record.file_name,
                          file_row=record.file_row, derived_from=record.derived_from),
    )


def published_versions(session: Session) -> list[NoticeVersion]:
    """Every published notice, for building the in-memory catalog."""
    records = list_notices(session, ("published",))
    notices = load_notices(session, records)
    return [NoticeVersion(notice_id=r.id, notice=notices[r.id], published_order=r.publish_order or 0)
            for r in records]


def incomplete_row_counts(session: Session) -> dict[int, int]:
    rows = session.exec(select(IncompleteRowRecord.notice_id, func.count())
                        .group_by(IncompleteRowRecord.notice_id))
    return {notice_id: count for notice_id, count in rows}
