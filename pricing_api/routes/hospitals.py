"""The hospital registry, for pricing staff and admins."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import TypeAdapter, ValidationError
from starlette.datastructures import UploadFile

from pricing_api.deps import DatabaseDep, HospitalKeeper, SettingsDep
from pricing_api.errors import ErrorBody, FieldProblem, InvalidRequest
from pricing_api.json_body import json_body
from pricing_api.routes.tables import read_limited
from pricing_api.schemas.reference import HospitalIn, HospitalPage
from pricing_api.services import hospitals as service

router = APIRouter(prefix="/v1/hospitals", tags=["hospitals"])
_ONE_OR_MANY = TypeAdapter(HospitalIn | list[HospitalIn])


@router.get("", response_model=HospitalPage)
async def list_hospitals(_: HospitalKeeper, db: DatabaseDep) -> HospitalPage:
    """Every registered hospital with the grade it holds today and every graded period."""
    return await db.read(service.list_hospitals)


@router.post("", response_model=HospitalPage, status_code=200, openapi_extra=json_body(HospitalIn, or_list=True, or_file="file"),
             responses={413: {"model": ErrorBody}, 422: {"model": ErrorBody}})
async def register_hospitals(request: Request, principal: HospitalKeeper, db: DatabaseDep,
                             settings: SettingsDep) -> HospitalPage:
    """Register hospitals or record a new grade: one hospital or a list as JSON, or a CSV/XLSX
    file (columns 定点医药机构编号, 医疗机构名称, 医院等级, 医保区划, 等级起始日期).  A hospital's
    earlier grade ends the day before `grade_from`.  All or nothing: any bad row is a 422."""
    if request.headers.get("content-type", "").startswith("multipart/form-data"):
        upload = (await request.form()).get("file")
        if not isinstance(upload, UploadFile):
            raise InvalidRequest("缺少文件", [FieldProblem(field="file", reason="缺少必填字段")])
        data = await read_limited(upload, settings.max_upload_bytes)
        hospitals = service.hospitals_from_file(data, upload.filename or "hospitals")
    else:
        try:
            parsed = _ONE_OR_MANY.validate_json(await request.body())
        except ValidationError as exc:
            from fastapi.exceptions import RequestValidationError

            raise RequestValidationError([{**e, "loc": ("body", *e["loc"])} for e in exc.errors()]) from None
        hospitals = parsed if isinstance(parsed, list) else [parsed]
    if not hospitals:
        raise InvalidRequest("没有要登记的医院", [FieldProblem(field="body", reason="数量不足（至少 1）")])
    return await db.write(service.register, hospitals, principal.actor)
