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


def create_bench_app():
    app = create_app()

    @app.post("/bench/minimal")
    async def minimal(bill: MinimalBill) -> dict:
        return {"bill_id": bill.bill_id, "lines": len(bill.lines)}

    return app
