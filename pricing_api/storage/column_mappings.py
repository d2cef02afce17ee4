"""The column mappings remembered per hospital for its 费用明细 exports."""

from __future__ import annotations

from sqlmodel import Session, select

from pricing_api.storage.records import ColumnMappingRecord, utcnow


def mapping_of(session: Session, fixmedins_code: str) -> dict[str, str]:
    record = session.exec(select(ColumnMappingRecord).where(ColumnMappingRecord.fixmedins_code == fixmedins_code)).first()
    return dict(record.mapping) if record else {}


def remember(session: Session, fixmedins_code: str, placed: dict[str, str], actor: str) -> dict[str, str]:
    """Add `placed` (normalised header → column) to what the hospital's mapping already says."""
    record = session.exec(select(ColumnMappingRecord).where(ColumnMappingRecord.fixmedins_code == fixmedins_code)).first()
    if record is None:
        record = ColumnMappingRecord(fixmedins_code=fixmedins_code, mapping={})
    record.mapping = {**record.mapping, **placed}  # a new dict: JSON columns notice assignment, not mutation
    record.updated_at, record.updated_by = utcnow(), actor
    session.add(record)
    session.flush()
    return dict(record.mapping)
