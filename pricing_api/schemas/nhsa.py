"""Shapes of the national interface's own endpoints (the 3101/3102/3103 bodies are the
platform's, documented in `pricing_api.nhsa`): the feedback summary."""

from __future__ import annotations

import datetime as dt
from typing import Any

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


class NationalDetail(BaseModel):
    """`judge_result_detail_dtos[]`: one line a warning concerns."""

    jrd_id: str
    patn_id: str
    mdtrt_id: str
    rx_id: str = Field(description="The order's rx_id")
    vola_item_type: str = Field(description="1 违规项 (the line at fault), 2 涉及项 (a line involved)")
    vola_amt: float = Field(description="Money at risk on this line (yuan, two decimals)")


class NationalResult(BaseModel):
    """`output.result[]`: one warning."""

    jr_id: str = Field(description="Stable: the same request gives the same id (3103 refers to it)")
    rule_id: str = Field(description="The national 两库 code (GZ…) where the rule has one, else our rule id")
    rule_name: str
    vola_cont: str = Field(description="What is wrong, naming the numbers")
    patn_id: str
    mdtrt_id: str
    vola_amt: float
    vola_amt_stas: str
    sev_deg: str = Field(description="1 明确违规, 2 高度可疑, 3 轻度可疑")
    vola_evid: str = Field(description="The notice, its row and the rule's source text")
    vola_bhvr_type: str
    task_id: str
    judge_result_detail_dtos: list[NationalDetail]


class NationalOutput(BaseModel):
    result: list[NationalResult] | dict[str, Any]


class NationalAnswer(BaseModel):
    """The platform's answer: clients read `infcode` (a number: 0 ok, -1 error), `err_msg` ("" on
    success) and `output.result`."""

    infcode: int
    inf_refmsgid: str
    refmsg_time: str = Field(description="yyyyMMddHHmmssSSS")
    respond_time: str = Field(description="yyyyMMddHHmmssSSS")
    err_msg: str
    warn_msg: str | None
    cainfo: str | None
    signtype: str | None
    output: NationalOutput | None
