"""Domain errors carry their HTTP status; one handler turns them into responses."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class FieldProblem(BaseModel):
    field: str
    reason: str
    value: Any = None
    label: str | None = Field(None, description="The field's name in Chinese (第1条明细的单价), where known")
    line: int | None = Field(None, description="A JSON syntax error's line in the body (from 1)")
    column: int | None = Field(None, description="…and its column, in characters (from 1)")


class ErrorBody(BaseModel):
    """Every 4xx/5xx answer has this shape."""

    error: str
    message: str
    fields: list[FieldProblem] = []
    issues: list[dict[str, Any]] | None = None  # a refused table's full check report


class DomainError(Exception):
    status_code = 400
    error = "bad_request"

    def __init__(self, message: str, fields: list[FieldProblem] | None = None):
        super().__init__(message)
        self.message = message
        self.fields = fields or []
        self.issues: list | None = None

    def body(self) -> ErrorBody:
        issues = None if self.issues is None else [i.model_dump(mode="json") for i in self.issues]
        return ErrorBody(error=self.error, message=self.message, fields=self.fields, issues=issues)


class NotFound(DomainError):
    status_code = 404
    error = "not_found"


class InvalidRequest(DomainError):
    status_code = 422
    error = "invalid_request"


class Conflict(DomainError):
    status_code = 409
    error = "conflict"


class PayloadTooLarge(DomainError):
    status_code = 413
    error = "payload_too_large"


class Unauthorized(DomainError):
    status_code = 401
    error = "unauthorized"


class Forbidden(DomainError):
    status_code = 403
    error = "forbidden"


class ServiceUnavailable(DomainError):
    status_code = 503
    error = "service_unavailable"
