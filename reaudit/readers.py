"""Reading claim files — Parquet, CSV (UTF-8 or GB18030) and NDJSON (nested bills or flat
rows) — into one stream of canonical rows, each with the problems that keep it from being
judged.  DuckDB reads Parquet and CSV (streamed, never loaded whole); NDJSON is parsed line by
line, so a line that is not JSON is one reported row, not a failed run."""

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

from reaudit.claims import COLUMN_NAMES, canonical_sql
from validators.bill import Bill

_NDJSON_BATCH = 50_000


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


def source_sql(con: duckdb.DuckDBPyConnection, claim: ClaimFile, workdir: Path) -> str:
    """SELECT of the canonical rows of one Parquet or CSV file, with `problems` per row."""
    if claim.kind == "parquet":
        source = f"read_parquet({_literal(claim.path)}, file_row_number = true)"
        available = {k: v for k, v in _columns(con, source).items() if k != "file_row_number"}
        return canonical_sql(source, available, claim.file_no, "file_row_number + 1")
    path = claim.path if claim.encoding == "utf-8" else _utf8_copy(claim.path, claim.encoding, workdir)
    # Every cell as text: codes keep their leading zeros, and typing is ours, row by row.
    reader = (f"read_csv({_literal(path)}, header = true, all_varchar = true, ignore_errors = true, "
              f"store_rejects = true, rejects_table = 'rejects_{claim.file_no}', rejects_scan = 'scans_{claim.file_no}')")
    available = _columns(con, reader)
    source = f"(SELECT *, row_number() OVER () AS _row FROM {reader})"
    return canonical_sql(source, available, claim.file_no, "_row")


def csv_rejects(con: duckdb.DuckDBPyConnection, claim: ClaimFile) -> list[dict]:
    """CSV lines DuckDB could not split into the header's columns, with their line numbers."""
    try:
        rows = con.execute(f"SELECT line, error_message FROM rejects_{claim.file_no} ORDER BY line").fetchall()
    except duckdb.CatalogException:
        return []
    return [{"file_no": claim.file_no, "row_no": line, "bill_id": None, "reason": f"CSV 第{line}行无法读取：{message}"}
            for line, message in rows]


def ndjson_tables(con: duckdb.DuckDBPyConnection, claim: ClaimFile) -> Iterator[pa.Table]:
    """Canonical rows of an NDJSON file in batches; unreadable lines become rows with a problem."""
    raw_rows: list[dict] = []
    for number, text in _lines(claim.path):
        if claim.kind == "ndjson-bills":
            raw_rows.extend(_bill_rows(text, number))
        else:
            raw_rows.append(_flat_row(text, number))
        if len(raw_rows) >= _NDJSON_BATCH:
            yield _typed(con, raw_rows, claim.file_no)
            raw_rows = []
    if raw_rows:
        yield _typed(con, raw_rows, claim.file_no)


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
        # The hospital's code may stand beside the bill in a batch file; the bill model knows no such field.
        hospital_code = data.pop("fixmedins_code", None) if isinstance(data, dict) else None
        if isinstance(data, dict) and isinstance(data.get("hospital"), dict):
            hospital_code = data["hospital"].pop("fixmedins_code", None) or hospital_code
        bill = Bill.model_validate(data)
    except (ValueError, ValidationError) as exc:
        return [{"_row": number, "_problem": f"第{number}行：{_reason(exc)}"}]
    head = {"bill_id": bill.bill_id, "hospital_grade": bill.hospital.grade.value, "fixmedins_code": _text(hospital_code),
            "birth_date": bill.patient.birth_date.isoformat(), "sex": bill.patient.sex,
            "encounter_type": bill.encounter.type, "admitted_on": _text(bill.encounter.admitted_on),
            "discharged_on": _text(bill.encounter.discharged_on)}
    rows = []
    # One row number per line of the bill, in the order sent (history first, as the engine reads it).
    for k, (line, history) in enumerate([(ln, True) for ln in bill.history] + [(ln, False) for ln in bill.lines]):
        rows.append({**head, **{name: _text(getattr(line, name)) for name in (
            "line_id", "code", "name", "service_date", "quantity", "unit", "unit_price", "amount", "duration_hours",
            "course_id", "session_id", "body_site", "consent_signed", "purchase_price", "main_line_id", "category",
            "material_code")},
            "history": "true" if history else "false", "_row": number * 100_000 + k, "_problem": None})
    return rows


def _reason(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "；".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()[:5])
    return str(exc)


def _typed(con: duckdb.DuckDBPyConnection, rows: list[dict], file_no: int) -> pa.Table:
    names = sorted({key for row in rows for key in row} - {"_row", "_problem"})
    table = pa.table({**{name: pa.array([_text(r.get(name)) for r in rows], pa.string()) for name in names},
                      "_row": pa.array([r["_row"] for r in rows], pa.int64()),
                      "_problem": pa.array([r.get("_problem") for r in rows], pa.string())})
    cursor = con.cursor()
    cursor.register("ndjson_rows", table)
    available = {name: "VARCHAR" for name in names if name.lower() in _KNOWN}
    sql = canonical_sql("ndjson_rows", available, file_no, "_row", read_problem="_problem")
    result = cursor.sql(sql).to_arrow_table()
    cursor.close()
    return result.read_all() if isinstance(result, pa.RecordBatchReader) else result


_KNOWN = {name.lower() for name in COLUMN_NAMES} | {
    alias for alias in ("mdtrt_id", "setl_id", "medins_id", "grade", "brdy", "gend", "med_mdtrt_type", "adm_date",
                        "dscg_date", "rx_id", "hilist_name", "drord_begn_date", "cnt", "pric", "sumamt")}


def stream(con: duckdb.DuckDBPyConnection, claims: list[ClaimFile], workdir: Path, batch_rows: int,
           ordered_by_bill: bool = False) -> Iterator[pa.Table]:
    """Canonical rows (with `problems`) of every file in turn, in batches of about `batch_rows`.

    `ordered_by_bill`: each file sorted by bill id (for files whose bills are not contiguous)."""
    for claim in claims:
        if claim.kind.startswith("ndjson"):
            tables = ndjson_tables(con, claim)
            if ordered_by_bill:
                tables = iter([_sorted(pa.concat_tables(list(tables)))])
            yield from tables
            continue
        sql = source_sql(con, claim, workdir)
        if ordered_by_bill:
            sql = f"SELECT * FROM ({sql}) ORDER BY bill_id NULLS FIRST, row_no"
        reader = con.sql(sql).to_arrow_reader(batch_rows)
        for batch in reader:
            yield pa.Table.from_batches([batch])
        if claim.kind == "csv":
            claim.unreadable.extend(csv_rejects(con, claim))


def _sorted(table: pa.Table) -> pa.Table:
    return table.sort_by([("bill_id", "ascending"), ("row_no", "ascending")])


def workdir() -> tempfile.TemporaryDirectory:
    return tempfile.TemporaryDirectory(prefix="reaudit-")


def bills_table(bills: list[dict], file_no: int = 0) -> pa.Table:
    """Canonical rows (with `problems`) of nested bills given as the validate request body."""
    rows = [row for number, bill in enumerate(bills, start=1) for row in _bill_rows(json.dumps(bill, ensure_ascii=False), number)]
    with duckdb.connect() as con:
        return _typed(con, rows, file_no)
