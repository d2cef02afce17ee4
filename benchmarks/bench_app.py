"""The service plus a minimal FastAPI endpoint taking the same bill body, in the same process,
so the validate and 3101 endpoints can be compared with FastAPI's own default handling.

The minimal endpoint is what a plain FastAPI app would do with the body: a plain pydantic
model of the bill (no aliases, no validators), no authentication, a small JSON answer.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from pydantic import BaseModel

from pricing_api.app import create_app


class MinimalLine(BaseModel):
    line_id: str
    code: str
    name: str | None = None
    unit: str | None = None
    service_date: dt.date
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal | None = None


class MinimalBill(BaseModel):
    bill_id: str
    hospital: dict
    patient: dict
    encounter: dict
    lines: list[MinimalLine]
    history: list[MinimalLine] = []


Value = str | int | float | None


class MinimalOrder(BaseModel):
    rx_id: Value = None
    hilist_code: Value = None
    hilist_name: Value = None
    hilist_type: Value = None
    cnt: Value = None
    pric: Value = None
    sumamt: Value = None
    drord_begn_date: Value = None
    curr_drord_flag: Value = None


class MinimalEncounter(BaseModel):
    mdtrt_id: Value = None
    medins_lv: Value = None
    med_mdtrt_type: Value = None
    adm_date: Value = None
    dscg_date: Value = None
    fsi_order_dtos: list[MinimalOrder] = []


class MinimalPatient(BaseModel):
    patn_id: Value = None
    gend: Value = None
    brdy: Value = None
    fsi_encounter_dtos: list[MinimalEncounter] = []


class MinimalData(BaseModel):
    trig_scen: Value = None
    patient_dtos: list[MinimalPatient] = []


class MinimalInput(BaseModel):
    data: MinimalData


class MinimalNational(BaseModel):
    """The 3101 request as a plain FastAPI app would model the fields it reads."""

    infno: Value = None
    msgid: Value = None
    fixmedins_code: Value = None
    inf_time: Value = None
    input: MinimalInput


def create_bench_app():
    app = create_app()

    @app.post("/bench/minimal")
    async def minimal(bill: MinimalBill) -> dict:
        return {"bill_id": bill.bill_id, "lines": len(bill.lines)}

    @app.post("/bench/minimal-3101")
    async def minimal_national(request: MinimalNational) -> dict:
        return {"infcode": 0, "patients": len(request.input.data.patient_dtos)}

    return app
