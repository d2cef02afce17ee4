"""Spark, for claims beyond one machine: the rows are repartitioned by bill, and each partition
is judged by the DuckDB engine inside `mapInArrow` — the same compiled SQL, the same fallback,
the same canonical reading, so findings are identical to the local engines' by construction.

The driver streams the judged partitions back one at a time (`toLocalIterator`) into the same
writer and summary as a local run.  Price tables come from the driver (the database or
--bundled) and travel to the executors with the task, compiled once per Python worker.
"""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow as pa

from price_tables.catalog import Catalog
from reaudit.claims import REJECTED_SCHEMA, canonical_sql, resolve_columns
from reaudit.findings import BILLS_SCHEMA, FINDINGS_SCHEMA

if TYPE_CHECKING:
    from reaudit.duckdb_engine import DuckDBEngine

_ENGINES: dict[str, DuckDBEngine] = {}  # per Python worker: the compiled engine of a catalog
_KINDS = ("findings", "bills", "rejected")


def spark_session(master: str | None):
    from pyspark.sql import SparkSession

    # Workers run this interpreter (and so this project) unless the cluster says otherwise.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    builder = SparkSession.builder.appName("pricing-reaudit")
    if master:
        builder = builder.master(master)
    if (master or "").startswith("local"):
        # a local run talks to itself only, on loopback
        builder = builder.config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
    return (builder.config("spark.sql.execution.arrow.pyspark.enabled", "true")
            .config("spark.ui.showConsoleProgress", "false").getOrCreate())


def _ipc(table: pa.Table) -> bytes:
    sink = io.BytesIO()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue()


def _table(payload: bytes) -> pa.Table:
    return pa.ipc.open_stream(payload).read_all()


def _judge_partition(batches: Iterator[pa.RecordBatch], catalog: Catalog, token: str, files: list[str],
                     available: dict[str, str]) -> Iterator[pa.RecordBatch]:
    """One partition: canonical rows → rejected rows and bill checks → the DuckDB engine."""
    import duckdb

    from reaudit.chunks import reject_bad_bills, split_problems
    from reaudit.duckdb_engine import DuckDBEngine

    received = list(batches)
    raw = pa.Table.from_batches(received) if received else None
    if raw is None or raw.num_rows == 0:
        return
    engine = _ENGINES.get(token)
    if engine is None:  # compiled once per worker process, not once per task
        engine = _ENGINES[token] = DuckDBEngine(catalog, threads=1)
    with duckdb.connect(config={"threads": 1}) as con:
        con.register("raw", raw)
        file_map = ", ".join(f"'{f.replace(chr(39), chr(39) * 2)}': {i}" for i, f in enumerate(files))
        sql = canonical_sql("raw", available, f"MAP {{{file_map}}}[_file_path]", "_row_index + 1")
        typed = con.sql(sql).to_arrow_table()
        good, rejected = split_problems(typed)
        good, bad_bills = reject_bad_bills(con, good)
    findings, bills = engine.judge(good) if good.num_rows else (FINDINGS_SCHEMA.empty_table(), BILLS_SCHEMA.empty_table())
    rejected = pa.concat_tables([rejected, bad_bills])
    yield pa.RecordBatch.from_pydict({"kind": list(_KINDS), "payload": [_ipc(findings), _ipc(bills), _ipc(rejected)]})


def run_spark(paths: list[Path], catalog: Catalog, master: str | None = None, chunk_rows: int = 1 << 20,
              files_out: list[str] | None = None):
    """Judged chunks (one per partition) of the Parquet files or directories in `paths`."""
    from pyspark.sql import functions as F

    from reaudit.job import JudgedChunk

    spark = spark_session(master)
    df = spark.read.parquet(*(str(p) for p in paths))
    files = sorted(df.inputFiles())
    if files_out is not None:
        files_out[:] = files
    raw_columns = [c for c in df.columns if not c.startswith("_")]
    df = df.select(*raw_columns, F.col("_metadata.file_path").alias("_file_path"),
                   F.col("_metadata.row_index").alias("_row_index"))
    available = {name: "VARCHAR" for name in raw_columns}
    bill_column = (resolve_columns(available).get("bill_id") or (None,))[0]
    rows = df.count()
    partitions = max(2, -(-rows // chunk_rows))
    # Every row of a bill in one partition: bills are judged whole, as locally.
    df = df.repartition(partitions, bill_column) if bill_column else df.repartition(partitions)
    # the DuckDB types of the raw columns, as a partition's Arrow batch will show them
    import duckdb
    with duckdb.connect() as con:
        con.register("sample", df.limit(0).toArrow())
        available = {r[0]: str(r[1]) for r in con.sql("DESCRIBE SELECT * FROM sample").fetchall()
                     if r[0] not in ("_file_path", "_row_index")}
    token = f"{os.getpid()}-{id(catalog)}-{catalog.version_tag}"
    judged = df.mapInArrow(lambda it: _judge_partition(it, catalog, token, files, available), "kind string, payload binary")

    def chunks() -> Iterator[JudgedChunk]:
        parts: dict[str, pa.Table] = {}
        for row in judged.toLocalIterator():
            parts[row["kind"]] = _table(bytes(row["payload"]))
            if row["kind"] == "rejected":
                findings, bills, rejected = parts["findings"], parts["bills"], parts["rejected"].cast(REJECTED_SCHEMA)
                yield JudgedChunk(findings, bills, rejected, int(sum(bills.column("lines").to_pylist())) + rejected.num_rows)
                parts = {}
    return chunks()
