"""Roles, API keys and the permission each endpoint needs (no I/O here).

Keys are random (256 bits), so a plain SHA-256 of the key is a safe thing to store: there is
no dictionary to try.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from dataclasses import dataclass
from enum import StrEnum

from pricing_api.errors import Forbidden, Unauthorized

KEY_PREFIX = "qzp_"


class Role(StrEnum):
    HIS = "his"
    AUDITOR = "auditor"
    PRICING = "pricing"
    ADMIN = "admin"
    METRICS = "metrics"  # a Prometheus scraper: /metrics only


class Permission(StrEnum):
    VALIDATE_BILLS = "validate_bills"
    READ = "read"  # items, notices, tables, exports
    WRITE_TABLES = "write_tables"  # upload, publish, withdraw tables and code maps
    MANAGE_HOSPITALS = "manage_hospitals"  # the hospital registry
    ADMIN = "admin"  # keys, audit log
    METRICS = "metrics"  # /metrics


ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.HIS: frozenset({Permission.VALIDATE_BILLS}),
    # Auditors re-audit bills after settlement, so they may validate too.
    Role.AUDITOR: frozenset({Permission.READ, Permission.VALIDATE_BILLS}),
    Role.PRICING: frozenset({Permission.READ, Permission.VALIDATE_BILLS, Permission.WRITE_TABLES,
                             Permission.MANAGE_HOSPITALS}),
    Role.ADMIN: frozenset(Permission),
    Role.METRICS: frozenset({Permission.METRICS}),
}
ROLE_LABELS = {Role.HIS: "医院信息系统", Role.AUDITOR: "审核人员", Role.PRICING: "价格管理人员", Role.ADMIN: "管理员",
               Role.METRICS: "监控采集"}


@dataclass(frozen=True)
class Principal:
    """Who is calling: the key's id, prefix and role."""

    key_id: int
    prefix: str
    role: Role
    name: str = ""

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


_UNKNOWN_SECONDS = 2.0  # how long an unknown key is remembered as unknown


class KeyCache:
    """Principals by key hash, in memory, so checking a key is a dictionary hit.

    The whole key table is loaded at start and again whenever the keys' version moves (a key
    created or revoked on any worker; `WorkerSync` polls it), so a revocation reaches every
    worker within the poll interval.  A hash not in the table (a key made a moment ago on
    another worker, or a wrong key) is looked up in the database by the caller and remembered:
    found keys until the next reload, unknown ones for a couple of seconds.
    """

    MISSING = object()

    def __init__(self) -> None:
        self.version = -1
        self._known: dict[str, Principal] = {}
        self._unknown: dict[str, float] = {}
        self._lock = threading.Lock()

    def get(self, digest: str) -> Principal | None | object:
        """The principal, None for a key known to be unknown or revoked, or `MISSING`."""
        principal = self._known.get(digest)
        if principal is not None:
            return principal
        seen = self._unknown.get(digest)
        if seen is not None and time.monotonic() - seen < _UNKNOWN_SECONDS:
            return None
        return self.MISSING

    def remember(self, digest: str, principal: Principal | None) -> None:
        with self._lock:
            if principal is not None:
                self._known[digest] = principal
                return
            if len(self._unknown) > 10_000:  # a flood of random keys cannot grow this for ever
                self._unknown.clear()
            self._unknown[digest] = time.monotonic()

    def clear(self) -> None:
        """Forget everything: the next look-up of each key asks the database."""
        with self._lock:
            self._known, self._unknown = {}, {}

    def replace(self, principals: dict[str, Principal], version: int) -> None:
        """The whole table, as read at `version`."""
        with self._lock:
            self._known, self._unknown, self.version = dict(principals), {}, version


def bearer_secret(authorization: str | None) -> str | None:
    """The key in an `Authorization: Bearer KEY` header (None without the header)."""
    if not authorization:
        return None
    scheme, _, value = authorization.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise Unauthorized("Authorization 头格式应为: Bearer <API key>")
    return value.strip()


def authorize(principal: Principal, permission: Permission) -> None:
    if not principal.can(permission):
        allowed = [r.value for r, perms in ROLE_PERMISSIONS.items() if permission in perms]
        raise Forbidden(f"角色 {principal.role.value} 无权执行此操作（需要角色: {', '.join(allowed)}）")
