"""Keys and the audit log, for admins."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from pricing_api.auth import Role
from pricing_api.deps import Admin, DatabaseDep
from pricing_api.errors import ErrorBody
from pricing_api.schemas.admin import AuditPage, KeyOut, NewKeyIn, NewKeyOut
from pricing_api.schemas.common import Offset
from pricing_api.services import keys as key_service
from pricing_api.services.audit_log import audit_page

router = APIRouter(prefix="/v1", tags=["admin"])


@router.get("/audit-log", response_model=AuditPage)
async def get_audit_log(_: Admin, db: DatabaseDep,
                        action: Annotated[str | None, Query(max_length=40, pattern=r"^[a-z_]+$")] = None,
                        limit: Annotated[int, Query(ge=1, le=500)] = 100, offset: Offset = 0) -> AuditPage:
    """Every write — uploads, publications, withdrawals, key changes — newest first."""
    return await db.read(audit_page, action=action, limit=limit, offset=offset)


@router.get("/keys", response_model=list[KeyOut])
async def list_keys(_: Admin, db: DatabaseDep) -> list[KeyOut]:
    """API keys (never their secrets)."""
    return await db.read(key_service.list_keys)


@router.post("/keys", response_model=NewKeyOut, status_code=201)
async def create_key(body: NewKeyIn, principal: Admin, db: DatabaseDep) -> NewKeyOut:
    """A new key; its secret is in this answer only."""
    return await db.write(key_service.issue_key, Role(body.role), body.name, principal.actor)


@router.post("/keys/{key_id}/revoke", response_model=KeyOut, responses={404: {"model": ErrorBody}, 409: {"model": ErrorBody}})
async def revoke_key(key_id: Annotated[int, Path(ge=1, le=2**31 - 1)], principal: Admin, db: DatabaseDep) -> KeyOut:
    """Revoke a key: it stops working within a second on every worker."""
    return await db.write(key_service.revoke_key, str(key_id), principal.actor)
