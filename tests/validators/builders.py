"""Tiny builders for bills: a test states only what matters to it."""

from __future__ import annotations

from validators.bill import Bill

DAY = "2021-09-03"


def line(code: str, price, quantity="1", day: str = DAY, line_id: str | None = None, **extra) -> dict:
    data = {"line_id": line_id or f"{code}-{day}-{price}", "code": code, "service_date": day,
            "quantity": str(quantity), "unit_price": str(price)}
    data.update({k: (str(v) if k in ("amount", "purchase_price", "duration_hours") else v) for k, v in extra.items()})
    return data


def bill_data(*lines: dict, grade="grade_3a", birth="1980-05-01", sex="F", encounter=None, history=()) -> dict:
    return {
        "bill_id": "T1", "hospital": {"grade": grade} if grade else {}, "patient": {"birth_date": birth, "sex": sex},
        "encounter": encounter or {"type": "inpatient", "admitted_on": "2021-09-01", "discharged_on": "2021-09-30"},
        "lines": list(lines), "history": list(history),
    }


def bill(*lines: dict, **kwargs) -> Bill:
    return Bill.model_validate(bill_data(*lines, **kwargs))
