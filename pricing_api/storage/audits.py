"""Every query about audit runs and the review of their findings."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, case, func, insert, or_, text, update
from sqlalchemy import select as select_columns
from sqlmodel import Session, col, select

from pricing_api.storage.records import AuditFindingRecord, AuditRunRecord, table_of, utcnow

#: The columns a finding is stored with (besides its review), in COPY order.
FINDING_COLUMNS = ("run_id", "position", "bill_id", "fixmedins_code", "hospital_grade", "line_ids", "risk_line_id",
                   "code", "item_name", "service_date", "rule", "national_rule", "result", "message", "expected_cents",
                   "charged_cents", "at_risk_cents", "basis_document", "basis_seq", "basis_text")
_REVIEW_DEFAULTS = {"stage": "open", "first_comment": "", "first_by_name": "", "second_comment": "",
                    "second_by_name": ""}


def add_run(session: Session, run: AuditRunRecord) -> AuditRunRecord:
    session.add(run)
    session.flush()
    return run


def get_run(session: Session, run_id: int) -> AuditRunRecord | None:
    return session.get(AuditRunRecord, run_id)


def list_runs(session: Session, *, limit: int, offset: int) -> tuple[list[AuditRunRecord], int]:
    rows = session.exec(select(AuditRunRecord).order_by(col(AuditRunRecord.id).desc()).offset(offset).limit(limit)).all()
    return list(rows), session.exec(select(func.count()).select_from(AuditRunRecord)).one()


def set_run(session: Session, run_id: int, **values: Any) -> None:
    session.execute(update(AuditRunRecord).where(col(AuditRunRecord.id) == run_id).values(**values))


def fail_abandoned_runs(session: Session, *, silent_for: dt.timedelta) -> int:
    """Runs whose worker stopped (no heartbeat for `silent_for`) are failed, so nobody waits on
    them; a new run can be started from the same file."""
    cutoff = utcnow() - silent_for
    result = session.execute(
        update(AuditRunRecord)
        .where(col(AuditRunRecord.state).in_(("queued", "running")),
               func.coalesce(AuditRunRecord.heartbeat_at, AuditRunRecord.created_at) < cutoff)
        .values(state="failed", error="审核中断：执行审核的服务进程已停止，请重新发起", finished_at=utcnow()))
    return result.rowcount or 0  # type: ignore[attr-defined]


def insert_findings(session: Session, rows: Iterable[Sequence[Any]]) -> int:
    """Store findings (tuples in `FINDING_COLUMNS` order).  PostgreSQL gets them by COPY (a
    million-line run's findings in seconds); SQLite by executemany."""
    count = 0
    if session.get_bind().dialect.name == "postgresql":
        raw: Any = session.connection().connection.driver_connection
        columns = ", ".join((*FINDING_COLUMNS, *_REVIEW_DEFAULTS))
        with raw.cursor() as cursor, cursor.copy(f"COPY audit_finding ({columns}) FROM STDIN") as copy:
            defaults = tuple(_REVIEW_DEFAULTS.values())
            for row in rows:
                copy.write_row((*row, *defaults))
                count += 1
        # The planner's statistics, so the review pages' queries use the indexes at once
        # (autovacuum would analyse the table only after a while).
        session.execute(text("ANALYZE audit_finding"))
        return count
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append({**dict(zip(FINDING_COLUMNS, row, strict=True)), **_REVIEW_DEFAULTS})
        if len(batch) == 5000:
            session.execute(insert(table_of(AuditFindingRecord)), batch)
            count, batch = count + len(batch), []
    if batch:
        session.execute(insert(table_of(AuditFindingRecord)), batch)
        count += len(batch)
    return count


@dataclass(frozen=True)
class FindingFilter:
    """Which findings of a run a reviewer is looking at."""

    fixmedins_code: str | None = None
    rule: str | None = None
    stage: str | None = None  # open | first | final
    decision: str | None = None  # the latest decision: confirmed | rejected | false_positive
    min_cents: int | None = None
    bill_id: str | None = None

    def where(self, run_id: int) -> list[Any]:
        f = AuditFindingRecord
        clauses: list[Any] = [col(f.run_id) == run_id]
        if self.fixmedins_code is not None:
            clauses.append(col(f.fixmedins_code) == self.fixmedins_code)
        if self.rule:
            clauses.append(or_(col(f.rule) == self.rule, col(f.national_rule) == self.rule))
        if self.stage:
            clauses.append(col(f.stage) == self.stage)
        if self.decision:
            clauses.append(func.coalesce(col(f.second_decision), col(f.first_decision)) == self.decision)
        if self.min_cents is not None:
            clauses.append(col(f.at_risk_cents) >= self.min_cents)
        if self.bill_id:
            clauses.append(col(f.bill_id) == self.bill_id)
        return clauses


SORTS = {
    "amount": (col(AuditFindingRecord.at_risk_cents).desc(), col(AuditFindingRecord.id).desc()),
    "position": (col(AuditFindingRecord.position), col(AuditFindingRecord.id)),
}


def findings_page(session: Session, run_id: int, where: FindingFilter, *, sort: str, limit: int,
                  offset: int) -> tuple[list[AuditFindingRecord], int, int]:
    """A page of findings, the number matching and their money at risk (cents)."""
    clauses = where.where(run_id)
    rows = session.exec(select(AuditFindingRecord).where(*clauses).order_by(*SORTS[sort]).offset(offset).limit(limit)).all()
    total, cents = session.execute(select_columns(func.count(), func.coalesce(func.sum(col(AuditFindingRecord.at_risk_cents)), 0))
                                   .where(*clauses)).one()
    return list(rows), int(total), int(cents)


def facets(session: Session, run_id: int) -> dict[str, list[tuple[str, str, int, int]]]:
    """Per hospital, per rule and per review stage: (key, grade or national code, findings, cents)."""
    f = AuditFindingRecord
    out: dict[str, list[tuple[str, str, int, int]]] = {}
    for name, key, extra in (("hospitals", col(f.fixmedins_code), col(f.hospital_grade)),
                             ("rules", col(f.rule), col(f.national_rule)), ("stages", col(f.stage), col(f.stage))):
        cents = func.coalesce(func.sum(col(f.at_risk_cents)), 0)
        rows = session.execute(select_columns(key, func.max(extra), func.count(), cents)
                               .where(col(f.run_id) == run_id).group_by(key).order_by(cents.desc())).all()
        out[name] = [(str(k), str(e or ""), int(n), int(c)) for k, e, n, c in rows]
    return out


def selection(run_id: int, ids: Sequence[int] | None, where: FindingFilter | None) -> list[Any]:
    """The WHERE clauses of the findings a review names: by id (a short list) or by filter."""
    if ids is not None:
        return [col(AuditFindingRecord.run_id) == run_id, col(AuditFindingRecord.id).in_(ids)]
    return (where or FindingFilter()).where(run_id)


@dataclass(frozen=True)
class SelectionState:
    """What a review is about to change, counted in the database (a selection may be large):
    how many, their money, and the first id of each kind that may not take the review."""

    count: int
    cents: int
    first_final: int | None
    first_open: int | None
    first_by_reviewer: int | None
    first_changed: int | None
    finals: int
    opens: int
    by_reviewer: int
    changed: int


def selection_state(session: Session, clauses: list[Any], *, reviewer: int, decision: str) -> SelectionState:
    f = AuditFindingRecord
    fid = col(f.id)

    def first(condition: Any) -> Any:
        return func.min(case((condition, fid)))

    def how_many(condition: Any) -> Any:
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    final, still_open = col(f.stage) == "final", col(f.stage) == "open"
    own = col(f.first_by) == reviewer
    changed = func.coalesce(col(f.first_decision), "") != decision
    row = session.execute(select_columns(
        func.count(), func.coalesce(func.sum(col(f.at_risk_cents)), 0), first(final), first(still_open), first(own),
        first(changed), how_many(final), how_many(still_open), how_many(own), how_many(changed)).where(*clauses)).one()
    return SelectionState(*(None if v is None else int(v) for v in row))  # type: ignore[arg-type]


def record_first_review(session: Session, clauses: list[Any], *, decision: str, comment: str, reviewer: int,
                        reviewer_name: str) -> int:
    f = AuditFindingRecord
    result = session.execute(update(f).where(*clauses, col(f.stage) != "final")
                             .values(stage="first", first_decision=decision, first_comment=comment, first_by=reviewer,
                                     first_by_name=reviewer_name, first_at=utcnow()))
    return result.rowcount or 0  # type: ignore[attr-defined]


def record_second_review(session: Session, clauses: list[Any], *, decision: str, comment: str, reviewer: int,
                         reviewer_name: str) -> int:
    f = AuditFindingRecord
    now = utcnow()
    result = session.execute(update(f).where(*clauses, col(f.stage) == "first")
                             .values(stage="final", second_decision=decision, second_comment=comment, second_by=reviewer,
                                     second_by_name=reviewer_name, second_at=now, decided_at=now))
    return result.rowcount or 0  # type: ignore[attr-defined]


def confirmed_findings(session: Session, run_id: int, fixmedins_code: str | None) -> list[AuditFindingRecord]:
    """What is deducted: findings whose 复审 confirmed them, by hospital then bill."""
    f = AuditFindingRecord
    query = select(f).where(f.run_id == run_id, f.stage == "final", f.second_decision == "confirmed")
    if fixmedins_code is not None:
        query = query.where(f.fixmedins_code == fixmedins_code)
    return list(session.exec(query.order_by(col(f.fixmedins_code), col(f.position), col(f.id))).all())


def rule_quality(session: Session, start: dt.datetime | None, end: dt.datetime | None) -> list[tuple]:
    """Per rule and month of the final decision: findings decided, confirmed, rejected, false
    positives, cents confirmed.  Findings not yet decided are counted per rule under month ''."""
    f = AuditFindingRecord
    decision = col(f.second_decision)
    dialect = session.get_bind().dialect.name
    decided = col(f.decided_at)
    month = func.coalesce(func.to_char(decided, "YYYY-MM") if dialect == "postgresql" else func.strftime("%Y-%m", decided), "")
    clauses: list[Any] = []
    if start is not None:
        clauses.append(or_(decided.is_(None), decided >= start))
    if end is not None:
        clauses.append(or_(decided.is_(None), decided < end))
    query = (select_columns(col(f.rule), func.max(col(f.national_rule)), month, func.count(),
                    func.sum(case((decision == "confirmed", 1), else_=0)),
                    func.sum(case((decision == "rejected", 1), else_=0)),
                    func.sum(case((decision == "false_positive", 1), else_=0)),
                    func.coalesce(func.sum(case((decision == "confirmed", col(f.at_risk_cents)), else_=0)), 0))
             .where(and_(True, *clauses)).group_by(col(f.rule), month).order_by(col(f.rule), month))
    return [tuple(row) for row in session.execute(query).all()]

