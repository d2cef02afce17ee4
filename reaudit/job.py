"""One re-audit job: read the claim files, judge every bill with an engine, write the findings
(Parquet or CSV) and the rejected rows, and summarise per rule, hospital and item."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import duckdb
import pyarrow as pa
from tqdm import tqdm

from price_tables.catalog import Catalog
from reaudit.chunks import BillsNotContiguous, reject_bad_bills, split_problems, whole_bills
from reaudit.claims import REJECTED_SCHEMA
from reaudit.readers import ClaimFile, sniff, stream, workdir
from reaudit.summary import Summary
from reaudit.writers import FindingsWriter, write_rejected

DEFAULT_CHUNK_ROWS = 1 << 20


class Engine(Protocol):
    name: str

    def judge(self, chunk: pa.Table) -> tuple[pa.Table, pa.Table]: ...

    def close(self) -> None: ...


def make_engine(name: str, catalog: Catalog, threads: int | None = None) -> Engine:
    if name == "duckdb":
        from reaudit.duckdb_engine import DuckDBEngine
        return DuckDBEngine(catalog, threads=threads)
    if name == "python":
        from reaudit.python_engine import PythonEngine
        return PythonEngine(catalog)
    raise ValueError(f"unknown engine {name!r} (duckdb | python | spark)")


@dataclass
class JudgedChunk:
    findings: pa.Table | None  # None: only rejected rows
    bills: pa.Table | None
    rejected: pa.Table
    rows: int


def judged_chunks(paths: list[Path], engine: Engine, chunk_rows: int = DEFAULT_CHUNK_ROWS,
                  on_restart: Callable[[], None] | None = None) -> Iterator[JudgedChunk]:
    """Every chunk of whole bills, judged.  Files whose bills are not contiguous are read again
    sorted by bill (`on_restart` lets the caller drop what it wrote the first time)."""
    claims = [sniff(path, i) for i, path in enumerate(paths)]
    try:
        yield from _judged(claims, engine, chunk_rows, ordered=False)
    except BillsNotContiguous:
        if on_restart:
            on_restart()
        claims = [sniff(path, i) for i, path in enumerate(paths)]
        yield from _judged(claims, engine, chunk_rows, ordered=True)


def _judged(claims: list[ClaimFile], engine: Engine, chunk_rows: int, ordered: bool) -> Iterator[JudgedChunk]:
    con = duckdb.connect(config={"threads": max(1, (os.cpu_count() or 2))})
    checks = con.cursor()
    rejected_parts: list[pa.Table] = []
    with workdir() as tmp:

        def readable() -> Iterator[pa.Table]:
            for table in stream(con, claims, Path(tmp), batch_rows=min(chunk_rows, 1 << 17), ordered_by_bill=ordered):
                good, rejected = split_problems(table)
                if rejected.num_rows:
                    rejected_parts.append(rejected)
                yield good

        for chunk in whole_bills(readable(), chunk_rows):
            rows = chunk.num_rows + sum(t.num_rows for t in rejected_parts)
            good, bad_bills = reject_bad_bills(checks, chunk)
            findings, bills = engine.judge(good) if good.num_rows else (None, None)
            rejected = pa.concat_tables([*rejected_parts, bad_bills]) if rejected_parts or bad_bills.num_rows \
                else REJECTED_SCHEMA.empty_table()
            rejected_parts.clear()
            yield JudgedChunk(findings, bills, rejected, rows)
        tail = [t for t in rejected_parts]
        for claim in claims:
            if claim.unreadable:
                tail.append(pa.Table.from_pylist(claim.unreadable, schema=REJECTED_SCHEMA))
        if tail:
            yield JudgedChunk(None, None, pa.concat_tables(tail), sum(t.num_rows for t in tail))
    checks.close()
    con.close()


def count_rows(paths: list[Path]) -> int | None:
    """Rows to read, for the progress bar: exact for Parquet (its footer), lines for text files."""
    total = 0
    with duckdb.connect() as con:
        for path in paths:
            if path.is_dir():
                total += count_rows(sorted(path.rglob("*.parquet"))) or 0
            elif path.suffix.lower() in (".parquet", ".pq"):
                literal = "'" + str(path).replace("'", "''") + "'"
                found = con.execute(f"SELECT sum(num_rows) FROM parquet_file_metadata({literal})").fetchone()
                total += int(found[0]) if found else 0
            else:
                with path.open("rb") as handle:
                    while block := handle.read(1 << 20):
                        total += block.count(b"\n")
    return total


def run_audit(paths: list[Path], catalog: Catalog, output: Path, *, engine: str = "duckdb",
              summary: Summary | None = None, progress: bool = True, chunk_rows: int = DEFAULT_CHUNK_ROWS,
              threads: int | None = None, spark_master: str | None = None) -> Summary:
    """Judge every bill of `paths`; findings to `output` (.parquet or .csv), rejected rows beside it."""
    started = time.perf_counter()
    summary = summary or Summary(engine=engine, files=[str(p) for p in paths])
    report_paths = list(paths)
    if engine == "spark":
        from reaudit.spark_engine import run_spark
        files: list[str] = []
        chunks: Iterator[JudgedChunk] = run_spark(paths, catalog, master=spark_master, chunk_rows=chunk_rows,
                                                  files_out=files)
        report_paths = [Path(f) for f in files]
        judge: Engine | None = None
    else:
        judge = make_engine(engine, catalog, threads=threads)
        summary.fallback_rules = [rule.id for rule in getattr(judge, "fallback_rules", [])]
    total = count_rows(paths) if progress else None
    writer = FindingsWriter(output)
    rejected: list[pa.Table] = []

    def restart() -> None:
        writer.restart()
        summary.reset()
        rejected.clear()
        bar.reset()

    try:
        with tqdm(total=total, unit="row", unit_scale=True, disable=not progress, desc="re-audit") as bar:
            if judge is not None:
                chunks = judged_chunks(paths, judge, chunk_rows, on_restart=restart)
            for chunk in chunks:
                if chunk.findings is not None:
                    writer.write(chunk.findings)
                    summary.add(chunk.findings, chunk.bills)
                if chunk.rejected.num_rows:
                    summary.add_rejected(chunk.rejected, report_paths)
                    rejected.append(chunk.rejected)
                bar.update(chunk.rows)
        writer.close()
    except BaseException:
        writer.abort()
        raise
    finally:
        if judge is not None:
            judge.close()
    summary.rejected_file = str(write_rejected(output, rejected, report_paths)) if rejected else None
    summary.elapsed_seconds = round(time.perf_counter() - started, 3)
    return summary
