"""What publishing a draft would move: the draft beside the published tables, and the claims
file judged under both (the work is `reaudit.impact`'s; this decides which tables)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from sqlmodel import Session

from price_tables.catalog import Catalog, NoticeVersion
from pricing_api.errors import Conflict, InvalidRequest
from pricing_api.services.tables import _get
from pricing_api.storage import notices as stored
from pricing_api.storage.records import id_of
from reaudit.impact import impact
from validators.reference import NO_REFERENCE, ReferenceData

CLAIM_SUFFIXES = (".parquet", ".csv", ".ndjson", ".jsonl")


def draft_catalog(session: Session, catalog: Catalog, table_id: int) -> Catalog:
    """The published tables with the draft published on top, as if it were published now."""
    record = _get(session, table_id)
    if record.state != "draft":
        raise Conflict(f"价格表 {table_id} 不是草稿（{record.state}），影响测算只对草稿进行")
    notice = stored.notice_of(session, record)
    order = max((v.published_order for v in catalog.versions), default=0) + 1
    return Catalog.of([*(v for v in catalog.versions if v.notice_id != id_of(record)),
                       NoticeVersion(id_of(record), notice, order)], version_tag=f"{catalog.version_tag}+draft{table_id}")


def impact_of_file(data: bytes, file_name: str, published: Catalog, draft: Catalog,
                   reference: ReferenceData = NO_REFERENCE) -> dict:
    """The impact report for an uploaded claims file (CPU work: call it from a worker thread)."""
    suffix = Path(file_name).suffix.lower()
    if suffix not in CLAIM_SUFFIXES:
        raise InvalidRequest(f"明细文件须为 {' / '.join(CLAIM_SUFFIXES)}（收到 {file_name!r}）")
    with tempfile.TemporaryDirectory(prefix="impact-") as tmp:
        path = Path(tmp) / f"claims{suffix}"
        path.write_bytes(data)
        try:
            return impact([path], published, draft, reference=reference)
        except ValueError as exc:
            raise InvalidRequest(str(exc)) from None
