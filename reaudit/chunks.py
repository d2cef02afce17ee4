"""For the Python engine: cutting a stream of canonical rows, sorted by bill, into chunks of
whole bills, and setting aside the bills that fail a bill-level check."""

from __future__ import annotations

from collections.abc import Iterator

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from reaudit.claims import BILL_PROBLEMS_SQL, CANONICAL_SCHEMA, REJECTED_SCHEMA


def split_problems(table: pa.Table) -> tuple[pa.Table, pa.Table]:
    """(readable rows in the canonical schema, rejected rows with their reasons)."""
    bad = pc.fill_null(table.column("bad"), False)
    good = table.filter(pc.invert(bad)).select(CANONICAL_SCHEMA.names).cast(CANONICAL_SCHEMA)
    rejected = table.filter(bad)
    reasons = pc.binary_join(rejected.column("problems"), "；")
    return good, pa.table([rejected.column("file_no"), rejected.column("row_no"), rejected.column("bill_id"), reasons],
                          schema=REJECTED_SCHEMA)


def whole_bills(tables: Iterator[pa.Table], chunk_rows: int) -> Iterator[pa.Table]:
    """Chunks of about `chunk_rows` rows, each holding every row of its bills (cut where the
    bill id changes: the stream must keep a bill's rows together)."""
    pending: list[pa.Table] = []
    pending_rows = 0
    for table in tables:
        if table.num_rows == 0:
            continue
        pending.append(table)
        pending_rows += table.num_rows
        if pending_rows < chunk_rows:
            continue
        whole = pa.concat_tables(pending)
        ids = whole.column("bill_id")
        others = pc.indices_nonzero(pc.not_equal(ids, ids[-1]))
        if len(others) == 0:  # one bill so far: keep reading
            pending = [whole]
            continue
        cut = others[-1].as_py() + 1
        yield whole.slice(0, cut)
        pending = [whole.slice(cut)]
        pending_rows = pending[0].num_rows
    if pending_rows:
        yield pa.concat_tables(pending)


def reject_bad_bills(con: duckdb.DuckDBPyConnection, chunk: pa.Table) -> tuple[pa.Table, pa.Table]:
    """(rows of bills that pass the Bill model's checks, every row of those that do not)."""
    con.register("chunk_rows", chunk)
    try:
        bad = con.sql(BILL_PROBLEMS_SQL.format(rows="chunk_rows")).to_arrow_table()
        if isinstance(bad, pa.RecordBatchReader):
            bad = bad.read_all()
        if bad.num_rows == 0:
            return chunk, REJECTED_SCHEMA.empty_table()
        con.register("bad_bills", bad)
        rejected = con.sql("SELECT r.file_no, r.row_no, r.bill_id, b.reason FROM chunk_rows r JOIN bad_bills b "
                           "USING (bill_id) ORDER BY r.file_no, r.row_no").to_arrow_table()
        con.unregister("bad_bills")
    finally:
        con.unregister("chunk_rows")
    if isinstance(rejected, pa.RecordBatchReader):
        rejected = rejected.read_all()
    keep = pc.invert(pc.is_in(chunk.column("bill_id"), value_set=bad.column("bill_id")))
    assert rejected is not None
    return chunk.filter(keep), rejected.cast(REJECTED_SCHEMA)
