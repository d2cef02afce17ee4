"""Request validation errors as people read them: each field once, its reason in Chinese, and
never the value of a field that may hold patient data."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import BaseModel

from pricing_api.errors import FieldProblem

_DATE = "不是有效日期（应为 YYYY-MM-DD）"
_REASONS: dict[str, str] = {
    "missing": "缺少必填字段",
    "date_from_datetime_parsing": _DATE,
    "date_from_datetime_inexact": _DATE,
    "date_parsing": _DATE,
    "date_type": _DATE,
    "datetime_parsing": "不是有效时间（应为 YYYY-MM-DD HH:MM:SS）",
    "int_parsing": "应为整数",
    "int_type": "应为整数",
    "int_from_float": "应为整数",
    "decimal_parsing": "不是有效数字",
    "decimal_type": "不是有效数字",
    "float_parsing": "不是有效数字",
    "string_type": "应为文本",
    "bool_parsing": "应为 true 或 false",
    "bool_type": "应为 true 或 false",
    "list_type": "应为数组",
    "dict_type": "应为对象",
    "model_type": "应为对象",
    "model_attributes_type": "应为对象",
    "json_invalid": "不是有效的 JSON",
    "json_type": "不是有效的 JSON",
    "literal_error": "取值不在允许范围内",
    "enum": "取值不在允许范围内",
    "finite_number": "应为有限数字",
    "string_pattern_mismatch": "格式不符",
    "extra_forbidden": "不认识的字段",
    "url_parsing": "不是有效网址",
    "uuid_parsing": "格式不符",
}
_WITH_LIMIT: dict[str, tuple[str, str]] = {
    "less_than_equal": ("le", "超出上限 {}"),
    "less_than": ("lt", "必须小于 {}"),
    "greater_than_equal": ("ge", "低于下限 {}"),
    "greater_than": ("gt", "必须大于 {}"),
    "string_too_long": ("max_length", "过长（最多 {} 个字符）"),
    "string_too_short": ("min_length", "过短（至少 {} 个字符）"),
    "too_long": ("max_length", "数量超过上限 {}"),
    "too_short": ("min_length", "数量不足（至少 {}）"),
    "decimal_max_places": ("decimal_places", "小数位数过多（最多 {} 位）"),
    "decimal_max_digits": ("max_digits", "数字位数过多（最多 {} 位）"),
    "decimal_whole_digits": ("whole_digits", "整数部分位数过多（最多 {} 位）"),
}

#: Fields that may carry patient data: their values are never echoed in an error.
PRIVATE_FIELDS = frozenset({
    "patient", "birth_date", "brdy", "patn_name", "psn_name", "certno", "psn_cert_no", "id_number", "idcard",
    "patn_id", "psn_no", "patient_dtos", "name_of_patient", "tel", "addr",
})
_POSITION = re.compile(r"line (?P<line>\d+) column (?P<column>\d+)")
_MAX_ECHO = 100  # longer values are not echoed: the field and the reason say enough


def reason_of(error: Mapping[str, Any]) -> str:
    """The reason in Chinese (our own validators already speak Chinese)."""
    kind = error.get("type", "")
    if kind == "json_invalid":
        where = _POSITION.search(str(error.get("msg", "")))
        return _REASONS[kind] + (f"：第 {where['line']} 行第 {where['column']} 列附近" if where else "")
    if kind in _REASONS:
        return _REASONS[kind]
    if kind in _WITH_LIMIT:
        key, text = _WITH_LIMIT[kind]
        limit = (error.get("ctx") or {}).get(key)
        return text.format(limit) if limit is not None else text.format("").strip()
    return str(error.get("msg", "")).removeprefix("Value error, ").removeprefix("Assertion failed, ")


def field_name(loc: Iterable[Any]) -> str:
    parts = [str(p) for p in loc]
    if parts == ["body"] or (parts[:1] == ["body"] and len(parts) == 2 and parts[1].isdigit()):
        return "body"  # the body as a whole (a JSON syntax error; a number is a character position)
    if parts and parts[0] in ("query", "path", "body", "header", "form", "cookie"):
        parts = parts[1:]
    return ".".join(parts) or "request"


def _echo(error: dict[str, Any]) -> Any:
    """The value to show beside the reason, or None when it must not (or need not) be shown."""
    loc = [str(p) for p in error.get("loc", ())]
    if error.get("type") in ("extra_forbidden", "missing", "json_invalid") or PRIVATE_FIELDS.intersection(loc):
        return None
    value = error.get("input")
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, str):
        if len(value) > _MAX_ECHO:
            return None
        # A lone surrogate cannot be encoded as UTF-8: show it escaped rather than fail.
        return value.encode("utf-8", "backslashreplace").decode("utf-8")
    return None


def field_problems(errors: Iterable[dict[str, Any]], vocabulary: Iterable[str] = ()) -> list[FieldProblem]:
    """One problem per field (the first reason given for it), in Chinese, with a hint for a
    misspelled field name drawn from `vocabulary`."""
    names = sorted(set(vocabulary))
    problems: dict[str, FieldProblem] = {}
    for error in errors:
        field = field_name(error.get("loc", ()))
        if field in problems:
            continue
        reason = reason_of(error)
        if error.get("type") == "extra_forbidden" and names:
            unknown = str(list(error.get("loc", ()))[-1])
            close = difflib.get_close_matches(unknown, names, n=1, cutoff=0.6)
            if close:
                reason += f"，是否应为 {close[0]}？"
        problems[field] = FieldProblem(field=field, reason=reason, value=_echo(error))
    return list(problems.values())


def field_names_of(model: type[BaseModel]) -> set[str]:
    """Every name a model (and the models inside it) accepts: field names and their aliases."""
    names: set[str] = set()
    seen: set[type] = set()

    def visit(cls: type[BaseModel]) -> None:
        if cls in seen:
            return
        seen.add(cls)
        for name, info in cls.model_fields.items():
            names.add(name)
            alias = info.validation_alias
            choices = getattr(alias, "choices", None)
            if isinstance(alias, str):
                names.add(alias)
            elif choices:
                names.update(c for c in choices if isinstance(c, str))
            for inner in _models_in(info.annotation):
                visit(inner)

    visit(model)
    return names


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for arg in getattr(annotation, "__args__", ()) for m in _models_in(arg)]
