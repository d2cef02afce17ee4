"""How errors become answers: domain errors with their status, request validation as a 422 that
names each field and its reason in Chinese, database outages as 503."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from pricing_api.body_limit import BodyTooLarge
from pricing_api.errors import DomainError, ErrorBody, FieldProblem

log = logging.getLogger("pricing_api")


def _json_safe(value):
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


_REASONS_ZH = {
    "missing": "缺少必填字段",
    "date_from_datetime_parsing": "不是有效日期（应为 YYYY-MM-DD）",
    "date_parsing": "不是有效日期（应为 YYYY-MM-DD）",
    "date_type": "不是有效日期（应为 YYYY-MM-DD）",
    "int_parsing": "应为整数",
    "decimal_parsing": "不是有效数字",
    "less_than_equal": "超出上限",
    "greater_than_equal": "低于下限",
    "greater_than": "必须大于下限",
    "string_too_long": "过长",
    "string_too_short": "过短",
    "extra_forbidden": "不认识的字段",
    "json_invalid": "不是有效的 JSON",
    "literal_error": "取值不在允许范围内",
    "enum": "取值不在允许范围内",
    "too_short": "数量不足",
    "too_long": "数量超过上限",
    "bool_parsing": "应为 true 或 false",
    "decimal_max_places": "小数位数过多",
    "decimal_max_digits": "数字位数过多",
    "finite_number": "应为有限数字",
}


def _reason(error: dict) -> str:
    message = str(error.get("msg", "")).removeprefix("Value error, ")
    chinese = _REASONS_ZH.get(error.get("type", ""))
    return f"{chinese}（{message}）" if chinese else message


def _field_name(loc: tuple) -> str:
    parts = [str(p) for p in loc]
    if parts[:1] == ["body"] and len(parts) == 2 and parts[1].isdigit():
        return "body"  # a JSON syntax error: the number is a character position
    if parts and parts[0] in ("query", "path", "body", "header", "form"):
        parts = parts[1:]
    return ".".join(parts) or "request"


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def domain_error(_: Request, exc: DomainError):
        return JSONResponse(status_code=exc.status_code, content=exc.body().model_dump(mode="json"))

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_: Request, exc: RequestValidationError):
        fields = [FieldProblem(field=_field_name(tuple(e.get("loc", ()))),
                               reason=_reason(e),
                               value=_json_safe(e.get("input")))
                  for e in exc.errors()]
        summary = "；".join(f"{f.field}: {f.reason}" for f in fields[:5])
        body = ErrorBody(error="invalid_request", message=f"请求参数无效 — {summary}", fields=fields)
        return JSONResponse(status_code=422, content=body.model_dump(mode="json"))

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

    @app.exception_handler(OperationalError)
    @app.exception_handler(DBAPIError)
    async def database_down(_: Request, exc: Exception):
        log.warning("database error: %s", exc)
        body = ErrorBody(error="service_unavailable", message="数据库暂时不可用，请稍后重试")
        return JSONResponse(status_code=503, content=body.model_dump(mode="json"))
