"""Revised tables for pricing staff: upload, check, diff, publish, withdraw, export."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal
from urllib.parse import quote

import anyio
from fastapi import APIRouter, File, Form, Path, Query, Request, UploadFile
from fastapi.responses import Response
from starlette.datastructures import UploadFile as StarletteUpload

from pricing_api.deps import CatalogDep, DatabaseDep, Reader, SettingsDep, TableWriter
from pricing_api.errors import ErrorBody
from pricing_api.schemas.common import FormText
from pricing_api.schemas.impact import ImpactOut
from pricing_api.schemas.tables import DiffOut, TableDetail, TablePage
from pricing_api.services import impact as impact_service
from pricing_api.services import tables as service

router = APIRouter(prefix="/v1/tables", tags=["tables"])
TableId = Annotated[int, Path(ge=1, le=2**31 - 1)]
ERRORS: dict[int | str, dict[str, Any]] = {404: {"model": ErrorBody}, 409: {"model": ErrorBody}, 422: {"model": ErrorBody}}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


async def read_limited(upload: StarletteUpload, limit: int) -> bytes:
    """Read the upload in chunks, refusing it as soon as it passes `limit` bytes."""
    chunks, size = [], 0
    while chunk := await upload.read(1024 * 1024):
        size += len(chunk)
        service.check_upload_size(size, limit)
        chunks.append(chunk)
    return b"".join(chunks)


@router.post("", response_model=TableDetail, status_code=201, responses={**ERRORS, 413: {"model": ErrorBody}})
async def upload_table(
    request: Request, principal: TableWriter, db: DatabaseDep, catalog: CatalogDep, settings: SettingsDep,
    file: Annotated[UploadFile, File(description="CSV (UTF-8, UTF-8 with BOM or GB18030) or XLSX")],
    document: Annotated[FormText, Form(max_length=200, description="文号")],
    title: Annotated[FormText, Form(max_length=500)],
    effective_from: Annotated[dt.date, Form(description="First day the prices apply")],
    effective_to: Annotated[dt.date | None, Form(description="Last day (optional)")] = None,
    issuer: Annotated[FormText, Form(max_length=500, description="Issuers, comma-separated")] = "",
    scope: Annotated[FormText, Form(max_length=500)] = "",
    signed_on: Annotated[dt.date | None, Form()] = None,
) -> TableDetail:
    """Upload a revised table.  It is checked by the same loader as the bundled tables and
    stored as a draft with its check report; a file with errors is refused and nothing is stored."""
    data = await read_limited(file, settings.max_upload_bytes)
    form = service.UploadForm(document=document, title=title, effective_from=effective_from, effective_to=effective_to,
                              issuer=issuer, scope=scope, signed_on=signed_on)
    # Reading and checking the file is CPU work: a worker thread, so other requests go on.
    checked = await anyio.to_thread.run_sync(lambda: service.check_upload(
        data, file_name=file.filename or "upload", form=form, catalog=catalog, max_rows=settings.max_upload_rows),
        limiter=request.app.state.cpu_limiter)
    return await db.bulk_write(service.store_draft, checked, catalog=catalog, actor=principal.actor)


@router.get("", response_model=TablePage)
async def list_tables(_: Reader, db: DatabaseDep) -> TablePage:
    """Every table version — bundled and uploaded, draft, published and withdrawn — oldest first."""
    return await db.read(service.list_tables)


@router.get("/{table_id}", response_model=TableDetail, responses=ERRORS)
async def get_table(table_id: TableId, _: Reader, db: DatabaseDep, catalog: CatalogDep) -> TableDetail:
    """One version: state, who uploaded and published it, its check report and (drafts) its diff summary."""
    return await db.read(service.table_detail, catalog, table_id)


@router.get("/{table_id}/diff", response_model=DiffOut, responses=ERRORS)
async def get_diff(table_id: TableId, _: Reader, db: DatabaseDep, catalog: CatalogDep) -> DiffOut:
    """Items added, prices changed per grade (old → new) and text changed, against what is in effect on its start date."""
    return await db.read(service.table_diff, catalog, table_id)


@router.post("/{table_id}/impact", response_model=ImpactOut, responses={**ERRORS, 413: {"model": ErrorBody}})
async def table_impact(
    request: Request, table_id: TableId, _: TableWriter, db: DatabaseDep, catalog: CatalogDep, settings: SettingsDep,
    file: Annotated[UploadFile, File(description="Claims: Parquet, CSV or NDJSON (flat rows or bills)")],
) -> ImpactOut:
    """What publishing this draft would move in money: every line of the claims file re-priced
    and judged under the published tables and under the draft (DuckDB engine) — in total, per
    item, per hospital grade and per hospital, and the findings that appear or disappear."""
    data = await read_limited(file, settings.max_upload_bytes)
    draft = await db.read(impact_service.draft_catalog, catalog, table_id)
    reference = request.app.state.reference.current()  # grades and code maps, the same under both
    report = await anyio.to_thread.run_sync(
        lambda: impact_service.impact_of_file(data, file.filename or "claims", catalog, draft, reference))
    return ImpactOut.model_validate(report)


@router.post("/{table_id}/publish", response_model=TableDetail, responses=ERRORS)
async def publish_table(table_id: TableId, principal: TableWriter, db: DatabaseDep, catalog: CatalogDep) -> TableDetail:
    """Publish a draft from its start date.  409 when it is not a draft, or another published
    notice prices the same code from the same day."""
    return await db.write(service.publish, catalog, principal.actor, table_id)


@router.post("/{table_id}/withdraw", response_model=TableDetail, responses=ERRORS)
async def withdraw_table(table_id: TableId, principal: TableWriter, db: DatabaseDep, catalog: CatalogDep,
                         reason: Annotated[FormText, Query(max_length=500)] = "") -> TableDetail:
    """Withdraw a draft or a published table; it stays in the history, its prices stop applying."""
    return await db.write(service.withdraw, catalog, principal.actor, table_id, reason)


@router.get("/{table_id}/export", responses={200: {"content": {"text/csv": {}, XLSX: {}}}, **ERRORS})
async def export_table(table_id: TableId, _: Reader, db: DatabaseDep,
                       format: Annotated[Literal["csv", "xlsx"], Query()] = "csv") -> Response:
    """Any version back out in the upload format."""
    content, name, media_type = await db.read(service.export, table_id, format)
    ascii_name = f"table-{table_id}.{format}"
    return Response(content, media_type=media_type, headers={
        "Content-Disposition": f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"})
