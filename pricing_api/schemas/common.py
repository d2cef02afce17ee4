"""Pieces every response shares: money as a decimal string, the grade parameter, prices per
grade, and how a response model is built from domain objects and records."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Self

from fastapi import Query
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer

from price_tables.grades import Grade, parse_grade
from price_tables.money import to_cents

MoneyStr = Annotated[
    Decimal,
    PlainSerializer(lambda d: f"{to_cents(d):f}", return_type=str, when_used="always"),
]
_CONTROL = frozenset(chr(c) for c in range(32)) - {"\t", "\n", "\r"} | {"\x7f"}


def _printable(text: str) -> str:
    if not _CONTROL.isdisjoint(text):
        raise ValueError("含有不可见的控制字符（如 NUL），无法保存")
    return text


#: Free text that will be stored: control characters such as NUL are refused (PostgreSQL
#: cannot store NUL, and nobody means to type one).
FormText = Annotated[str, AfterValidator(_printable)]
#: Dates a report may be asked for: a day the service can turn into a moment in any time zone.
FIRST_DAY, LAST_DAY = dt.date(1900, 1, 1), dt.date(2999, 12, 31)
#: Every paging offset is bounded: an integer the database cannot hold is a 422, not a 500.
MAX_OFFSET = 1_000_000_000
Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Items to skip")]
GradeParam = Annotated[
    Grade,
    BeforeValidator(lambda v: parse_grade(v) if isinstance(v, str) else v),
    Field(description="grade_3a / grade_3b / grade_2_or_below, or 三甲 / 三乙 / 二级及以下"),
]


class OutModel(BaseModel):
    """A response model read from the attributes of domain objects and records: each field
    says where its value lives (its name, or an `AliasPath`), so nothing is mapped by hand."""

    model_config = ConfigDict(from_attributes=True)

    @classmethod
    def of(cls, *sources: Any, **computed: Any) -> Self:
        """Validate from `sources` (first one holding an attribute wins) plus `computed` values."""
        return cls.model_validate(Attributes(computed, *sources))


class Attributes:
    """Attribute look-up over several objects in turn (dicts by key), for `OutModel.of`."""

    __slots__ = ("_sources",)

    def __init__(self, *sources: Any):
        self._sources = sources

    def __getattr__(self, name: str) -> Any:
        for source in self._sources:
            if isinstance(source, dict):
                if name in source:
                    return source[name]
            elif hasattr(source, name):
                return getattr(source, name)
        raise AttributeError(name)


class Prices(OutModel):
    grade_3a: MoneyStr | None = Field(None, description="三甲; null when self-priced")
    grade_3b: MoneyStr | None = Field(None, description="三乙")
    grade_2_or_below: MoneyStr | None = Field(None, description="二级及以下")
