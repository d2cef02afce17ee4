"""SQLModel tables: what the service stores.  A notice is one published (or draft) table
version; its items and incomplete rows hang off it and are never updated once it is published."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Column, LargeBinary, Numeric, String, Table, UniqueConstraint
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel


class Money(TypeDecorator):
    """Decimal yuan: NUMERIC(14, 2) on PostgreSQL; text on SQLite, whose NUMERIC is a float."""

    impl = Numeric(14, 2)
    cache_ok = True

    def load_dialect_impl(self, dialect):
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(32))
        return dialect.type_descriptor(Numeric(14, 2, asdecimal=True))

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        return str(value) if dialect.name == "sqlite" else Decimal(value)

    def process_result_value(self, value, dialect):
        return None if value is None else Decimal(str(value))


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def table_of(model: type[SQLModel]) -> Table:
    """The Core table behind a SQLModel class (for bulk inserts that skip the ORM)."""
    return model.__table__  # type: ignore[attr-defined]


def id_of(record: Any) -> int:
    """A stored record's primary key, which the database sets when the record is flushed."""
    if record.id is None:
        raise ValueError(f"{type(record).__name__} has no id: flush it first")
    return record.id


class NoticeRecord(SQLModel, table=True):
    __tablename__ = "notice"

    id: int | None = Field(default=None, primary_key=True)
    document: str = Field(index=True, max_length=200)
    title: str
    effective_from: dt.date = Field(index=True)
    effective_to: dt.date | None = None
    state: str = Field(default="published", max_length=20, index=True)  # draft | published | withdrawn
    origin: str = Field(default="bundled", max_length=20)  # bundled | upload
    meta: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    warnings: list[Any] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    item_count: int = 0
    incomplete_row_count: int = 0
    file_name: str | None = None
    file_sha256: str | None = Field(default=None, max_length=64)
    created_at: dt.datetime = Field(default_factory=utcnow)
    created_by: str | None = None
    published_at: dt.datetime | None = None
    published_by: str | None = None
    publish_order: int | None = Field(default=None, description="Increases with every publication.")
    withdrawn_at: dt.datetime | None = None
    withdrawn_by: str | None = None
    check_report: list[Any] = Field(default_factory=list, sa_column=Column(JSON, nullable=False, server_default="[]"))


class ItemRecord(SQLModel, table=True):
    """One item of a notice.  `body` is the domain `price_tables.models.Item` as JSON — the one
    truth, rebuilt with `Item.model_validate` — so a field added to the domain model needs no
    column and no mapping.  `code` and `seq` are kept as columns for look-ups and ordering."""

    __tablename__ = "notice_item"
    __table_args__ = (UniqueConstraint("notice_id", "code", name="uq_notice_item_code"),)

    id: int | None = Field(default=None, primary_key=True)
    notice_id: int = Field(foreign_key="notice.id", index=True)
    code: str = Field(index=True, max_length=40)
    seq: int | None = None
    body: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))


class IncompleteRowRecord(SQLModel, table=True):
    """A row whose code or name the source lacks; `body` is the domain `IncompleteRow` as JSON."""

    __tablename__ = "incomplete_row"

    id: int | None = Field(default=None, primary_key=True)
    notice_id: int = Field(foreign_key="notice.id", index=True)
    body: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))


class CatalogVersion(SQLModel, table=True):
    """One row of change counters: `version` moves with every change to what is published,
    `keys_version` with every key created or revoked, `reference_version` with every change to
    the hospital registry or a published code map, so each worker can tell with one cheap
    query whether what it holds in memory is stale."""

    __tablename__ = "catalog_version"

    id: int = Field(default=1, primary_key=True)
    version: int = 0
    keys_version: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    reference_version: int = Field(default=0, sa_column_kwargs={"server_default": "0"})


class UploadedFile(SQLModel, table=True):
    """The file exactly as uploaded, kept beside the notice it became."""

    __tablename__ = "uploaded_file"

    id: int | None = Field(default=None, primary_key=True)
    notice_id: int = Field(foreign_key="notice.id", index=True, unique=True)
    file_name: str
    sha256: str = Field(max_length=64)
    size: int
    content: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class ApiKey(SQLModel, table=True):
    """An API key: only its SHA-256 is stored; `prefix` identifies it in lists and logs."""

    __tablename__ = "api_key"

    id: int | None = Field(default=None, primary_key=True)
    prefix: str = Field(max_length=16, index=True)
    key_hash: str = Field(max_length=64, unique=True)
    role: str = Field(max_length=20)
    name: str = ""
    created_at: dt.datetime = Field(default_factory=utcnow)
    created_by: str | None = None
    revoked_at: dt.datetime | None = None
    revoked_by: str | None = None


class AuditEntry(SQLModel, table=True):
    """One write: who, what, when, and the details (a file's hash, a notice, a key)."""

    __tablename__ = "audit_log"

    id: int | None = Field(default=None, primary_key=True)
    at: dt.datetime = Field(default_factory=utcnow, index=True)
    actor: str = Field(max_length=100)
    action: str = Field(max_length=40, index=True)
    target: str | None = Field(default=None, max_length=100)
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class PageSession(SQLModel, table=True):
    """A signed-in browser: the cookie holds a random token, only its SHA-256 is stored.  A
    session ends at `expires_at`, on sign-out (`revoked_at`), or when its key is revoked."""

    __tablename__ = "page_session"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    key_id: int = Field(foreign_key="api_key.id", index=True)
    csrf_token: str = Field(max_length=64)
    created_at: dt.datetime = Field(default_factory=utcnow)
    expires_at: dt.datetime
    revoked_at: dt.datetime | None = None


class HospitalRecord(SQLModel, table=True):
    """A hospital (定点医疗机构) known to the service: its grade comes from `HospitalGradeRecord`."""

    __tablename__ = "hospital"

    id: int | None = Field(default=None, primary_key=True)
    fixmedins_code: str = Field(max_length=30, unique=True)
    name: str = Field(max_length=200)
    admdvs: str = Field(default="", max_length=12)
    created_at: dt.datetime = Field(default_factory=utcnow)
    created_by: str | None = None


class HospitalGradeRecord(SQLModel, table=True):
    """The grade a hospital held over a period (an open end: still held)."""

    __tablename__ = "hospital_grade"

    id: int | None = Field(default=None, primary_key=True)
    hospital_id: int = Field(foreign_key="hospital.id", index=True)
    grade: str = Field(max_length=20)
    effective_from: dt.date
    effective_to: dt.date | None = None
    recorded_at: dt.datetime = Field(default_factory=utcnow)
    recorded_by: str | None = None


class CodeMapRecord(SQLModel, table=True):
    """One version of a code map (对码表): a hospital's (or, without `fixmedins_code`, the
    province's) own item codes mapped to the priced items, from `effective_from`."""

    __tablename__ = "code_map"

    id: int | None = Field(default=None, primary_key=True)
    fixmedins_code: str | None = Field(default=None, max_length=30, index=True)
    effective_from: dt.date
    state: str = Field(default="draft", max_length=20, index=True)  # draft | published | withdrawn
    entry_count: int = 0
    file_name: str = Field(default="", max_length=255)
    file_sha256: str = Field(default="", max_length=64)
    file_content: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    check_report: list[Any] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    publish_order: int | None = None
    created_at: dt.datetime = Field(default_factory=utcnow)
    created_by: str | None = None
    published_at: dt.datetime | None = None
    published_by: str | None = None
    withdrawn_at: dt.datetime | None = None
    withdrawn_by: str | None = None


class CodeMapEntryRecord(SQLModel, table=True):
    """One row of a code map: 医院项目编码 (and its name), 医保项目编码, and the priced 项目编码."""

    __tablename__ = "code_map_entry"

    id: int | None = Field(default=None, primary_key=True)
    map_id: int = Field(foreign_key="code_map.id", index=True)
    hosplist_code: str = Field(default="", max_length=50)
    hosplist_name: str = Field(default="", max_length=200)
    hilist_code: str = Field(default="", max_length=50)
    item_code: str = Field(max_length=40)


class NhsaWarningRecord(SQLModel, table=True):
    """A warning the national interface (3101/3102) gave a hospital, so that its 3103 feedback
    can be counted per rule.  No patient identifier is kept: the warning's id is a hash."""

    __tablename__ = "nhsa_warning"

    id: int | None = Field(default=None, primary_key=True)
    jr_id: str = Field(max_length=64, unique=True)
    rule: str = Field(max_length=40, index=True)
    rule_id: str = Field(max_length=40)
    result: str = Field(max_length=20)
    fixmedins_code: str = Field(default="", max_length=30)
    infno: str = Field(max_length=8)
    amount: Decimal = Field(default=Decimal("0"), sa_column=Column(Money, nullable=False))
    raised_at: dt.datetime = Field(default_factory=utcnow, index=True)


class NhsaFeedbackRecord(SQLModel, table=True):
    """How a warning was handled (3103): continued as billed (`dspo_way` 1) or modified (2)."""

    __tablename__ = "nhsa_feedback"

    id: int | None = Field(default=None, primary_key=True)
    jr_id: str = Field(max_length=64, index=True)
    warn_type: str = Field(default="", max_length=3)
    dspo_way: str = Field(max_length=3)
    reason: str = Field(default="", max_length=500)
    received_at: dt.datetime = Field(default_factory=utcnow, index=True)
    key_id: int | None = None
