"""Code maps (对码表): a hospital's own item codes mapped to the priced items.

Upload → check → draft with its report → publish (or withdraw); every version is kept.  A map
without a hospital is province-wide.  A line's item is looked for in the tables first, then in
the hospital's published map, then in the province's (`validators.reference`).
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import re
from dataclasses import dataclass

from sqlmodel import Session

from price_tables.catalog import Catalog
from price_tables.export import spreadsheet_bytes
from price_tables.models import CheckIssue
from price_tables.table_file import SheetLayout, TableFileError, read_sheet
from pricing_api.errors import Conflict, FieldProblem, InvalidRequest, NotFound
from pricing_api.schemas.reference import CodeMapDetail, CodeMapPage, CodeMapSummary
from pricing_api.schemas.tables import Issue
from pricing_api.services.audit_log import record_audit
from pricing_api.storage import code_maps as stored
from pricing_api.storage.records import CodeMapRecord, id_of
from pricing_api.storage.versions import bump_reference_version

CODE_MAP_FILE = SheetLayout(
    columns={
        "hosplist_code": ("医院项目编码", "医院收费项目编码", "医院目录代码", "hosplist_code"),
        "hosplist_name": ("医院项目名称", "医院收费项目名称", "医院目录名称", "hosplist_name"),
        "hilist_code": ("医保项目编码", "医保目录代码", "国家医保编码", "hilist_code"),
        "item_code": ("项目编码", "价格项目编码", "item_code", "code"),
    },
    required=("item_code",),
    max_chars={"hosplist_code": 50, "hosplist_name": 200, "hilist_code": 50, "item_code": 40},
)
EXPORT_HEADERS = ("医院项目编码", "医院项目名称", "医保项目编码", "项目编码")
_PROVINCIAL_CODE = re.compile(r"^\d{11}$")
_FAR_NAME = 0.34  # below this similarity a local name is reported as far from the item's


@dataclass(frozen=True)
class CheckedCodeMap:
    fixmedins_code: str | None
    effective_from: dt.date
    entries: list[dict[str, str]]
    issues: list[CheckIssue]
    data: bytes
    file_name: str


def check_code_map(data: bytes, *, file_name: str, fixmedins_code: str | None, effective_from: dt.date,
                   catalog: Catalog, max_rows: int) -> CheckedCodeMap:
    """Read and check a code map file (CPU only).  A file that cannot be read, or a row without
    a 项目编码 or without any code of the hospital's, is refused (InvalidRequest, nothing
    stored); what the report finds in the mapping itself is kept with the draft."""
    try:
        raw = read_sheet(data, file_name, CODE_MAP_FILE, max_rows=max_rows)
    except TableFileError as exc:
        raise InvalidRequest(f"文件无法读取：{exc}", [FieldProblem(field="file", reason=str(exc))]) from None
    refused = [FieldProblem(field=f"file:第{number}行", reason="缺少医院项目编码和医保项目编码（至少填一个）")
               for number, row in raw.rows if not (row.get("hosplist_code") or row.get("hilist_code"))]
    if refused:
        raise InvalidRequest(f"对码表有 {len(refused)} 行没有医院的编码，未保存任何内容", refused)
    if not raw.rows:
        raise InvalidRequest("对码表没有数据行", [FieldProblem(field="file", reason="没有数据行")])
    entries = [{k: row.get(k, "") for k in ("hosplist_code", "hosplist_name", "hilist_code", "item_code")}
               for _, row in raw.rows]
    issues = [CheckIssue(level="warning", file=file_name, row=1, column=h, value=None, message="未知的列，已忽略")
              for h in raw.unknown_headers]
    issues += _mapping_report([(n, e) for (n, _), e in zip(raw.rows, entries, strict=True)], file_name, catalog)
    return CheckedCodeMap(fixmedins_code, effective_from, entries, issues, data, file_name)


def _mapping_report(rows: list[tuple[int, dict[str, str]]], file: str, catalog: Catalog) -> list[CheckIssue]:
    issues: list[CheckIssue] = []
    targets: dict[tuple[str, str], tuple[int, str]] = {}
    for number, entry in rows:
        item_code = entry["item_code"]
        for column, label in (("hosplist_code", "医院项目编码"), ("hilist_code", "医保项目编码")):
            local = entry[column]
            if not local:
                continue
            first = targets.setdefault((column, local), (number, item_code))
            if first[1] != item_code:
                issues.append(CheckIssue(level="error", file=file, row=number, column=label, value=local,
                                         message=f"同一编码对到两个项目：第{first[0]}行为 {first[1]}，本行为 {item_code}"))
        latest = catalog.latest(item_code)
        if latest is None:
            why = ("不在已加载的价格表中（形如省级项目编码，可能属于尚未上传的价格目录）"
                   if _PROVINCIAL_CODE.match(item_code) else "不在已加载的价格表中，且不是省级项目编码的格式")
            issues.append(CheckIssue(level="warning", file=file, row=number, column="项目编码", value=item_code, message=why))
        elif entry["hosplist_name"] and _similarity(entry["hosplist_name"], latest.item.name) < _FAR_NAME:
            issues.append(CheckIssue(level="warning", file=file, row=number, column="医院项目名称",
                                     value=entry["hosplist_name"],
                                     message=f"与项目 {item_code} 的名称“{latest.item.name}”相差较大，请核对是否对错"))
    return issues


def _similarity(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, re.sub(r"\W", "", a), re.sub(r"\W", "", b)).ratio()


def store_draft(session: Session, checked: CheckedCodeMap, *, actor: str) -> CodeMapDetail:
    digest = hashlib.sha256(checked.data).hexdigest()
    record = stored.add_map(session, CodeMapRecord(
        fixmedins_code=checked.fixmedins_code, effective_from=checked.effective_from, entry_count=len(checked.entries),
        file_name=checked.file_name, file_sha256=digest, file_content=checked.data,
        check_report=[i.model_dump(mode="json") for i in checked.issues], created_by=actor), checked.entries)
    record_audit(session, actor, "code_map_upload", f"code_map:{record.id}",
                 {"fixmedins_code": checked.fixmedins_code, "effective_from": str(checked.effective_from),
                  "entries": len(checked.entries), "sha256": digest, "file_name": checked.file_name})
    session.flush()
    return _detail(record)


def _detail(record: CodeMapRecord) -> CodeMapDetail:
    report = [Issue.model_validate(i) for i in record.check_report]
    publishable = record.state == "draft" and not any(i.level == "error" for i in report)
    return CodeMapDetail.of(record, publishable=publishable, check_report=report)


def _get(session: Session, map_id: int) -> CodeMapRecord:
    record = stored.get_map(session, map_id)
    if record is None:
        raise NotFound(f"没有编号为 {map_id} 的对码表")
    return record


def list_maps(session: Session) -> CodeMapPage:
    records = stored.all_maps(session)
    return CodeMapPage(code_maps=[CodeMapSummary.of(r) for r in records], total=len(records))


def map_detail(session: Session, map_id: int) -> CodeMapDetail:
    return _detail(_get(session, map_id))


def publish(session: Session, map_id: int, actor: str) -> CodeMapDetail:
    """Publish a draft: from its start date its codes resolve on every bill of its hospital
    (or, province-wide, of every hospital)."""
    order = bump_reference_version(session)  # the write lock: publishes run one after the other
    record = _get(session, map_id)
    session.refresh(record)
    if record.state != "draft":
        raise Conflict(f"对码表 {map_id} 状态为 {record.state}，只有草稿可以发布")
    if not _detail(record).publishable:
        raise Conflict(f"对码表 {map_id} 的检查报告中有错误（同一编码对到两个项目等），请修正后重新上传")
    if not stored.publish_draft(session, map_id, actor, order):
        raise Conflict(f"对码表 {map_id} 已被同时发布或撤回")
    record_audit(session, actor, "code_map_publish", f"code_map:{map_id}",
                 {"fixmedins_code": record.fixmedins_code, "effective_from": str(record.effective_from),
                  "sha256": record.file_sha256})
    session.flush()
    session.refresh(record)
    return _detail(record)


def withdraw(session: Session, map_id: int, actor: str, reason: str) -> CodeMapDetail:
    bump_reference_version(session)
    record = _get(session, map_id)
    session.refresh(record)
    if record.state == "withdrawn":
        raise Conflict(f"对码表 {map_id} 已撤回")
    previous = record.state
    stored.mark_withdrawn(session, record, actor)
    record_audit(session, actor, "code_map_withdraw", f"code_map:{map_id}",
                 {"previous_state": previous, "reason": reason, "sha256": record.file_sha256})
    session.flush()
    return _detail(record)


def export(session: Session, map_id: int, fmt: str) -> tuple[bytes, str, str]:
    """(content, file name, media type): the map back out in its upload format."""
    record = _get(session, map_id)
    rows = [[e.hosplist_code, e.hosplist_name, e.hilist_code, e.item_code]
            for e in stored.entries_of(session, [id_of(record)]).get(id_of(record), [])]
    content, media_type = spreadsheet_bytes(EXPORT_HEADERS, rows, fmt, sheet_title="对码表")
    return content, f"对码表-{record.fixmedins_code or '全省'}-{record.id}.{fmt}", media_type
