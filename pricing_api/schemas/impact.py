"""The impact report of a draft table (`POST /v1/tables/{id}/impact`): money as decimal strings."""

from __future__ import annotations

from pydantic import BaseModel


class Moved(BaseModel):
    lines: int
    lines_moved: int
    charged: str
    before: str
    after: str
    delta: str


class ItemMoved(Moved):
    code: str
    name: str


class GradeMoved(Moved):
    grade: str
    grade_label: str


class HospitalMoved(Moved):
    fixmedins_code: str


class FindingChange(BaseModel):
    change: str  # new | gone
    bill_id: str
    line_ids: list[str]
    rule: str
    result: str
    message: str
    amount_at_risk: str
    code: str | None
    fixmedins_code: str | None


class ImpactOut(BaseModel):
    lines: int
    rejected_rows: int
    lines_moved: int
    charged: str
    before: str
    after: str
    delta: str
    at_risk_before: str
    at_risk_after: str
    per_item: list[ItemMoved]
    per_grade: list[GradeMoved]
    per_hospital: list[HospitalMoved]
    findings_new: int
    findings_gone: int
    changes: list[FindingChange]
