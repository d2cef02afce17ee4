"""Keys and the audit log, for admins."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from pricing_api.auth import Role
from pricing_api.deps import Admin, UnitOfWorkDep
from pricing_api.errors import ErrorBody
from pricing_api.schemas.admin import AuditPage, KeyOut, NewKeyIn, NewKeyOut
from pricing_api.services import keys as key_service
from pricing_api.services.audit_log import audit_page

router = APIRouter(prefix="/v1", tags=["admin"])


@router.get("/audit-log", response_model=AuditPage)
def get_audit_log(_: Admin, uow: UnitOfWorkDep,
                  action: Annotated[str | None, Query(max_length=40)] = None,
                  limit: Annotated[int, Query(ge=1, le=500)] = 100,
                  offset: Annotated[int, Query(ge=0)] = 0) -> AuditPage:
    """Every write — uploads, publications, withdrawals, key changes — newest first."""
    return audit_page(uow.session, action=action, limit=limit, offset=offset)


@router.get("/keys", response_model=list[KeyOut])
def list_keys(_: Admin, uow: UnitOfWorkDep) -> list[KeyOut]:
    """API keys (never their secrets)."""
    return key_service.list_keys(uow.session)


@router.post("/keys", response_model=NewKeyOut, status_code=201)
def create_key(body: NewKeyIn, principal: Admin, uow: UnitOfWorkDep) -> NewKeyOut:
    """A new key; its secret is in this answer only."""
    created = key_service.issue_key(uow.session, Role(body.role), body.name, principal.actor)
    uow.commit()
    return created


@router.post("/keys/{key_id}/revoke", response_model=KeyOut, responses={404: {"model": ErrorBody}, 409: {"model": ErrorBody}})
def revoke_key(key_id: Annotated[int, Path(ge=1, le=2**31 - 1)], principal: Admin, uow: UnitOfWorkDep) -> KeyOut:
    """Revoke a key: it stops working within a few seconds on every worker."""
    revoked = key_service.revoke_key(uow.session, str(key_id), principal.actor)
    uow.commit()
    return revoked
