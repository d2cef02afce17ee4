"""Shapes of the reference data: the hospital registry and code maps (对码表)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from pricing_api.schemas.common import FormText, GradeParam, OutModel
from pricing_api.schemas.tables import Issue

Code = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=30, pattern=r"^[0-9A-Za-z_-]+$")]


class HospitalIn(BaseModel):
    """A hospital and the grade it holds from `grade_from` (an earlier grade ends the day before)."""

    model_config = ConfigDict(extra="forbid")

    fixmedins_code: Code = Field(description="定点医药机构编号")
    name: Annotated[FormText, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    grade: GradeParam
    admdvs: Annotated[str, StringConstraints(strip_whitespace=True, max_length=12, pattern=r"^[0-9]*$")] = Field(
        "", description="医保区划")
    grade_from: dt.date = Field(dt.date(1900, 1, 1), description="First day the grade holds (default: as far back as known)")


class GradePeriodOut(OutModel):
    grade: str
    effective_from: dt.date
    effective_to: dt.date | None


class HospitalOut(OutModel):
    fixmedins_code: str
    name: str
    admdvs: str
    grade: str | None = Field(description="The grade held today")
    grades: list[GradePeriodOut]


class HospitalPage(BaseModel):
    hospitals: list[HospitalOut]
    total: int


class CodeMapSummary(OutModel):
    id: int
    fixmedins_code: str | None = Field(description="The hospital; null for a province-wide map")
    effective_from: dt.date
    state: Literal["draft", "published", "withdrawn"]
    entry_count: int
    file_name: str
    file_sha256: str
    created_at: dt.datetime
    created_by: str | None
    published_at: dt.datetime | None
    published_by: str | None
    withdrawn_at: dt.datetime | None
    withdrawn_by: str | None


class CodeMapDetail(CodeMapSummary):
    publishable: bool = Field(description="A draft whose report has no error can be published")
    check_report: list[Issue]


class CodeMapPage(BaseModel):
    code_maps: list[CodeMapSummary]
    total: int
