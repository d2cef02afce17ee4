"""Reading claim files — Parquet, CSV (UTF-8 or GB18030) and NDJSON (nested bills or flat
rows) — as one view of canonical rows, `lines` (`open_lines`), each with whether it can be
judged and why not.  DuckDB reads Parquet where it lies (every scan streams it); CSV and NDJSON
are loaded once into temporary tables (NDJSON line by line in Python, so a line that is not
JSON is one reported row, not a failed run).
"""

from __future__ import annotations

import codecs
import json
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa
from pydantic import ValidationError

from reaudit.claims import COLUMN_NAMES, COLUMNS, canonical_sql
from validators.bill import Bill

_NDJSON_BATCH = 50_000
LINE_FIELDS = ("line_id", "code", "hilist_code", "hosplist_code", "name", "service_date", "quantity", "unit", "unit_price",
               "amount", "duration_hours", "course_id", "session_id", "body_site", "consent_signed", "purchase_price",
               "main_line_id", "category", "material_code")
"""The fields of a bill line (validators.bill.BillLine) a flat row carries."""


@dataclass
class ClaimFile:
    path: Path
    file_no: int
    kind: str  # parquet | csv | ndjson-flat | ndjson-bills
    encoding: str = "utf-8"
    unreadable: list[dict] = field(default_factory=list)  # rows rejected before typing (file_no, row_no, reason)


def sniff(path: Path, file_no: int) -> ClaimFile:
    """What kind of claim file this is, by its name and first bytes."""
    suffix = path.suffix.lower()
    if suffix in (".parquet", ".pq"):
        return ClaimFile(path, file_no, "parquet")
    if suffix in (".csv", ".txt"):
        return ClaimFile(path, file_no, "csv", _encoding(path))
    if suffix in (".ndjson", ".jsonl", ".json"):
        with path.open(encoding="utf-8-sig", errors="replace") as handle:
            for raw in handle:
                if raw.strip():
                    try:
                        first = json.loads(raw)
                    except ValueError:
                        continue
                    nested = isinstance(first, dict) and "lines" in first
                    return ClaimFile(path, file_no, "ndjson-bills" if nested else "ndjson-flat")
        return ClaimFile(path, file_no, "ndjson-flat")
    raise ValueError(f"{path}: 不支持的文件类型（可用 .parquet、.csv、.ndjson/.jsonl）")


def _encoding(path: Path) -> str:
    """UTF-8 (with or without BOM) when the file decodes as UTF-8, else GB18030 (what Excel saves)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    with path.open("rb") as handle:
        try:
            while block := handle.read(1 << 20):
                decoder.decode(block)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "gb18030"
    return "utf-8"


def _utf8_copy(path: Path, encoding: str, workdir: Path) -> Path:
    """DuckDB reads UTF-8 only: a GB18030 file is transcoded once, in blocks."""
    target = workdir / (path.stem + ".utf8.csv")
    with path.open(encoding=encoding, newline="") as source, target.open("w", encoding="utf-8", newline="") as out:
        while block := source.read(1 << 20):
            out.write(block)
    return target


def _columns(con: duckdb.DuckDBPyConnection, source: str) -> dict[str, str]:
    return {row[0]: str(row[1]) for row in con.sql(f"DESCRIBE SELECT * FROM {source}").fetchall()}


def _literal(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def _source(con: duckdb.DuckDBPyConnection, claim: ClaimFile, workdir: Path) -> str:
    """SELECT of the canonical rows of one file."""
    if claim.kind == "parquet":
        source = f"read_parquet({_literal(claim.path)}, file_row_number = true)"
        available = {k: v for k, v in _columns(con, source).items() if k != "file_row_number"}
        return canonical_sql(source, available, claim.file_no, "file_row_number + 1", trim=False)
    table = f"claims_{claim.file_no}"
    if claim.kind == "csv":
        path = claim.path if claim.encoding == "utf-8" else _utf8_copy(claim.path, claim.encoding, workdir)
        # Every cell as text: codes keep their leading zeros, and typing is ours, row by row.
        reader = (f"read_csv({_literal(path)}, header = true, all_varchar = true, ignore_errors = true, "
                  f"store_rejects = true, rejects_table = 'rejects_{claim.file_no}', "
                  f"rejects_scan = 'scans_{claim.file_no}')")
        # numbered in the file's order, once (the scans that follow may go in any order)
        con.execute("SET preserve_insertion_order = true")
        con.execute(f"CREATE OR REPLACE TABLE {table} AS SELECT *, row_number() OVER () AS _row FROM {reader}")
        con.execute("SET preserve_insertion_order = false")
        claim.unreadable.extend(csv_rejects(con, claim))
        available = {k: v for k, v in _columns(con, table).items() if k != "_row"}
        return canonical_sql(table, available, claim.file_no, "_row")
    available = _load_ndjson(con, claim, table)
    return canonical_sql(table, available, claim.file_no, "_row", read_problem="_problem")


def open_lines(con: duckdb.DuckDBPyConnection, paths: list[Path], workdir: Path) -> list[ClaimFile]:
    """Create the view `lines`: the canonical rows (`reaudit.claims.canonical_sql`) of every file,
    numbered by file and row.  A directory stands for the Parquet files in it."""
    files = [f for path in paths for f in (sorted(path.rglob("*.parquet")) if path.is_dir() else [path])]
    claims = [sniff(path, i) for i, path in enumerate(files)]
    parts = [_source(con, claim, workdir) for claim in claims]
    con.execute("CREATE OR REPLACE VIEW lines AS " + "\nUNION ALL\n".join(parts))
    return claims


def csv_rejects(con: duckdb.DuckDBPyConnection, claim: ClaimFile) -> list[dict]:
    """CSV lines DuckDB could not split into the header's columns, with their line numbers."""
    try:
        rows = con.execute(f"SELECT line, error_message FROM rejects_{claim.file_no} ORDER BY line").fetchall()
    except duckdb.CatalogException:
        return []
    return [{"file_no": claim.file_no, "row_no": line, "bill_id": None, "reason": f"CSV 第{line}行无法读取：{message}"}
            for line, message in rows]


def _load_ndjson(con: duckdb.DuckDBPyConnection, claim: ClaimFile, table: str) -> dict[str, str]:
    """The rows of an NDJSON file as text cells in table `table` (with `_row`, and `_problem`
    for a line that could not be read at all); returns the columns found."""
    names: set[str] = set()
    batches: list[list[dict]] = []
    raw_rows: list[dict] = []
    for number, text in _lines(claim.path):
        if claim.kind == "ndjson-bills":
            raw_rows.extend(_bill_rows(text, number))
        else:
            raw_rows.append(_flat_row(text, number))
        if len(raw_rows) >= _NDJSON_BATCH:
            batches.append(raw_rows)
            names.update(k for row in raw_rows for k in row)
            raw_rows = []
    batches.append(raw_rows)
    names.update(k for row in raw_rows for k in row)
    columns = sorted(n for n in names - {"_row", "_problem"} if n.lower() in _KNOWN)
    schema = pa.schema([*((n, pa.string()) for n in columns), ("_row", pa.int64()), ("_problem", pa.string())])
    con.execute(f"CREATE OR REPLACE TABLE {table} ({', '.join(f'{_quote(n)} VARCHAR' for n in columns)}"
                f"{', ' if columns else ''}_row BIGINT, _problem VARCHAR)")
    for rows in batches:
        arrow = pa.table({**{n: pa.array([_text(r.get(n)) for r in rows], pa.string()) for n in columns},
                          "_row": pa.array([r["_row"] for r in rows], pa.int64()),
                          "_problem": pa.array([r.get("_problem") for r in rows], pa.string())}, schema=schema)
        con.register("ndjson_batch", arrow)
        con.execute(f"INSERT INTO {table} SELECT * FROM ndjson_batch")
        con.unregister("ndjson_batch")
    return {name: "VARCHAR" for name in columns}


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lines(path: Path) -> Iterator[tuple[int, str]]:
    with path.open(encoding="utf-8-sig", errors="replace") as handle:
        for number, text in enumerate(handle, start=1):
            if text.strip():
                yield number, text


def _text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _flat_row(text: str, number: int) -> dict:
    try:
        data = json.loads(text)
        if not isinstance(data, dict):
            raise ValueError("不是 JSON 对象")
    except ValueError as exc:
        return {"_row": number, "_problem": f"第{number}行不是有效的 JSON：{exc}"}
    row = {key.lower(): _text(value) for key, value in data.items()}
    problem = None
    for key in ("code", "hilist_code"):
        if isinstance(data.get(key), int):
            problem = f"{key}: 项目编码应为字符串，不能是数字"
    return {**row, "_row": number, "_problem": problem}


def _bill_rows(text: str, number: int) -> list[dict]:
    """A nested bill (the validate request body) as flat rows; an invalid bill is one bad row,
    judged by the API's own model so its reasons read the same."""
    try:
        data = json.loads(text)
        # A batch file may put the hospital's code beside the bill rather than in `hospital`.
        beside = data.pop("fixmedins_code", None) if isinstance(data, dict) else None
        if beside is not None and isinstance(data.get("hospital"), dict):
            data["hospital"].setdefault("fixmedins_code", beside)
        bill = Bill.model_validate(data)
    except (ValueError, ValidationError, AttributeError) as exc:
        return [{"_row": number, "_problem": f"第{number}行：{_reason(exc)}"}]
    grade = bill.hospital.grade
    head = {"bill_id": bill.bill_id, "hospital_grade": grade.value if grade else None,
            "fixmedins_code": bill.hospital.fixmedins_code, "birth_date": bill.patient.birth_date.isoformat(),
            "sex": bill.patient.sex, "encounter_type": bill.encounter.type,
            "admitted_on": _text(bill.encounter.admitted_on), "discharged_on": _text(bill.encounter.discharged_on)}
    rows = []
    # One row number per line of the bill, in the order sent (history first, as the engine reads it).
    for k, (line, history) in enumerate([(ln, True) for ln in bill.history] + [(ln, False) for ln in bill.lines]):
        rows.append({**head, **{name: _text(getattr(line, name)) for name in LINE_FIELDS},
                     "history": "true" if history else "false", "_row": number * 100_000 + k, "_problem": None})
    return rows


def _reason(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "；".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()[:5])
    return str(exc)


_KNOWN = {name.lower() for name in COLUMN_NAMES} | {alias for column in COLUMNS for alias in column.aliases} | {
    "hilist_type", "chrg_type"}


def workdir() -> tempfile.TemporaryDirectory:
    return tempfile.TemporaryDirectory(prefix="reaudit-")


def bills_table(bills: list[dict], file_no: int = 0) -> pa.Table:
    """Canonical rows (with `bad` and `problems`) of nested bills given as the validate request
    body, in the order sent (for tests and small callers)."""
    with duckdb.connect() as con, workdir() as tmp:
        path = Path(tmp) / "bills.ndjson"
        path.write_text("\n".join(json.dumps(b, ensure_ascii=False) for b in bills) + "\n", encoding="utf-8")
        claim = ClaimFile(path, file_no, "ndjson-bills")
        sql = _source(con, claim, Path(tmp))
        table = con.sql(f"SELECT * FROM ({sql}) ORDER BY row_no").to_arrow_table()
    return table.read_all() if isinstance(table, pa.RecordBatchReader) else table
