"""How errors become answers: domain errors with their status, request validation as a 422 that
names each field and its reason in Chinese, database outages as 503."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from pricing_api.body_limit import BodyTooLarge
from pricing_api.errors import DomainError, ErrorBody, FieldProblem
from pricing_api.metrics import DB_ERRORS
from pricing_api.schemas.admin import NewKeyIn
from pricing_api.unit_of_work import OUTAGE_MESSAGE
from pricing_api.validation_messages import field_names_of, field_problems
from validators.bill import Bill

log = logging.getLogger("pricing_api")


#: Field names a request body may use, for "did you mean …" on a misspelled one.
REQUEST_FIELD_NAMES = field_names_of(Bill) | field_names_of(NewKeyIn)


def invalid_request_response(errors: list[dict]) -> JSONResponse:
    """422 naming each field once, with its reason in Chinese."""
    fields = field_problems(errors, REQUEST_FIELD_NAMES)
    summary = "；".join(f"{f.field}: {f.reason}" for f in fields[:5])
    body = ErrorBody(error="invalid_request", message=f"请求参数无效 — {summary}", fields=fields)
    return JSONResponse(status_code=422, content=body.model_dump(mode="json"))


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def domain_error(_: Request, exc: DomainError):
        return JSONResponse(status_code=exc.status_code, content=exc.body().model_dump(mode="json"))

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_: Request, exc: RequestValidationError):
        return invalid_request_response(list(exc.errors()))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException):
        if exc.status_code == 400 and isinstance(exc.__cause__, BodyTooLarge):
            # BodyLimit stopped a streamed body; FastAPI reports it as a parsing error.
            body = ErrorBody(error="payload_too_large", message=f"请求体过大：上限 {exc.__cause__.limit} 字节")
            return JSONResponse(status_code=413, content=body.model_dump(mode="json"))
        if exc.status_code == 400:
            # FastAPI's "error parsing the body" (bytes that are not UTF-8 JSON): bad input, 422.
            body = ErrorBody(error="invalid_request", message="请求体无法解析（应为 UTF-8 编码的 JSON 或表单）",
                             fields=[FieldProblem(field="body", reason=str(exc.detail))])
            return JSONResponse(status_code=422, content=body.model_dump(mode="json"))
        names = {404: "not_found", 405: "method_not_allowed"}
        body = ErrorBody(error=names.get(exc.status_code, "http_error"), message=str(exc.detail))
        return JSONResponse(status_code=exc.status_code, content=body.model_dump(mode="json"), headers=exc.headers)

    @app.exception_handler(DataError)
    async def unstorable(_: Request, exc: DataError):
        # Input that got past validation but does not fit a column: the caller's data, not an
        # outage (503 would tell clients to retry the same input).
        DB_ERRORS.labels("refused").inc()
        log.warning("database refused a value: %s", type(exc.orig).__name__)
        body = ErrorBody(error="invalid_request", message="输入的数据超出可保存的范围（长度、精度或字符），未保存任何内容")
        return JSONResponse(status_code=422, content=body.model_dump(mode="json"))

    @app.exception_handler(IntegrityError)
    async def conflicting(_: Request, exc: IntegrityError):
        log.warning("integrity error: %s", type(exc.orig).__name__)
        body = ErrorBody(error="conflict", message="与已保存的数据冲突（可能被同时修改），未保存任何内容")
        return JSONResponse(status_code=409, content=body.model_dump(mode="json"))

    @app.exception_handler(OperationalError)
    @app.exception_handler(DBAPIError)
    async def database_down(_: Request, exc: Exception):
        DB_ERRORS.labels("outage").inc()
        log.warning("database error: %s", type(exc).__name__)
        body = ErrorBody(error="service_unavailable", message=OUTAGE_MESSAGE)
        return JSONResponse(status_code=503, content=body.model_dump(mode="json"))
