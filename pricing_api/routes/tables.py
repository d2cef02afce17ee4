"""Revised tables for pricing staff: upload, check, diff, publish, withdraw, export."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, File, Form, Path, Query, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from pricing_api.deps import CatalogDep, Reader, SettingsDep, TableWriter, UnitOfWorkDep
from pricing_api.errors import ErrorBody
from pricing_api.schemas.tables import DiffOut, TableDetail, TablePage
from pricing_api.services import tables as service

router = APIRouter(prefix="/v1/tables", tags=["tables"])
TableId = Annotated[int, Path(ge=1, le=2**31 - 1)]
ERRORS: dict[int | str, dict[str, Any]] = {404: {"model": ErrorBody}, 409: {"model": ErrorBody}, 422: {"model": ErrorBody}}


async def _read_limited(upload: UploadFile, limit: int) -> bytes:
    """Read the upload in chunks, refusing it as soon as it passes `limit` bytes."""
    chunks, size = [], 0
    while chunk := await upload.read(1024 * 1024):
        size += len(chunk)
        service.check_upload_size(size, limit)
        chunks.append(chunk)
    return b"".join(chunks)


@router.post("", response_model=TableDetail, status_code=201, responses={**ERRORS, 413: {"model": ErrorBody}})
async def upload_table(
    principal: TableWriter, uow: UnitOfWorkDep, catalog: CatalogDep, settings: SettingsDep,
    file: Annotated[UploadFile, File(description="CSV (UTF-8, UTF-8 with BOM or GB18030) or XLSX")],
    document: Annotated[str, Form(max_length=200, description="文号")],
    title: Annotated[str, Form(max_length=500)],
    effective_from: Annotated[dt.date, Form(description="First day the prices apply")],
    effective_to: Annotated[dt.date | None, Form(description="Last day (optional)")] = None,
    issuer: Annotated[str, Form(max_length=500, description="Issuers, comma-separated")] = "",
    scope: Annotated[str, Form(max_length=500)] = "",
    signed_on: Annotated[dt.date | None, Form()] = None,
) -> TableDetail:
    """Upload a revised table.  It is checked by the same loader as the bundled tables and
    stored as a draft with its check report; a file with errors is refused and nothing is stored."""
    data = await _read_limited(file, settings.max_upload_bytes)
    form = service.UploadForm(document=document, title=title, effective_from=effective_from, effective_to=effective_to,
                              issuer=issuer, scope=scope, signed_on=signed_on)

    def check_and_store() -> TableDetail:  # CPU and database work: off the event loop
        detail = service.upload(uow.session, catalog=catalog, actor=principal.actor, data=data,
                                file_name=file.filename or "upload", form=form, max_rows=settings.max_upload_rows)
        uow.commit()
        return detail

    return await run_in_threadpool(check_and_store)


@router.get("", response_model=TablePage)
def list_tables(_: Reader, uow: UnitOfWorkDep) -> TablePage:
    """Every table version — bundled and uploaded, draft, published and withdrawn — oldest first."""
    return service.list_tables(uow.session)


@router.get("/{table_id}", response_model=TableDetail, responses=ERRORS)
def get_table(table_id: TableId, _: Reader, uow: UnitOfWorkDep, catalog: CatalogDep) -> TableDetail:
    """One version: state, who uploaded and published it, its check report and (drafts) its diff summary."""
    return service.table_detail(uow.session, catalog, table_id)


@router.get("/{table_id}/diff", response_model=DiffOut, responses=ERRORS)
def get_diff(table_id: TableId, _: Reader, uow: UnitOfWorkDep, catalog: CatalogDep) -> DiffOut:
    """Items added, prices changed per grade (old → new) and text changed, against what is in effect on its start date."""
    return service.table_diff(uow.session, catalog, table_id)


@router.post("/{table_id}/publish", response_model=TableDetail, responses=ERRORS)
def publish_table(table_id: TableId, principal: TableWriter, uow: UnitOfWorkDep, catalog: CatalogDep) -> TableDetail:
    """Publish a draft from its start date.  409 when it is not a draft, or another published
    notice prices the same code from the same day."""
    detail = service.publish(uow.session, catalog, principal.actor, table_id)
    uow.commit()
    return detail


@router.post("/{table_id}/withdraw", response_model=TableDetail, responses=ERRORS)
def withdraw_table(table_id: TableId, principal: TableWriter, uow: UnitOfWorkDep, catalog: CatalogDep,
                   reason: Annotated[str, Query(max_length=500)] = "") -> TableDetail:
    """Withdraw a draft or a published table; it stays in the history, its prices stop applying."""
    detail = service.withdraw(uow.session, catalog, principal.actor, table_id, reason)
    uow.commit()
    return detail


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get("/{table_id}/export", responses={200: {"content": {"text/csv": {}, XLSX: {}}}, **ERRORS})
def export_table(table_id: TableId, _: Reader, uow: UnitOfWorkDep,
                 format: Annotated[Literal["csv", "xlsx"], Query()] = "csv") -> Response:
    """Any version back out in the upload format."""
    content, name, media_type = service.export(uow.session, table_id, format)
    ascii_name = f"table-{table_id}.{format}"
    return Response(content, media_type=media_type, headers={
        "Content-Disposition": f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"})
