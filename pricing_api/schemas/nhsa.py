"""Shapes of the national interface's own endpoints (the 3101/3102/3103 bodies are the
platform's, documented in `pricing_api.nhsa`): the feedback summary."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field


class RuleFeedback(BaseModel):
    rule: str = Field(description="Our rule id")
    rule_id: str = Field(description="The rule id the answers gave (the national 两库 code where there is one)")
    rule_name: str
    warnings: int = Field(description="Warnings raised")
    overridden: int = Field(description="Continued as billed (3103 dspo_way 1)")
    changed: int = Field(description="Went back and modified (dspo_way 2)")
    unanswered: int = Field(description="No 3103 feedback yet")
    override_rate: float | None = Field(description="overridden / (overridden + changed); null before any feedback")


class FeedbackSummary(BaseModel):
    start: dt.date | None = Field(alias="from", serialization_alias="from")
    to: dt.date | None
    rules: list[RuleFeedback]
    warnings: int
    overridden: int
    changed: int

    model_config = {"populate_by_name": True}
