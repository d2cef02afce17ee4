"""Roles, API keys and the permission each endpoint needs.

Keys are random (256 bits), so a plain SHA-256 of the key is a safe thing to store: there is
no dictionary to try.  Keys are looked up by hash and cached in memory for a few seconds, so a
revoked key stops working within `KEY_CACHE_SECONDS` on every worker.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy.engine import Engine
from sqlmodel import Session

from pricing_api.errors import Forbidden, Unauthorized
from pricing_api.storage.keys import key_by_hash
from pricing_api.storage.records import id_of

KEY_PREFIX = "qzp_"
KEY_CACHE_SECONDS = 5.0


class Role(StrEnum):
    HIS = "his"
    AUDITOR = "auditor"
    PRICING = "pricing"
    ADMIN = "admin"


class Permission(StrEnum):
    VALIDATE_BILLS = "validate_bills"
    READ = "read"  # items, notices, tables, exports
    WRITE_TABLES = "write_tables"  # upload, publish, withdraw
    ADMIN = "admin"  # keys, audit log


ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.HIS: frozenset({Permission.VALIDATE_BILLS}),
    # Auditors re-audit bills after settlement, so they may validate too.
    Role.AUDITOR: frozenset({Permission.READ, Permission.VALIDATE_BILLS}),
    Role.PRICING: frozenset({Permission.READ, Permission.VALIDATE_BILLS, Permission.WRITE_TABLES}),
    Role.ADMIN: frozenset(Permission),
}
ROLE_LABELS = {Role.HIS: "医院信息系统", Role.AUDITOR: "审核人员", Role.PRICING: "价格管理人员", Role.ADMIN: "管理员"}


@dataclass(frozen=True)
class Principal:
    """Who is calling: the key's id, prefix and role."""

    key_id: int
    prefix: str
    role: Role

    @property
    def actor(self) -> str:
        return f"key:{self.prefix}({self.role})"

    def can(self, permission: Permission) -> bool:
        return permission in ROLE_PERMISSIONS[self.role]


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def new_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


def parse_role(value: str) -> Role:
    try:
        return Role(value.strip().lower())
    except ValueError:
        raise ValueError(f"未知角色 {value!r}，可用: {', '.join(r.value for r in Role)}") from None


class KeyCache:
    """key hash → Principal (or None for unknown/revoked), remembered for a few seconds."""

    def __init__(self, engine: Engine, ttl: float = KEY_CACHE_SECONDS):
        self._engine = engine
        self._ttl = ttl
        self._entries: dict[str, tuple[float, Principal | None]] = {}
        self._lock = threading.Lock()

    def lookup(self, secret: str) -> Principal | None:
        digest = hash_key(secret)
        now = time.monotonic()
        cached = self._entries.get(digest)
        if cached is not None and now - cached[0] < self._ttl:
            return cached[1]
        with Session(self._engine) as session:
            record = key_by_hash(session, digest)
        principal = None
        if record is not None and record.revoked_at is None:
            principal = Principal(key_id=id_of(record), prefix=record.prefix, role=Role(record.role))
        with self._lock:
            if len(self._entries) > 10_000:
                self._entries.clear()
            self._entries[digest] = (now, principal)
        return principal

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def authenticate(cache: KeyCache, authorization: str | None, cookie_key: str | None = None) -> Principal:
    """The caller behind `Authorization: Bearer KEY` (or the page's session cookie)."""
    secret = None
    if authorization:
        scheme, _, value = authorization.partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            raise Unauthorized("Authorization 头格式应为: Bearer <API key>")
        secret = value.strip()
    elif cookie_key:
        secret = cookie_key
    if not secret:
        raise Unauthorized("需要 API key：请求头 Authorization: Bearer <API key>")
    principal = cache.lookup(secret)
    if principal is None:
        raise Unauthorized("API key 无效或已撤销")
    return principal


def authorize(principal: Principal, permission: Permission) -> None:
    if not principal.can(permission):
        allowed = [r.value for r, perms in ROLE_PERMISSIONS.items() if permission in perms]
        raise Forbidden(f"角色 {principal.role.value} 无权执行此操作（需要角色: {', '.join(allowed)}）")
