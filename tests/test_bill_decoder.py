"""The fast bill decoder reads every bill exactly as the contract's model does, or leaves it to
the model: the same values, the same 422s."""

from __future__ import annotations

import json

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from pricing_api.bill_decoder import FastBill, decode_bill
from tests.validators.builders import bill_data, line
from validators.bill import Bill

TEXT = st.one_of(st.just("x"), st.just(" padded "), st.just(""), st.just("\u3000全角空格"), st.text(max_size=8))
AMOUNT = st.one_of(st.just("10"), st.just("4592.00"), st.just("1.10000"), st.just("0.00001"), st.just("-1"),
                   st.just("1E+3"), st.just("12345678901.5"), st.just("NaN"), st.just(10), st.just(1.5),
                   st.decimals(allow_nan=False, allow_infinity=False, places=3).map(str))
SEX = st.sampled_from(["F", "M", "1", "2", "0", "9", "女", "未知", "X", " F", 2, None])
GRADE = st.sampled_from(["grade_3a", "三乙", "grade_9", None])


def _comparable(bill) -> dict:
    """What the engine reads of a bill, as plain values."""
    if isinstance(bill, FastBill):
        return msgspec.to_builtins(bill, builtin_types=(__import__("datetime").date, __import__("decimal").Decimal))
    data = bill.model_dump()
    data["hospital"]["grade"] = data["hospital"]["grade"]
    return data


def _outcome(body: bytes):
    try:
        return "ok", _normalise(_comparable(decode_bill(body)))
    except ValidationError as exc:
        return "error", [(e["type"], e["loc"]) for e in exc.errors()]


def _expected(body: bytes):
    try:
        return "ok", _normalise(Bill.model_validate_json(body).model_dump())
    except ValidationError as exc:
        return "error", [(e["type"], e["loc"]) for e in exc.errors()]


def _normalise(data):
    """Drop fields left at their defaults (None, []) so both shapes compare by content."""
    if isinstance(data, dict):
        return {k: _normalise(v) for k, v in data.items() if v not in (None, [])}
    if isinstance(data, list):
        return [_normalise(v) for v in data]
    return data


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=TEXT, unit=TEXT, line_id=TEXT, quantity=AMOUNT, price=AMOUNT, amount=st.one_of(st.none(), AMOUNT),
       sex=SEX, grade=GRADE, extra=st.sampled_from([None, ("amout", "1"), ("cnt", "2"), ("hilist_type", "301")]))
def test_the_fast_path_reads_a_bill_as_the_contract_does(name, unit, line_id, quantity, price, amount, sex, grade,
                                                         extra):
    data = bill_data(line("31060200800", 10, line_id=line_id or "1", name=name, unit=unit), grade=grade)
    entry = data["lines"][0]
    entry.update(quantity=quantity, unit_price=price)
    if amount is not None:
        entry["amount"] = amount
    data["patient"]["sex"] = sex
    if extra:
        entry[extra[0]] = extra[1]
    body = json.dumps(data, ensure_ascii=False).encode()
    assert _outcome(body) == _expected(body)


@pytest.mark.parametrize("variant", ["aliases", "pretty", "history"])
def test_ordinary_bills_take_the_fast_path_or_agree(variant):
    data = bill_data(line("33150700500", 4592, line_id="1"), line("31060200800", 10, quantity=2, line_id="2"),
                     history=[line("31060200800", 10, line_id="h1")])
    if variant == "aliases":
        data["lines"][0] = {"line_id": "1", "hilist_code": "33150700500", "drord_begn_date": "2021-09-03",
                            "cnt": 1, "pric": 4592}
    body = json.dumps(data, ensure_ascii=False, indent=2 if variant == "pretty" else None).encode()
    assert _outcome(body) == _expected(body)


def test_an_ordinary_bill_takes_the_fast_path():
    from pricing_api.bill_decoder import _fast

    body = json.dumps(bill_data(line("33150700500", 4592), line("31060200800", 10, line_id="2", quantity="1.5")),
                      ensure_ascii=False).encode()
    assert isinstance(_fast(body), FastBill)
