"""Audit runs executed: a claims file judged by `reaudit` (DuckDB by default), its findings
stored for review, its progress kept in the run's row for whoever is watching.

A run started through the API executes in a thread of the worker that accepted it (one run at a
time per worker: DuckDB already uses every core it is given); `pricing-api audit --store` runs
one in the command's own process.  The run's row is the only shared state: its `heartbeat_at`
moves while it works, and a run whose worker stopped is marked failed (`fail_abandoned_runs`).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
from sqlalchemy.engine import Engine
from sqlmodel import Session

from price_tables.catalog import Catalog
from pricing_api.services.audits import cents_of
from pricing_api.storage import audits as stored
from pricing_api.storage.records import utcnow
from reaudit.job import run_audit
from reaudit.summary import Summary
from validators.reference import NO_REFERENCE, ReferenceData

log = logging.getLogger(__name__)
STEPS = {"bills": "读取并核对单据", "lines": "逐行比对价格", "rules": "执行各项规则", "": "准备中"}
#: One run at a time in a worker.
_ONE_AT_A_TIME = threading.Semaphore(1)
_PROGRESS_EVERY = 1.0  # seconds between progress writes


class _Progress:
    """Progress written to the run's row, at most once a second (it also proves the run alive)."""

    def __init__(self, engine: Engine, run_id: int):
        self.engine, self.run_id = engine, run_id
        self.last = 0.0

    def __call__(self, percent: int, step: str) -> None:
        now = time.monotonic()
        if now - self.last < _PROGRESS_EVERY:
            return
        self.last = now
        self.write(min(percent, 95), STEPS.get(step, step))

    def write(self, percent: int, stage: str) -> None:
        try:
            with Session(self.engine) as session:
                stored.set_run(session, self.run_id, progress=percent, stage=stage, heartbeat_at=utcnow())
                session.commit()
        except Exception as exc:  # progress is a courtesy: the run goes on
            log.warning("audit run %s: progress not recorded (%s)", self.run_id, type(exc).__name__)


#: The findings with the billed line's name and date, in the engine's order.
_ENRICHED = """
SELECT f.bill_id, f.fixmedins_code, f.hospital_grade, f.line_ids, f.risk_line_id, f.code, l.name, l.service_date,
       f.rule, f.national_rule, f.result, f.message, f.expected, f.charged, f.amount_at_risk, f.basis_document,
       f.basis_seq, f.basis_text
FROM findings f
LEFT JOIN (SELECT file_no, bill_id, line_id, any_value(name) AS name, any_value(service_date) AS service_date
           FROM lines GROUP BY ALL) l
  ON l.file_no = f.file_no AND l.bill_id = f.bill_id
 AND l.line_id = coalesce(nullif(f.risk_line_id, ''), split_part(f.line_ids, ' ', 1))
ORDER BY f.file_no, f.bill_row, f.first_key, f.rule_rank, f.line_ids, f.message
"""


def _finding_rows(con: duckdb.DuckDBPyConnection, run_id: int, catalog: Catalog) -> Iterator[tuple[Any, ...]]:
    """Rows in `storage.audits.FINDING_COLUMNS` order; an item billed without a name gets the
    catalog's."""
    reader: pa.RecordBatchReader = con.sql(_ENRICHED).to_arrow_reader(50_000)
    position = 0
    for batch in reader:
        for (bill_id, hospital, grade, line_ids, risk_line, code, name, served, rule, national, result, message,
             expected, charged, at_risk, document, seq, text) in zip(*(col.to_pylist() for col in batch.columns),
                                                                        strict=True):
            position += 1
            if not name and code and code in catalog:
                name = catalog.history(code)[-1].item.name
            yield (run_id, position, bill_id[:64], (hospital or "")[:64], grade or "", line_ids[:2000],
                   (risk_line or "")[:64], (code or "")[:40], (name or "")[:200], served, rule, national or "", result,
                   message[:2000], cents_of(expected), cents_of(charged), cents_of(at_risk) or 0,
                   (document or "")[:100], seq, (text or "")[:2000])


def execute(engine: Engine, run_id: int, paths: list[Path], catalog: Catalog, *, catalog_version: str,
            reference: ReferenceData = NO_REFERENCE, audit_engine: str = "duckdb", threads: int | None = None) -> Summary:
    """Run `run_id` over `paths` and store its findings; the run ends done or failed (never left
    running).  Raises nothing for a bad file: the run says what was wrong."""
    progress = _Progress(engine, run_id)
    with _ONE_AT_A_TIME:
        with Session(engine) as session:
            stored.set_run(session, run_id, state="running", started_at=utcnow(), heartbeat_at=utcnow(), stage=STEPS[""],
                           catalog_version=catalog_version)
            session.commit()
        summary = Summary(engine=audit_engine, files=[p.name for p in paths])
        started = time.perf_counter()
        try:
            def store(con: duckdb.DuckDBPyConnection) -> None:
                judged = time.perf_counter()
                progress.write(96, "保存审核结果")
                with Session(engine) as session:
                    count = stored.insert_findings(session, _finding_rows(con, run_id, catalog))
                    timing = {"judge_seconds": round(judged - started, 3),
                              "store_seconds": round(time.perf_counter() - judged, 3)}
                    stored.set_run(session, run_id, **_finished(summary, count, timing))
                    session.commit()

            run_audit(paths, catalog, None, engine=audit_engine, summary=summary, progress=False, threads=threads,
                      reference=reference, on_progress=progress, with_results=store)
        except Exception as exc:
            log.warning("audit run %s failed: %s", run_id, type(exc).__name__)
            with Session(engine) as session:
                stored.set_run(session, run_id, state="failed", finished_at=utcnow(), stage="",
                               error=_reason(exc))
                session.commit()
        return summary


def _finished(summary: Summary, findings: int, timing: dict[str, float]) -> dict[str, Any]:
    report = summary.as_dict()
    rejected = [{"row_no": r["row"], "bill_id": r["bill_id"], "reason": r["reason"]} for r in summary.rejected]
    return {"state": "done", "progress": 100, "stage": "", "finished_at": utcnow(), "heartbeat_at": utcnow(),
            "lines_read": summary.lines + summary.rejected_rows, "bills_judged": summary.bills,
            "rejected_rows": summary.rejected_rows, "findings_count": findings,
            "at_risk_cents": cents_of(summary.at_risk) or 0, "rejected_sample": rejected,
            "summary": {**{key: report[key] for key in ("outcomes", "charged", "at_risk", "by_rule", "by_hospital",
                                                        "by_item", "fallback_rules")}, **timing}}


def _reason(exc: Exception) -> str:
    """Why a run failed, for the people who started it: the reader's own message (Chinese, about
    the file's shape) or the kind of failure — never a database's message, which may quote a
    value of a row (a patient's name in the wrong column)."""
    if isinstance(exc, ValueError) and not isinstance(exc, duckdb.Error):
        text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return f"审核失败：{text[:500]}"
    if isinstance(exc, duckdb.Error):
        return f"审核失败：文件无法按结算明细格式读取（{type(exc).__name__}）"
    return f"审核失败：{type(exc).__name__}"


def start_in_background(engine: Engine, run_id: int, paths: list[Path], catalog: Catalog, **options: Any) -> threading.Thread:
    """Execute the run in a daemon thread of this worker; the caller answers at once."""
    thread = threading.Thread(target=execute, args=(engine, run_id, paths, catalog), kwargs=options,
                              name=f"audit-run-{run_id}", daemon=True)
    thread.start()
    return thread
