"""Keys and the audit log, for admins."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from pricing_api.auth import Role
from pricing_api.deps import Admin, SessionDep
from pricing_api.errors import ErrorBody
from pricing_api.schemas_tables import AuditPage, KeyOut, NewKeyIn, NewKeyOut
from pricing_api.services import keys as key_service
from pricing_api.services.audit_log import audit_log

router = APIRouter(prefix="/v1", tags=["admin"])


@router.get("/audit-log", response_model=AuditPage)
def get_audit_log(_: Admin, session: SessionDep,
                  action: Annotated[str | None, Query(max_length=40)] = None,
                  limit: Annotated[int, Query(ge=1, le=500)] = 100,
                  offset: Annotated[int, Query(ge=0)] = 0) -> AuditPage:
    """Every write — uploads, publications, withdrawals, key changes — newest first."""
    return audit_log(session, action, limit, offset)


@router.get("/keys", response_model=list[KeyOut])
def list_keys(_: Admin, session: SessionDep) -> list[KeyOut]:
    """API keys (never their secrets)."""
    return key_service.list_keys(session)


@router.post("/keys", response_model=NewKeyOut, status_code=201)
def create_key(body: NewKeyIn, principal: Admin, session: SessionDep) -> NewKeyOut:
    """A new key; its secret is in this answer only."""
    created = key_service.issue_key(session, Role(body.role), body.name, principal.actor)
    session.commit()
    return created


@router.post("/keys/{key_id}/revoke", response_model=KeyOut, responses={404: {"model": ErrorBody}, 409: {"model": ErrorBody}})
def revoke_key(key_id: Annotated[int, Path(ge=1, le=2**31 - 1)], principal: Admin, session: SessionDep) -> KeyOut:
    """Revoke a key: it stops working within a few seconds on every worker."""
    revoked = key_service.revoke_key(session, str(key_id), principal.actor)
    session.commit()
    return revoked
