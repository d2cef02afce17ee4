"""The 3101/3102 request as HIS systems send it, read leniently.

Public HIS code sends the same field as a JSON number or a string, dates as
"yyyy-MM-dd HH:mm:ss", date-only, null or the sentinel "9999-12-31 00:00:00", `patient_dtos`
as a list or a single object, and dozens of fields this service does not need: all of that is
accepted (unknown fields are ignored).  Only what cannot be read at all — not JSON, no
`patient_dtos` — makes the whole request an error.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

import msgspec

Scalar = str | int | float | bool | None


class NhsaOrder(msgspec.Struct, kw_only=True):
    """`fsi_order_dtos[]`: one order or fee line."""

    rx_id: Scalar = None
    rxno: Scalar = None
    hilist_type: Scalar = None
    chrg_type: Scalar = None
    hilist_code: Scalar = None
    hilist_name: Scalar = None
    hosplist_code: Scalar = None
    hosplist_name: Scalar = None
    cnt: Scalar = None
    pric: Scalar = None
    sumamt: Scalar = None
    drord_begn_date: Scalar = None
    curr_drord_flag: Scalar = None


class NhsaEncounter(msgspec.Struct, kw_only=True):
    """`fsi_encounter_dtos[]`: one encounter (就诊)."""

    mdtrt_id: Scalar = None
    medins_id: Scalar = None
    medins_lv: Scalar = None
    med_mdtrt_type: Scalar = None
    adm_date: Scalar = None
    dscg_date: Scalar = None
    fsi_order_dtos: list[NhsaOrder] | NhsaOrder | None = None


class NhsaPatient(msgspec.Struct, kw_only=True):
    """`patient_dtos[]`: patn_name and the other personal fields are not read at all."""

    patn_id: Scalar = None
    gend: Scalar = None
    brdy: Scalar = None
    fsi_encounter_dtos: list[NhsaEncounter] | NhsaEncounter | None = None


class NhsaData(msgspec.Struct, kw_only=True):
    """`input.data`."""

    syscode: Scalar = None
    trig_scen: Scalar = None
    rule_ids: list[Scalar] | Scalar = None
    task_id: Scalar = None
    patient_dtos: list[NhsaPatient] | NhsaPatient | None = None


class NhsaInput(msgspec.Struct, kw_only=True):
    data: NhsaData | None = None


class NhsaEnvelope(msgspec.Struct, kw_only=True):
    """The platform's envelope; `input` alone or `data` alone are accepted too."""

    infno: Scalar = None
    msgid: Scalar = None
    fixmedins_code: Scalar = None
    inf_time: Scalar = None
    input: NhsaInput | None = None
    data: NhsaData | None = None
    # `data` sent alone: its fields at the top level.
    syscode: Scalar = None
    trig_scen: Scalar = None
    rule_ids: list[Scalar] | Scalar = None
    task_id: Scalar = None
    patient_dtos: list[NhsaPatient] | NhsaPatient | None = None


class RequestError(ValueError):
    """The request cannot be read at all: answered as infcode -1 naming where and why."""


def decode(body: bytes) -> tuple[NhsaEnvelope, NhsaData]:
    """The envelope (empty when only `input` or `data` was sent) and its `data`."""
    try:
        envelope = msgspec.json.decode(body, type=NhsaEnvelope)
    except msgspec.ValidationError as exc:
        raise RequestError(f"请求格式不符：{_where(str(exc))}") from None
    except msgspec.DecodeError as exc:
        raise RequestError(f"不是有效的 JSON：{exc}") from None
    if envelope.input is not None and envelope.input.data is not None:
        data = envelope.input.data
    elif envelope.data is not None:
        data = envelope.data
    elif envelope.patient_dtos is not None:
        data = NhsaData(syscode=envelope.syscode, trig_scen=envelope.trig_scen, rule_ids=envelope.rule_ids,
                    task_id=envelope.task_id, patient_dtos=envelope.patient_dtos)
    else:
        raise RequestError("缺少 input.data.patient_dtos（参保人信息）")
    if data.patient_dtos is None:
        raise RequestError("缺少 input.data.patient_dtos（参保人信息）")
    return envelope, data


def _where(message: str) -> str:
    # msgspec says "Expected `str`, got `array` - at `$.input.data.patient_dtos[0].gend`": keep the path and the
    # expectation, never a value.
    path = re.search(r"at `\$\.?([^`]*)`", message)
    expectation = message.split(" - at ")[0]
    return f"{path.group(1) if path else '请求'}：{expectation}"


def as_list(value: object) -> list:
    """A list, a single object as a list of one, None as an empty list."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def text(value: Scalar) -> str | None:
    """A code or id as text (JSON numbers accepted), None when empty."""
    if type(value) is str:  # the usual case first: this runs for every field of every order
        return value.strip() or None
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    result = str(value).strip()
    return result or None


def number(value: Scalar) -> Decimal | None:
    """A JSON number or a numeric string as Decimal; None when empty or not a number."""
    if value is None or isinstance(value, bool):
        return None
    try:
        result = Decimal(value.strip() if type(value) is str else str(value))
    except InvalidOperation:
        return None
    return result if result.is_finite() else None


_SENTINEL_YEAR = 9999


def day(value: Scalar) -> dt.date | None:
    """The date of "yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd" or "yyyyMMdd…"; None for null, empty,
    unreadable or the 9999-12-31 "not yet" sentinel."""
    raw = text(value)
    if raw is None:
        return None
    digits = raw[:10]
    try:
        parsed = dt.date.fromisoformat(digits) if "-" in digits else dt.datetime.strptime(raw[:8], "%Y%m%d").date()
    except ValueError:
        return None
    return None if parsed.year == _SENTINEL_YEAR else parsed
