"""A bill's JSON into the engine's structures, fast, with the contract's own answers.

`validators.bill.Bill` (pydantic) is the contract: its fields, aliases, limits and Chinese
messages.  Parsing every request through it costs more than judging a 10-line bill, so the hot
path decodes with msgspec into plain structs that carry the same attributes the engine reads,
and checks the same limits.  Anything out of the ordinary — an alias (`cnt`, `pric`…), an
unknown field, a value near a limit, any error — declines the fast path and goes through the
pydantic model, so the result and every 422 message are exactly the contract's.  A property
test holds the two paths to the same bills.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from operator import attrgetter
from typing import Annotated, Any, Literal, cast

import msgspec

from price_tables.grades import Grade
from validators.bill import MAX_HISTORY_LINES, MAX_LINES, Bill, LineValues

_SEX = {"M": "M", "F": "F", "1": "M", "2": "F", "男": "M", "女": "F", "m": "M", "f": "F"}
_UNKNOWN_SEX = {"0", "9", "u", "U", "unknown", "未知", "未说明"}
_ZERO = Decimal(0)
_FOUR_PLACES = Decimal("0.0001")
_TEN_DIGITS, _EIGHT_DIGITS = Decimal("1E10"), Decimal("1E8")


def _text(longest: int, shortest: int = 0) -> Any:
    """Text bounded as the contract bounds it (checked by msgspec, in C)."""
    return Annotated[str, msgspec.Meta(min_length=shortest, max_length=longest)]


class FastLine(LineValues, msgspec.Struct, forbid_unknown_fields=True):
    """A bill line with the attributes the engine reads (see `validators.bill.BillLine`)."""

    line_id: _text(64, 1)  # type: ignore[valid-type]
    service_date: dt.date
    quantity: Decimal
    unit_price: Decimal
    code: _text(40, 1) | None = None  # type: ignore[valid-type]
    hilist_code: _text(50, 1) | None = None  # type: ignore[valid-type]
    hosplist_code: _text(50, 1) | None = None  # type: ignore[valid-type]
    name: _text(200) | None = None  # type: ignore[valid-type]
    unit: _text(40) | None = None  # type: ignore[valid-type]
    amount: Decimal | None = None
    duration_hours: Decimal | None = None
    course_id: _text(64) | None = None  # type: ignore[valid-type]
    session_id: _text(64) | None = None  # type: ignore[valid-type]
    body_site: _text(100) | None = None  # type: ignore[valid-type]
    consent_signed: bool | None = None
    purchase_price: Decimal | None = None
    main_line_id: _text(64) | None = None  # type: ignore[valid-type]
    category: Literal["service", "material", "drug"] | None = None
    material_code: _text(64) | None = None  # type: ignore[valid-type]


class FastHospital(msgspec.Struct, forbid_unknown_fields=True):
    grade: Grade | None = None
    fixmedins_code: _text(30, 1) | None = None  # type: ignore[valid-type]


class FastPatient(msgspec.Struct, forbid_unknown_fields=True):
    birth_date: dt.date
    sex: str | None = None


class FastEncounter(msgspec.Struct, forbid_unknown_fields=True):
    type: Literal["inpatient", "outpatient"]
    admitted_on: dt.date | None = None
    discharged_on: dt.date | None = None


class FastBill(msgspec.Struct, forbid_unknown_fields=True):
    bill_id: _text(64, 1)  # type: ignore[valid-type]
    hospital: FastHospital
    patient: FastPatient
    encounter: FastEncounter
    lines: list[FastLine]
    history: list[FastLine] = []


_DECODER = msgspec.json.Decoder(FastBill)


class _Declined(Exception):
    """Not for the fast path: the contract's model decides."""


Declined = _Declined


def decode_bill(body: bytes) -> Bill:
    """The bill in `body`; a pydantic ValidationError (the API's 422) when it is not one."""
    try:
        # The struct has every attribute of the contract's model the engine reads.
        return cast(Bill, _fast(body))
    except (_Declined, msgspec.ValidationError, msgspec.DecodeError, ValueError, ArithmeticError):
        return Bill.model_validate_json(body)


_LINE_TEXTS = attrgetter("line_id", "code", "hilist_code", "hosplist_code", "name", "unit", "course_id", "session_id",
                         "body_site", "main_line_id", "material_code")
_LINE_AMOUNTS = attrgetter("unit_price", "amount", "purchase_price")


def _fast(body: bytes) -> FastBill:
    return checked(_DECODER.decode(body))


def checked(bill: FastBill, *, stripped: bool = False) -> FastBill:
    """`bill` if it is one the contract's model would accept as it is; `_Declined` otherwise.
    `stripped`: its text is known to have no surrounding whitespace (built, not decoded)."""
    if not bill.lines or len(bill.lines) > MAX_LINES or len(bill.history) > MAX_HISTORY_LINES:
        raise _Declined
    _unpadded(bill.bill_id, bill.hospital.fixmedins_code)
    _patient(bill.patient)
    encounter = bill.encounter
    if encounter.admitted_on and encounter.discharged_on and encounter.discharged_on < encounter.admitted_on:
        raise _Declined
    seen: set[str] = set()
    first = bill.lines[0].service_date
    for line in bill.lines:
        _line(line, stripped)
        if line.line_id in seen:
            raise _Declined
        seen.add(line.line_id)
        if line.service_date < first:
            first = line.service_date
        if line.main_line_id is not None and line.main_line_id not in seen and not _later_id(bill, line.main_line_id):
            raise _Declined
    for line in bill.history:
        _line(line, stripped)
    if bill.patient.birth_date > first:
        raise _Declined
    return bill


def _later_id(bill: FastBill, line_id: str) -> bool:
    return any(other.line_id == line_id for other in bill.lines)


def _unpadded(*texts: str | None) -> None:
    """The contract strips surrounding whitespace; text that has any goes its way instead."""
    for text in texts:
        if text and (text[0].isspace() or text[-1].isspace()):
            raise _Declined


def _plain(value: Decimal | None, below: Decimal = _TEN_DIGITS) -> None:
    """Only plain amounts take the fast path: not negative, below `below` (so at most ten whole
    digits; a quantity eight) and at most four decimals (trailing zeros do not count, as in the
    contract): the contract's digit limits (14; a quantity 12) are never near.  NaN raises."""
    if value is not None and not (_ZERO <= value < below and value == value.quantize(_FOUR_PLACES)):
        raise _Declined


def _line(line: FastLine, stripped: bool = False) -> None:
    if not stripped:
        for text in _LINE_TEXTS(line):  # inlined `_unpadded`: this runs for every line
            if text and (text[0].isspace() or text[-1].isspace()):
                raise _Declined
    if not (line.code or line.hilist_code or line.hosplist_code):
        raise _Declined
    quantity = line.quantity
    _plain(quantity, _EIGHT_DIGITS)
    if quantity == _ZERO:
        raise _Declined
    for amount in _LINE_AMOUNTS(line):
        _plain(amount)
    hours = line.duration_hours
    if hours is not None and not (hours.is_finite() and _ZERO <= hours <= 10000):
        raise _Declined


def _patient(patient: FastPatient) -> None:
    sex = patient.sex
    if sex is None:
        return
    text = sex.strip()
    if text in _UNKNOWN_SEX or text.lower() in _UNKNOWN_SEX:
        patient.sex = None
    elif text in _SEX:
        patient.sex = _SEX[text]
    else:
        raise _Declined
