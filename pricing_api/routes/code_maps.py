"""Code maps (对码表): a hospital's own item codes mapped to the priced items."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal
from urllib.parse import quote

import anyio
from fastapi import APIRouter, File, Form, Path, Query, Request, UploadFile
from fastapi.responses import Response

from pricing_api.deps import CatalogDep, DatabaseDep, Reader, SettingsDep, TableWriter
from pricing_api.errors import ErrorBody
from pricing_api.routes.tables import XLSX, read_limited
from pricing_api.schemas.common import FormText
from pricing_api.schemas.reference import CodeMapDetail, CodeMapPage
from pricing_api.services import code_maps as service

router = APIRouter(prefix="/v1/code-maps", tags=["code maps"])
MapId = Annotated[int, Path(ge=1, le=2**31 - 1)]
ERRORS: dict[int | str, dict[str, Any]] = {404: {"model": ErrorBody}, 409: {"model": ErrorBody}, 422: {"model": ErrorBody}}


@router.post("", response_model=CodeMapDetail, status_code=201, responses={**ERRORS, 413: {"model": ErrorBody}})
async def upload_code_map(
    request: Request, principal: TableWriter, db: DatabaseDep, catalog: CatalogDep, settings: SettingsDep,
    file: Annotated[UploadFile, File(description="CSV (UTF-8, UTF-8 with BOM or GB18030) or XLSX: 医院项目编码, "
                                                 "医院项目名称, 医保项目编码, 项目编码")],
    effective_from: Annotated[dt.date, Form(description="First day the map applies")],
    fixmedins_code: Annotated[FormText | None, Form(max_length=30, pattern=r"^[0-9A-Za-z_-]*$",
                                                    description="The hospital; absent: a province-wide map")] = None,
) -> CodeMapDetail:
    """Upload a code map.  It is checked (unknown target codes, one local code mapped to two
    items, names far from the item's) and stored as a draft with its report; a file that cannot
    be read, or a row without a code, is refused and nothing is stored."""
    data = await read_limited(file, settings.max_upload_bytes)
    checked = await anyio.to_thread.run_sync(lambda: service.check_code_map(
        data, file_name=file.filename or "code-map", fixmedins_code=fixmedins_code or None,
        effective_from=effective_from, catalog=catalog, max_rows=settings.max_upload_rows),
        limiter=request.app.state.cpu_limiter)
    return await db.bulk_write(service.store_draft, checked, actor=principal.actor)


@router.get("", response_model=CodeMapPage)
async def list_code_maps(_: Reader, db: DatabaseDep) -> CodeMapPage:
    """Every code map version — hospital and province-wide, draft, published, withdrawn."""
    return await db.read(service.list_maps)


@router.get("/{map_id}", response_model=CodeMapDetail, responses=ERRORS)
async def get_code_map(map_id: MapId, _: Reader, db: DatabaseDep) -> CodeMapDetail:
    """One version with its check report."""
    return await db.read(service.map_detail, map_id)


@router.post("/{map_id}/publish", response_model=CodeMapDetail, responses=ERRORS)
async def publish_code_map(map_id: MapId, principal: TableWriter, db: DatabaseDep) -> CodeMapDetail:
    """Publish a draft: from its start date, its codes resolve on bills.  409 when it is not a
    draft or its report has errors."""
    return await db.write(service.publish, map_id, principal.actor)


@router.post("/{map_id}/withdraw", response_model=CodeMapDetail, responses=ERRORS)
async def withdraw_code_map(map_id: MapId, principal: TableWriter, db: DatabaseDep,
                            reason: Annotated[FormText, Query(max_length=500)] = "") -> CodeMapDetail:
    """Withdraw a version: its codes stop resolving; it stays in the history."""
    return await db.write(service.withdraw, map_id, principal.actor, reason)


@router.get("/{map_id}/export", responses={200: {"content": {"text/csv": {}, XLSX: {}}}, **ERRORS})
async def export_code_map(map_id: MapId, _: Reader, db: DatabaseDep,
                          format: Annotated[Literal["csv", "xlsx"], Query()] = "csv") -> Response:
    """A version back out in the upload format."""
    content, name, media_type = await db.read(service.export, map_id, format)
    return Response(content, media_type=media_type, headers={
        "Content-Disposition": f"attachment; filename=\"code-map-{map_id}.{format}\"; filename*=UTF-8''{quote(name)}"})
