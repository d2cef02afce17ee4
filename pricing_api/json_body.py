"""Routes that read their JSON body themselves, and still document it.

The hot paths (checking a bill) parse the raw bytes with pydantic's own JSON parser instead of
FastAPI's `json.loads` → model step: it is faster, it refuses what JSON forbids (a lone
surrogate escape such as "\\ud800"), and it reports a syntax error's line and column.
`json_body(Model)` gives such a route its OpenAPI request body; `install_body_schemas(app)`
puts the models into the spec's components.
"""

from __future__ import annotations

from typing import Any, TypeVar

import msgspec
from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)
_DOCUMENTED: list[type[BaseModel]] = []
_DOCUMENTED_STRUCTS: list[type] = []


def struct_body(struct: type, description: str) -> dict[str, Any]:
    """`openapi_extra` for a route that reads its body as the msgspec `struct` (lenient
    national-interface bodies); the struct's schema goes into the spec's components."""
    if struct not in _DOCUMENTED_STRUCTS:
        _DOCUMENTED_STRUCTS.append(struct)
    return {"requestBody": {"required": True, "description": description, "content": {
        "application/json": {"schema": {"$ref": f"#/components/schemas/{struct.__name__}"}}}}}


def schema_ref(model: type[BaseModel]) -> dict[str, str]:
    """A reference to `model` in the spec's components (which this module fills in)."""
    if model not in _DOCUMENTED:
        _DOCUMENTED.append(model)
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def json_body(model: type[BaseModel], *, or_list: bool = False, or_file: str | None = None) -> dict[str, Any]:
    """`openapi_extra` for a route whose body is `model` (or a list of them), read by
    `parse_json`; `or_file` documents a multipart upload with a file field of that name too."""
    ref = schema_ref(model)
    schema: dict[str, Any] = {"oneOf": [ref, {"type": "array", "items": ref}]} if or_list else ref
    content: dict[str, Any] = {"application/json": {"schema": schema}}
    if or_file:
        content["multipart/form-data"] = {"schema": {"type": "object", "required": [or_file], "properties": {
            or_file: {"type": "string", "format": "binary", "description": "CSV (UTF-8 or GB18030) or XLSX"}}}}
    return {"requestBody": {"content": content, "required": True}}


def parse_json(model: type[M], body: bytes) -> M:
    """`body` as `model`; a RequestValidationError (the API's 422) when it is not one."""
    try:
        return model.model_validate_json(body)
    except ValidationError as exc:
        raise RequestValidationError([{**e, "loc": ("body", *e["loc"])} for e in exc.errors()]) from None


def install_body_schemas(app: FastAPI) -> None:
    """Generate the spec as FastAPI does, with the documented bodies' schemas added."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
            components = schema.setdefault("components", {}).setdefault("schemas", {})
            for model in _DOCUMENTED:
                definition = model.model_json_schema(ref_template="#/components/schemas/{model}")
                for name, inner in definition.pop("$defs", {}).items():
                    components.setdefault(name, inner)
                components.setdefault(model.__name__, definition)
            if _DOCUMENTED_STRUCTS:
                _, structs = msgspec.json.schema_components(_DOCUMENTED_STRUCTS,
                                                            ref_template="#/components/schemas/{name}")
                for name, definition in structs.items():
                    components.setdefault(name, definition)
            schema["components"]["schemas"] = dict(sorted(components.items()))
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
