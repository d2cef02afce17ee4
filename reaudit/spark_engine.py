"""Spark, for claims beyond one machine: the rows are repartitioned by bill, and each partition
is judged by the DuckDB engine inside `mapInArrow` — the same compiled SQL, the same fallback,
the same canonical reading, so findings are identical to the local engines' by construction.

The driver streams the judged partitions back one at a time (`toLocalIterator`) into the job's
tables, written and summarised as a local run's.  Price tables come from the driver (the database or
--bundled) and travel to the executors with the task, compiled once per Python worker.
"""

from __future__ import annotations

import io
import os
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import pyarrow as pa

from price_tables.catalog import Catalog
from reaudit.claims import canonical_sql, resolve_columns
from validators.reference import NO_REFERENCE, ReferenceData

if TYPE_CHECKING:
    from reaudit.duckdb_engine import DuckDBEngine

_ENGINES: dict[str, DuckDBEngine] = {}  # per Python worker: the compiled engine of a catalog
_KINDS = ("findings", "bill_results", "rejected_rows")


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


def _judge_partition(batches: Iterator[pa.RecordBatch], catalog: Catalog, reference: ReferenceData, token: str,
                     files: list[str], available: dict[str, str]) -> Iterator[pa.RecordBatch]:
    """One partition: its raw rows as the view `lines`, judged by the DuckDB engine."""
    from reaudit import results
    from reaudit.duckdb_engine import DuckDBEngine
    from reaudit.job import connect

    received = list(batches)
    raw = pa.Table.from_batches(received) if received else None
    if raw is None or raw.num_rows == 0:
        return
    engine = _ENGINES.get(token)
    if engine is None:  # compiled once per worker process, not once per task
        engine = _ENGINES[token] = DuckDBEngine(catalog, connect(threads=1), reference=reference)
    con = engine.con
    con.register("_partition", raw)
    con.execute("CREATE OR REPLACE TABLE partition_rows AS SELECT * FROM _partition")
    con.unregister("_partition")
    file_map = ", ".join(f"'{f.replace(chr(39), chr(39) * 2)}': {i}" for i, f in enumerate(files))
    # each row's file by its path, as Spark spells it in the data (file:/x) and in the listing (file:///x)
    file_no = (f"coalesce(MAP {{{file_map}}}[regexp_replace(_file_path, '^file:/*', '/')], "
               f"error('a row of a file Spark did not list: ' || _file_path))")
    # Parquet, as locally: strings as written
    con.execute("CREATE OR REPLACE VIEW lines AS " + canonical_sql(
        "partition_rows", available, file_no, "_row_index + 1", trim=False))
    engine.audit()
    payloads = [_ipc(results.fetch(con, name)) for name in _KINDS]
    con.execute("DROP TABLE partition_rows")
    yield pa.RecordBatch.from_pydict({"kind": list(_KINDS), "payload": payloads})


def run_spark(con: duckdb.DuckDBPyConnection, paths: list[Path], catalog: Catalog,
              reference: ReferenceData = NO_REFERENCE, master: str | None = None, chunk_rows: int = 1 << 20,
              progress: bool = False) -> list[Path]:
    """Judge the Parquet files or directories in `paths` on Spark, partition by partition, into
    the job's tables (`reaudit.results`) in `con`; returns the files read."""
    from pyspark.sql import functions as F
    from tqdm import tqdm

    from reaudit import results

    spark = spark_session(master)
    # files of a lake may carry different columns (an older export without the newer ones)
    df = spark.read.option("mergeSchema", "true").parquet(*(str(p) for p in paths))
    files = sorted(re.sub(r"^file:/*", "/", f) for f in df.inputFiles())
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
    import duckdb as local
    with local.connect() as probe:
        probe.register("sample", df.limit(0).toArrow())
        available = {r[0]: str(r[1]) for r in probe.sql("DESCRIBE SELECT * FROM sample").fetchall()
                     if r[0] not in ("_file_path", "_row_index")}
    token = f"{os.getpid()}-{id(catalog)}-{catalog.version_tag}-{id(reference)}-{reference.version_tag}"
    judged = df.mapInArrow(lambda it: _judge_partition(it, catalog, reference, token, files, available),
                           "kind string, payload binary")
    results.create(con)
    with tqdm(total=partitions, unit="partition", disable=not progress, desc="re-audit") as bar:
        for row in judged.toLocalIterator():
            results.insert(con, row["kind"], _table(bytes(row["payload"])))
            if row["kind"] == _KINDS[-1]:
                bar.update(1)
    return [Path(f) for f in files]
