"""One re-audit job: open the claim files as the view `lines` in a DuckDB connection, judge
every bill with an engine into the tables of `reaudit.results`, write the findings (Parquet or
CSV) and the rejected rows, and summarise per rule, hospital and item."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

import duckdb
from tqdm import tqdm

from price_tables.catalog import Catalog
from reaudit import results
from reaudit.readers import open_lines, workdir
from reaudit.summary import Summary
from reaudit.writers import check_output, write_findings, write_rejected
from validators.reference import NO_REFERENCE, ReferenceData

DEFAULT_CHUNK_ROWS = 1 << 20
#: `on_progress(percent, step)`: step is "bills", "lines" or "rules".
Progress = Callable[[int, str], None]
DEFAULT_MEMORY_LIMIT = "1500MB"


def connect(threads: int | None = None, memory_limit: str | None = DEFAULT_MEMORY_LIMIT,
            temp_directory: str | None = None) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection for a job: every core (or `threads`), a memory limit beyond which it
    spills to `temp_directory`, rows in no particular order (every output is sorted)."""
    config: dict[str, str | bool | int | float | list[str]] = {"threads": threads or os.cpu_count() or 2,
                                                                "preserve_insertion_order": False}
    if memory_limit:
        config["memory_limit"] = memory_limit
    if temp_directory:
        config["temp_directory"] = temp_directory
    con = duckdb.connect(config=config)
    # progress is read from another thread (the bar), never printed by DuckDB
    con.execute("SET enable_progress_bar = true; SET enable_progress_bar_print = false")
    return con


class _Bar:
    """The progress bar of a DuckDB job: each step's share of the work, and within a long
    statement the share DuckDB reports done (read from another thread)."""

    SHARES = {"bills": 40, "lines": 40, "rules": 20}

    def __init__(self, con: duckdb.DuckDBPyConnection, enabled: bool, report: Progress | None = None):
        self.con = con
        self.report = report
        self.bar = tqdm(total=100, unit="%", disable=not enabled, desc="re-audit",
                        bar_format="{desc}: {percentage:3.0f}%|{bar}| {elapsed}")
        self.base, self.share, self.current = 0, 0, ""
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._poll, daemon=True) if enabled or report else None
        if self.thread:
            self.thread.start()

    def step(self, label: str) -> None:
        phase = label if label in self.SHARES else "rules"
        if phase != self.current:
            self.base += self.share
            self.current, self.share = phase, self.SHARES[phase]
            self._show(self.base)

    def _show(self, percent: float) -> None:
        self.bar.n = percent
        self.bar.refresh()
        if self.report is not None:
            self.report(int(percent), self.current)

    def _poll(self) -> None:
        while not self.done.wait(0.25):
            try:
                done = self.con.query_progress()
            except duckdb.Error:
                continue
            if done >= 0:
                self._show(min(99, self.base + self.share * done / 100))

    def close(self) -> None:
        self.done.set()
        if self.thread:
            self.thread.join()
        self.bar.n = 100
        self.bar.close()


def run_audit(paths: list[Path], catalog: Catalog, output: Path | None, *, engine: str = "duckdb",
              summary: Summary | None = None, progress: bool = True, chunk_rows: int = DEFAULT_CHUNK_ROWS,
              threads: int | None = None, spark_master: str | None = None,
              memory_limit: str | None = DEFAULT_MEMORY_LIMIT, reference: ReferenceData = NO_REFERENCE,
              on_progress: Progress | None = None,
              with_results: Callable[[duckdb.DuckDBPyConnection], None] | None = None) -> Summary:
    """Judge every bill of `paths` against `catalog` and `reference` (the hospital registry and
    published code maps); findings to `output` (.parquet or .csv), rejected rows beside it.

    For the service's stored runs: `output` None writes no file; `on_progress(percent, step)`
    hears how far the job is; `with_results(con)` reads the job's tables (`findings`,
    `bill_results`, `rejected_rows`, and the view `lines`) before the connection closes."""
    if engine not in ("duckdb", "python", "spark"):
        raise ValueError(f"unknown engine {engine!r} (duckdb | python | spark)")
    if output is not None:
        check_output(output)
    started = time.perf_counter()
    summary = summary or Summary(engine=engine, files=[str(p) for p in paths])
    with workdir() as tmp:
        con = connect(threads, memory_limit, temp_directory=tmp)
        try:
            files = _judge(con, paths, catalog, reference, engine, summary, progress, chunk_rows, spark_master, Path(tmp),
                           on_progress)
            if output is not None:
                write_findings(con, output)
                rejected = con.execute("SELECT count(*) FROM rejected_rows").fetchall()[0]
                summary.rejected_file = str(write_rejected(con, output, files)) if rejected and rejected[0] else None
            summary.fill(con, files)
            if with_results is not None:
                with_results(con)
        finally:
            con.close()
    summary.elapsed_seconds = round(time.perf_counter() - started, 3)
    return summary


def _judge(con: duckdb.DuckDBPyConnection, paths: list[Path], catalog: Catalog, reference: ReferenceData, engine: str,
           summary: Summary, progress: bool, chunk_rows: int, spark_master: str | None, tmp: Path,
           on_progress: Progress | None = None) -> list[Path]:
    """Fill the job's tables with the engine; returns the files read (for row reports)."""
    if engine == "spark":
        from reaudit.spark_engine import run_spark
        return run_spark(con, paths, catalog, reference, master=spark_master, chunk_rows=chunk_rows, progress=progress)
    claims = open_lines(con, paths, tmp)
    if engine == "duckdb":
        from reaudit.duckdb_engine import DuckDBEngine
        bar = _Bar(con, progress, on_progress)
        try:
            judge = DuckDBEngine(catalog, con, reference=reference)
            summary.fallback_rules = [rule.id for rule in judge.fallback_rules]
            judge.audit(bar.step)
        finally:
            bar.close()
    else:
        from reaudit import python_engine
        total = con.execute("SELECT count(*) FROM lines").fetchall()[0]
        count = total[0] if total else 0
        with tqdm(total=count or None, unit="row", unit_scale=True, disable=not progress, desc="re-audit") as rows_bar:
            def advance(rows: int) -> None:
                rows_bar.update(rows)
                if on_progress is not None and count:
                    on_progress(min(99, int(rows_bar.n * 100 / count)), "rules")

            python_engine.audit(con, catalog, reference, min(chunk_rows, 1 << 16), advance)
    unreadable = [row for claim in claims for row in claim.unreadable]
    if unreadable:
        import pyarrow as pa

        from reaudit.claims import REJECTED_SCHEMA
        results.insert(con, "rejected_rows", pa.Table.from_pylist(unreadable, schema=REJECTED_SCHEMA))
    return [claim.path for claim in claims]
