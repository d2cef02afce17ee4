"""Writing findings as they come: Parquet (every column) or CSV (the columns `pricing-api audit`
has always written, UTF-8 with BOM so Excel reads the Chinese).  Written to a temporary file
and moved into place at the end, so a failed run leaves no half file behind."""

from __future__ import annotations

import os
from pathlib import Path
from typing import BinaryIO

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from reaudit.findings import CSV_COLUMNS, PARQUET_COLUMNS


class FindingsWriter:
    def __init__(self, path: Path):
        if path.suffix.lower() not in (".csv", ".parquet"):
            raise ValueError(f"{path}: 输出文件须为 .csv 或 .parquet")
        self.path = path
        self.csv = path.suffix.lower() == ".csv"
        self._tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        self._writer: pq.ParquetWriter | pacsv.CSVWriter | None = None
        self._handle: BinaryIO | None = None

    def _open(self, schema: pa.Schema) -> None:
        if self.csv:
            handle = self._handle = self._tmp.open("wb")
            handle.write("\ufeff".encode())
            self._writer = pacsv.CSVWriter(handle, schema, write_options=pacsv.WriteOptions(quoting_style="needed"))
        else:
            self._writer = pq.ParquetWriter(self._tmp, schema, compression="zstd")

    def _columns(self, findings: pa.Table) -> pa.Table:
        if self.csv:
            return guarded(findings.select(list(CSV_COLUMNS)), _TEXT_COLUMNS)
        return findings.select(list(PARQUET_COLUMNS))

    def write(self, findings: pa.Table) -> None:
        table = self._columns(findings)
        if self._writer is None:
            self._open(table.schema)
        assert self._writer is not None
        if table.num_rows:
            self._writer.write_table(table)

    def close(self) -> None:
        if self._writer is None:
            from reaudit.findings import FINDINGS_SCHEMA
            self._open(self._columns(FINDINGS_SCHEMA.empty_table()).schema)
        assert self._writer is not None
        self._writer.close()
        if self._handle is not None:
            self._handle.close()
        os.replace(self._tmp, self.path)

    def restart(self) -> None:
        self.abort()
        self._writer, self._handle = None, None

    def abort(self) -> None:
        try:
            if self._writer is not None:
                self._writer.close()
            if self._handle is not None:
                self._handle.close()
        finally:
            self._tmp.unlink(missing_ok=True)


_TEXT_COLUMNS = ("bill_id", "line_ids", "message", "basis_document", "basis_text")
_FORMULA = r"^[=+\-@\t\r]"  # price_tables.formula_guard.TRIGGERS


def guarded(table: pa.Table, columns: tuple[str, ...]) -> pa.Table:
    """Text cells a spreadsheet would run as a formula get a leading apostrophe (as
    price_tables.formula_guard.guard does, for a whole column at once)."""
    for name in columns:
        column = table.column(name)
        risky = pc.fill_null(pc.match_substring_regex(column, _FORMULA), False)
        safe = pc.if_else(risky, pc.binary_join_element_wise("'", column, ""), column)
        table = table.set_column(table.schema.get_field_index(name), name, safe)
    return table


def rejected_path(output: Path) -> Path:
    return output.with_name(output.stem + ".rejected.csv")


def write_rejected(output: Path, parts: list[pa.Table], paths: list[Path]) -> Path:
    """Every row that could not be judged: file, row number, bill, reason."""
    table = pa.concat_tables(parts)
    files = pa.array([str(paths[i]) for i in table.column("file_no").to_pylist()], pa.string())
    table = guarded(pa.table({"file": files, "row": table.column("row_no"), "bill_id": table.column("bill_id"),
                              "reason": table.column("reason")}), ("file", "bill_id", "reason"))
    target = rejected_path(output)
    with target.open("wb") as handle:
        handle.write("\ufeff".encode())
        pacsv.write_csv(table, handle, write_options=pacsv.WriteOptions(quoting_style="needed"))
    return target
