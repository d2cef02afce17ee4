"""Starting an audit run: the claims file received (streamed to disk, hashed, size-checked), a
hospital's 费用明细 (a workbook, or a CSV whose header is not the flat format's) turned into flat
rows, the run recorded, the file put in its place."""

from __future__ import annotations

import csv
import hashlib
import io
import os
import uuid
from dataclasses import dataclass
from pathlib import Path

from sqlmodel import Session
from starlette.datastructures import UploadFile

from price_tables.table_file import TableFileError, read_cells
from pricing_api.errors import FieldProblem, InvalidRequest, PayloadTooLarge
from pricing_api.schemas.audits import AuditRunOut
from pricing_api.services.audit_log import record_audit
from pricing_api.services.audits import run_out
from pricing_api.storage import audits as stored
from pricing_api.storage.records import AuditRunRecord, id_of
from reaudit.claims import COLUMN_NAMES, resolve_columns
from reaudit.expense_sheet import SheetLayoutError, fee_rows, recognise

#: What `reaudit` reads (by name), and the 费用明细 workbooks turned into its flat rows here.
CLAIM_SUFFIXES = (".csv", ".txt", ".parquet", ".pq", ".ndjson", ".jsonl", ".json")
SHEET_SUFFIXES = (".xlsx",)
_TEXT_SUFFIXES = (".csv", ".txt")  # flat claims, or a 费用明细 exported as CSV
ENGINES = ("duckdb", "python")
_SHEET_ROWS = 1_000_000


@dataclass(frozen=True)
class ReceivedFile:
    path: Path
    name: str
    sha256: str
    size: int


async def receive(upload: UploadFile, directory: Path, limit: int) -> ReceivedFile:
    """Stream the upload to a new file under `directory`, hashing as it goes; refused past
    `limit` bytes or with a type no reader takes (nothing is left behind)."""
    name = Path(upload.filename or "claims").name[:200] or "claims"
    suffix = Path(name).suffix.lower()
    if suffix not in CLAIM_SUFFIXES + SHEET_SUFFIXES:
        raise InvalidRequest("不支持的文件类型", [FieldProblem(
            field="file", reason="可用 .csv（UTF-8 或 GB18030）、.parquet、.ndjson/.jsonl，或费用明细 .xlsx")])
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f".incoming-{uuid.uuid4().hex}{suffix}"
    digest, size = hashlib.sha256(), 0
    try:
        with path.open("wb") as out:
            while chunk := await upload.read(1024 * 1024):
                size += len(chunk)
                if size > limit:
                    raise PayloadTooLarge(f"文件过大：上限 {limit} 字节")
                digest.update(chunk)
                out.write(chunk)
        if size == 0:
            raise InvalidRequest("文件为空", [FieldProblem(field="file", reason="没有内容")])
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return ReceivedFile(path, name, digest.hexdigest(), size)


def claims_of(received: ReceivedFile, remembered: dict[str, str], *, grade: str | None,
              fixmedins_code: str | None) -> Path:
    """The file `reaudit` reads: the received one, or — for a 费用明细 workbook — its fee lines as
    a flat CSV beside it (the headers placed by their common names and what this hospital's
    earlier files taught; a header nobody can place is refused, naming it)."""
    suffix = received.path.suffix.lower()
    if suffix not in SHEET_SUFFIXES and not (suffix in _TEXT_SUFFIXES and not _flat_header(received.path)):
        return received.path
    try:
        cells = read_cells(received.path.read_bytes(), received.name, max_rows=_SHEET_ROWS)
        layout = recognise(cells, remembered)
    except (TableFileError, SheetLayoutError) as exc:
        if suffix in _TEXT_SUFFIXES:  # neither flat claims nor a 费用明细: its rows are reported by reaudit
            return received.path
        raise InvalidRequest(str(exc), [FieldProblem(field="file", reason=str(exc))]) from None
    if not layout.complete:
        what = "、".join([*(f"列“{h}”" for h in layout.unplaced), *layout.missing])
        raise InvalidRequest("费用明细的列无法全部识别：请先在“收费审核”页用该医院的文件确认一次列的对应，再发起审核",
                             [FieldProblem(field="file", reason=f"未识别：{what}")])
    defaults = {k: v for k, v in (("hospital_grade", grade), ("fixmedins_code", fixmedins_code)) if v}
    rows = fee_rows(cells, layout, defaults).rows
    target = converted_path(received)
    with target.open("w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=[c for c in COLUMN_NAMES if any(c in row for _, row in rows)],
                                extrasaction="ignore")
        writer.writeheader()
        writer.writerows(row for _, row in rows)
    return target


def converted_path(received: ReceivedFile) -> Path:
    """Where a 费用明细's flat rows are written, beside the file received."""
    return received.path.with_name(received.path.stem + ".flat.csv")


def _flat_header(path: Path) -> bool:
    """Whether a text file's first row names the flat claim format's columns (a bill id and an
    item code, by their English or national names) — else it may be a HIS's 费用明细 export,
    whose Chinese headers may sit under title rows."""
    with path.open("rb") as raw:
        head = raw.read(64 * 1024)
    text = ""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = head.decode(encoding)
            break
        except UnicodeDecodeError as exc:
            if exc.start >= len(head) - 4:  # a character cut by the 64 KiB read
                text = head[:exc.start].decode(encoding, errors="ignore")
                break
    first = next(csv.reader(io.StringIO(text.partition("\n")[0])), [])
    found = resolve_columns({name.strip(): "VARCHAR" for name in first})
    return found["bill_id"] is not None and any(found[c] for c in ("code", "hilist_code", "hosplist_code"))


def create_run(session: Session, *, title: str, received: ReceivedFile, engine: str, actor: str) -> AuditRunOut:
    """The run recorded (queued) and its start in the audit log; the run as answered."""
    run = stored.add_run(session, AuditRunRecord(title=title, source_name=received.name, source_sha256=received.sha256,
                                                 source_bytes=received.size, engine=engine, created_by=actor,
                                                 stage="排队中"))
    record_audit(session, actor, "start_audit_run", f"audit_run:{id_of(run)}",
                 {"file": received.name, "sha256": received.sha256, "bytes": received.size, "engine": engine})
    return run_out(run)


def place(files: list[Path], directory: Path, run_id: int) -> list[Path]:
    """Move a run's files into its own folder (run-<id>/), keeping their suffixes."""
    target = directory / f"run-{run_id}"
    target.mkdir(parents=True, exist_ok=True)
    placed = []
    for number, path in enumerate(files, start=1):
        destination = target / f"claims-{number}{path.suffix.lower()}"
        os.replace(path, destination)
        placed.append(destination)
    return placed
