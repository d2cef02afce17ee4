"""Writing the findings from the job's `findings` table with DuckDB's COPY, sorted: Parquet
(every column) or CSV (the columns `pricing-api audit` has always written, UTF-8 with BOM so
Excel reads the Chinese, cells a spreadsheet would run as a formula guarded).  Written to a
temporary file and moved into place, so a failed run leaves no half file behind."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import duckdb

from reaudit.findings import CSV_COLUMNS, ORDER, PARQUET_COLUMNS

_TEXT_COLUMNS = ("bill_id", "line_ids", "message", "basis_document", "basis_text")
# price_tables.formula_guard.TRIGGERS
_FORMULA_STARTS = "('=', '+', '-', '@', chr(9), chr(13))"
_BOM = "\ufeff".encode()


def check_output(path: Path) -> None:
    if path.suffix.lower() not in (".csv", ".parquet"):
        raise ValueError(f"{path}: 输出文件须为 .csv 或 .parquet")


def _guarded(column: str) -> str:
    """A text cell a spreadsheet would run as a formula gets a leading apostrophe (as
    price_tables.formula_guard.guard does)."""
    return f"CASE WHEN left({column}, 1) IN {_FORMULA_STARTS} THEN '''' || {column} ELSE {column} END AS {column}"


def _literal(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def _csv(con: duckdb.DuckDBPyConnection, select: str, target: Path) -> None:
    """COPY to CSV, then the BOM in front (DuckDB writes no BOM)."""
    body = target.with_name(target.name + ".body")
    try:
        con.execute(f"COPY ({select}) TO {_literal(body)} (FORMAT csv, HEADER)")
        with target.open("wb") as out, body.open("rb") as source:
            out.write(_BOM)
            shutil.copyfileobj(source, out, 1 << 20)
    finally:
        body.unlink(missing_ok=True)


def write_findings(con: duckdb.DuckDBPyConnection, output: Path) -> None:
    check_output(output)
    tmp = output.with_name(f".{output.name}.{os.getpid()}.tmp")
    order = ", ".join(ORDER)
    try:
        if output.suffix.lower() == ".csv":
            columns = ", ".join(_guarded(c) if c in _TEXT_COLUMNS else c for c in CSV_COLUMNS)
            _csv(con, f"SELECT {columns} FROM findings ORDER BY {order}", tmp)
        else:
            con.execute(f"COPY (SELECT {', '.join(PARQUET_COLUMNS)} FROM findings ORDER BY {order}) "
                        f"TO {_literal(tmp)} (FORMAT parquet, COMPRESSION zstd)")
        os.replace(tmp, output)
    finally:
        tmp.unlink(missing_ok=True)


def rejected_path(output: Path) -> Path:
    return output.with_name(output.stem + ".rejected.csv")


def write_rejected(con: duckdb.DuckDBPyConnection, output: Path, paths: list[Path]) -> Path:
    """Every row that could not be judged: file, row number, bill, reason."""
    con.execute("CREATE OR REPLACE TABLE file_names (file_no INTEGER, file VARCHAR)")
    con.executemany("INSERT INTO file_names VALUES (?, ?)", [(i, str(p)) for i, p in enumerate(paths)])
    target = rejected_path(output)
    _csv(con, f"""SELECT {_guarded('file')}, row_no AS row, {_guarded('bill_id')}, {_guarded('reason')}
        FROM (SELECT r.*, f.file FROM rejected_rows r LEFT JOIN file_names f USING (file_no)) ORDER BY file_no, row_no""",
         target)
    return target
