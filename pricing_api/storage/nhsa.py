"""Every query about the national interface's warnings (3101/3102) and their feedback (3103)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import case, func, insert
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, select

from pricing_api.storage.records import NhsaFeedbackRecord, NhsaWarningRecord, table_of


def add_warnings(session: Session, rows: list[dict[str, Any]]) -> None:
    """Store warnings; one already stored (the same request sent again) is left as it is."""
    table = table_of(NhsaWarningRecord)
    dialect = session.get_bind().dialect.name
    statement: Any
    if dialect == "postgresql":
        statement = pg_insert(table).on_conflict_do_nothing(index_elements=["jr_id"])
    elif dialect == "sqlite":
        statement = sqlite_insert(table).on_conflict_do_nothing(index_elements=["jr_id"])
    else:  # pragma: no cover - only the two supported databases
        statement = insert(table)
    session.execute(statement, rows)


def add_feedback(session: Session, rows: list[dict[str, Any]]) -> None:
    session.execute(insert(table_of(NhsaFeedbackRecord)), rows)


def known_jr_ids(session: Session, jr_ids: list[str]) -> set[str]:
    if not jr_ids:
        return set()
    return set(session.exec(select(NhsaWarningRecord.jr_id).where(col(NhsaWarningRecord.jr_id).in_(jr_ids))))


def summary_rows(session: Session, *, start: dt.datetime | None, end: dt.datetime | None,
                 rule: str | None) -> list[tuple[str, str, int, int, int]]:
    """(rule, rule_id, warnings, continued as billed, modified) per rule, for warnings raised in
    [start, end); each warning counts once, by its latest feedback."""
    latest = (select(NhsaFeedbackRecord.jr_id, func.max(NhsaFeedbackRecord.id).label("last"))
              .group_by(col(NhsaFeedbackRecord.jr_id)).subquery())
    feedback = (select(NhsaFeedbackRecord.jr_id, NhsaFeedbackRecord.dspo_way)
                .join(latest, col(NhsaFeedbackRecord.id) == latest.c.last).subquery())
    query = (select(col(NhsaWarningRecord.rule), col(NhsaWarningRecord.rule_id), func.count(),  # type: ignore[call-overload]
                    func.sum(case((feedback.c.dspo_way == "1", 1), else_=0)),
                    func.sum(case((feedback.c.dspo_way == "2", 1), else_=0)))
             .outerjoin(feedback, feedback.c.jr_id == col(NhsaWarningRecord.jr_id))
             .group_by(col(NhsaWarningRecord.rule), col(NhsaWarningRecord.rule_id))
             .order_by(col(NhsaWarningRecord.rule)))
    if start is not None:
        query = query.where(col(NhsaWarningRecord.raised_at) >= start)
    if end is not None:
        query = query.where(col(NhsaWarningRecord.raised_at) < end)
    if rule:
        query = query.where((col(NhsaWarningRecord.rule) == rule) | (col(NhsaWarningRecord.rule_id) == rule))
    return [(r, rid, int(n), int(kept or 0), int(changed or 0)) for r, rid, n, kept, changed in session.exec(query)]

