"""The tables an engine fills in the job's DuckDB connection — `findings` (FINDINGS_SCHEMA),
`bill_results` (BILLS_SCHEMA) and `rejected_rows` (REJECTED_SCHEMA) — so that writing and
summarising never ask which engine ran."""

from __future__ import annotations

import duckdb
import pyarrow as pa

from reaudit.claims import REJECTED_SCHEMA
from reaudit.findings import BILLS_SCHEMA, FINDINGS_SCHEMA

SCHEMAS = {"findings": FINDINGS_SCHEMA, "bill_results": BILLS_SCHEMA, "rejected_rows": REJECTED_SCHEMA}


def create(con: duckdb.DuckDBPyConnection, *names: str) -> None:
    """Empty tables of these names (all three by default), typed by their Arrow schemas."""
    for name in names or tuple(SCHEMAS):
        con.register("_empty", SCHEMAS[name].empty_table())
        con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM _empty")
        con.unregister("_empty")


def insert(con: duckdb.DuckDBPyConnection, name: str, table: pa.Table) -> None:
    if table.num_rows:
        con.register("_rows", table.select(SCHEMAS[name].names).cast(SCHEMAS[name]))
        con.execute(f"INSERT INTO {name} SELECT * FROM _rows")
        con.unregister("_rows")


def fetch(con: duckdb.DuckDBPyConnection, name: str) -> pa.Table:
    """A table as Arrow, in its schema (without the engine's working columns)."""
    table = con.sql(f"SELECT {', '.join(SCHEMAS[name].names)} FROM {name}").to_arrow_table()
    if isinstance(table, pa.RecordBatchReader):
        table = table.read_all()
    return table.cast(SCHEMAS[name])
