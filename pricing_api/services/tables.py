"""Revised tables: upload → check → draft with its diff → publish (or withdraw), history kept.

Each function is one step of a unit of work: it flushes, the caller commits, so a failure
anywhere leaves the database as it was.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from sqlmodel import Session

from price_tables.catalog import Catalog
from price_tables.diff import diff_notice
from price_tables.export import to_csv, to_xlsx
from price_tables.loader import check_table
from price_tables.models import CheckIssue, ChildMarkupPolicy, Notice, NoticeMeta
from price_tables.table_file import TableFileError, read_table
from pricing_api.errors import Conflict, FieldProblem, InvalidRequest, NotFound, PayloadTooLarge
from pricing_api.schemas.tables import DiffOut, DiffSummary, Issue, TableDetail, TablePage, TableSummary
from pricing_api.services.audit_log import record_audit
from pricing_api.storage import notices as stored
from pricing_api.storage.records import NoticeRecord, id_of
from pricing_api.storage.versions import bump_catalog_version

#: Rules a notice implies without printing (sex by the item's nature, what a 内涵 includes,
#: the base of an add-on): a revision carries them over from the version it revises.
CARRY_OVER_KINDS = ("sex_limit", "includes", "add_on")

PROVINCIAL_CHILD_POLICY = ChildMarkupPolicy(
    rate="1.3", max_age=6, code_prefixes=("12", "32", "33"),
    basis="浙江省儿童医疗服务价格政策（2017年起）：6周岁及以下儿童的一般检查治疗、有创活检和探查、临床手术类项目"
          "加收30%（上传的价格表未另作规定；修订已有项目时沿用其原有认定）",
)


@dataclass(frozen=True)
class UploadForm:
    """The form fields beside the file."""

    document: str
    title: str
    effective_from: dt.date
    effective_to: dt.date | None = None
    issuer: str = ""
    scope: str = ""
    signed_on: dt.date | None = None

    def meta(self) -> NoticeMeta:
        document, title = self.document.strip(), self.title.strip()
        problems = []
        if not document:
            problems.append(FieldProblem(field="document", reason="文号不能为空"))
        if not title:
            problems.append(FieldProblem(field="title", reason="标题不能为空"))
        if self.effective_to is not None and self.effective_to < self.effective_from:
            problems.append(FieldProblem(field="effective_to", reason=f"结束日期早于开始日期 {self.effective_from}",
                                         value=str(self.effective_to)))
        if problems:
            raise InvalidRequest("上传参数无效：" + "；".join(p.reason for p in problems), problems)
        return NoticeMeta(document=document, title=title,
                          issuer=tuple(i.strip() for i in self.issuer.replace("，", ",").split(",") if i.strip()),
                          signed_on=self.signed_on, effective_from=self.effective_from,
                          effective_to=self.effective_to, scope=self.scope.strip(), child_markup=PROVINCIAL_CHILD_POLICY)


def _refuse(message: str, issues: list[CheckIssue]) -> InvalidRequest:
    fields = [FieldProblem(field=f"file:第{i.row}行" + (f"[{i.column}]" if i.column else "") if i.row else "file",
                           reason=i.message, value=i.value) for i in issues if i.level == "error"]
    error = InvalidRequest(message, fields)
    error.issues = [Issue.of(i) for i in issues]
    return error


def carry_over(notice: Notice, catalog: Catalog) -> Notice:
    """Give each revised item the child-price decision and implied rules of the version it revises."""
    items = []
    for item in notice.items:
        previous = catalog.entry_on(item.code, notice.meta.effective_from)
        if previous is not None:
            rules = list(item.rules)
            for kind in CARRY_OVER_KINDS:
                inherited = previous.item.rules_of(kind)
                if inherited:
                    rules = [r for r in rules if r.kind != kind] + list(inherited)
            item = item.model_copy(update={"child_markup": previous.item.child_markup, "rules": tuple(rules)})
        items.append(item)
    return notice.model_copy(update={"items": tuple(items)})


def check_upload_size(size: int, limit: int) -> None:
    if size > limit:
        raise PayloadTooLarge(f"文件超过上限 {limit // (1024 * 1024)} MB")


@dataclass(frozen=True)
class CheckedUpload:
    """A table file that passed the check, ready to be stored as a draft."""

    notice: Notice
    issues: list[CheckIssue]
    data: bytes
    file_name: str
    sha256: str


def check_upload(data: bytes, *, file_name: str, form: UploadForm, catalog: Catalog, max_rows: int) -> CheckedUpload:
    """Read and check the file with the bundled tables' loader (CPU only, no database);
    InvalidRequest names every problem when it does not pass."""
    meta = form.meta()
    try:
        raw = read_table(data, file_name, max_rows=max_rows)
    except TableFileError as exc:
        raise InvalidRequest(f"文件无法读取：{exc}", [FieldProblem(field="file", reason=str(exc))]) from None
    result = check_table(raw, meta)
    if result.notice is None:
        raise _refuse(f"价格表有 {len(result.errors)} 处错误，未保存任何内容", result.issues)
    return CheckedUpload(notice=carry_over(result.notice, catalog), issues=result.issues, data=data,
                         file_name=file_name, sha256=hashlib.sha256(data).hexdigest())


def store_draft(session: Session, checked: CheckedUpload, *, catalog: Catalog, actor: str) -> TableDetail:
    """Store a checked upload as a draft, with the file exactly as uploaded and an audit entry."""
    notice, meta = checked.notice, checked.notice.meta
    record = stored.add_notice(session, notice, state="draft", origin="upload", actor=actor,
                               file_name=checked.file_name, file_sha256=checked.sha256, check_report=checked.issues)
    stored.save_uploaded_file(session, id_of(record), file_name=checked.file_name, sha256=checked.sha256,
                              content=checked.data)
    record_audit(session, actor, "upload", f"table:{record.id}",
                 {"document": meta.document, "file_name": checked.file_name, "sha256": checked.sha256,
                  "size": len(checked.data), "items": len(notice.items),
                  "warnings": sum(1 for i in checked.issues if i.level == "warning"),
                  "effective_from": str(meta.effective_from)})
    session.flush()
    return _detail(session, catalog, record, notice)


def _detail(session: Session, catalog: Catalog, record: NoticeRecord, notice: Notice | None = None) -> TableDetail:
    diff_summary = None
    if record.state == "draft":
        diff_summary = DiffSummary.of(diff_notice(notice or stored.notice_of(session, record), catalog))
    report = [Issue.model_validate(i) for i in record.check_report]
    publishable = record.state == "draft" and not any(i.level == "error" for i in report)
    return TableDetail.of(record, publishable=publishable, check_report=report, diff_summary=diff_summary)


def _get(session: Session, table_id: int) -> NoticeRecord:
    record = stored.get_notice(session, table_id)
    if record is None:
        raise NotFound(f"没有编号为 {table_id} 的价格表")
    return record


def list_tables(session: Session) -> TablePage:
    records = stored.list_notices(session)
    return TablePage(tables=[TableSummary.of(r) for r in records], total=len(records))


def table_detail(session: Session, catalog: Catalog, table_id: int) -> TableDetail:
    return _detail(session, catalog, _get(session, table_id))


def table_diff(session: Session, catalog: Catalog, table_id: int) -> DiffOut:
    """The table against what is in effect on its start date (for a published table, the
    catalog then includes the table itself, so compare against the versions before it)."""
    record = _get(session, table_id)
    notice = stored.notice_of(session, record)
    if record.state == "published":
        catalog = Catalog.of(v for v in catalog.versions if v.notice_id != record.id)
    return DiffOut.of(diff_notice(notice, catalog), table_id=id_of(record))


def publish(session: Session, catalog: Catalog, actor: str, table_id: int) -> TableDetail:
    """Make a draft a published notice from its start date.

    The catalog version is bumped first: it takes the write lock, so two publishes run one
    after the other and the second sees what the first did.
    """
    order = bump_catalog_version(session)
    record = stored.refreshed(session, _get(session, table_id))
    if record.state != "draft":
        raise Conflict(f"价格表 {table_id}（{record.document}）状态为 {record.state}，只有草稿可以发布")
    same_document = stored.published_with_document(session, record.document)
    if same_document is not None:
        raise Conflict(f"文号 {record.document} 已由价格表 {same_document} 发布")
    clashes = stored.published_clashes(session, id_of(record), record.effective_from)
    if clashes:
        codes = sorted({code for _, _, code in clashes})
        notices = "、".join(sorted({f"{document}（{notice_id}）" for notice_id, document, _ in clashes}))
        raise Conflict(f"与已发布的 {notices} 在同一生效日 {record.effective_from} 对相同编码定价：{'、'.join(codes[:10])}"
                       f"{' 等' if len(codes) > 10 else ''}；请调整生效日期或先撤回原通知")
    if not stored.publish_draft(session, id_of(record), actor, order):
        raise Conflict(f"价格表 {table_id} 已被同时发布或撤回")
    record_audit(session, actor, "publish", f"table:{record.id}",
                 {"document": record.document, "effective_from": str(record.effective_from),
                  "sha256": record.file_sha256, "items": record.item_count})
    session.flush()
    return _detail(session, catalog, stored.refreshed(session, record))


def withdraw(session: Session, catalog: Catalog, actor: str, table_id: int, reason: str) -> TableDetail:
    """Take a draft or published table out of use; it stays in the history."""
    bump_catalog_version(session)
    record = stored.refreshed(session, _get(session, table_id))
    if record.state == "withdrawn":
        raise Conflict(f"价格表 {table_id} 已撤回")
    previous = record.state
    stored.mark_withdrawn(session, record, actor)
    record_audit(session, actor, "withdraw", f"table:{record.id}",
                 {"document": record.document, "previous_state": previous, "reason": reason,
                  "sha256": record.file_sha256})
    session.flush()
    return _detail(session, catalog, record)


def export(session: Session, table_id: int, fmt: str) -> tuple[bytes, str, str]:
    """(content, file name, media type) of any version in the upload format."""
    record = _get(session, table_id)
    notice = stored.notice_of(session, record)
    stem = f"{record.document}-{record.id}-{record.state}"
    if fmt == "xlsx":
        return to_xlsx(notice), f"{stem}.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return to_csv(notice), f"{stem}.csv", "text/csv; charset=utf-8"
