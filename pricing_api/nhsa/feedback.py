"""3103 事前事中反馈: how the doctor or biller handled each warning.

`input.data.warn_type` ("1" 事前, "2" 事中) and `input.data.warns[]` of `warn_rslt_id` (the
warning's `jr_id`; `jr_id` is accepted too), `dspo_way` ("1" continued as billed — a reason
is then required — "2" went back and modified) and `dspo_way_rea`.
"""

from __future__ import annotations

from dataclasses import dataclass

import msgspec

from pricing_api.nhsa.request import RequestError, Scalar, as_list, text

CONTINUED, MODIFIED = "1", "2"
MAX_REASON = 500


class NhsaWarn(msgspec.Struct, kw_only=True):
    warn_rslt_id: Scalar = None
    jr_id: Scalar = None
    dspo_way: Scalar = None
    dspo_way_rea: Scalar = None


class NhsaFeedbackData(msgspec.Struct, kw_only=True):
    warn_type: Scalar = None
    warns: list[NhsaWarn] | NhsaWarn | None = None


class NhsaFeedbackInput(msgspec.Struct, kw_only=True):
    data: NhsaFeedbackData | None = None


class NhsaFeedbackEnvelope(msgspec.Struct, kw_only=True):
    infno: Scalar = None
    fixmedins_code: Scalar = None
    input: NhsaFeedbackInput | None = None
    data: NhsaFeedbackData | None = None
    warn_type: Scalar = None
    warns: list[NhsaWarn] | NhsaWarn | None = None


@dataclass(frozen=True)
class Handling:
    jr_id: str
    dspo_way: str
    reason: str


def decode_feedback(body: bytes) -> tuple[str, list[Handling]]:
    """(warn_type, each warning's handling); RequestError names the first problem."""
    try:
        envelope = msgspec.json.decode(body, type=NhsaFeedbackEnvelope)
    except (msgspec.ValidationError, msgspec.DecodeError) as exc:
        raise RequestError(f"请求格式不符：{str(exc).split(' - at ')[0]}") from None
    data = (envelope.input.data if envelope.input and envelope.input.data else
            envelope.data or NhsaFeedbackData(warn_type=envelope.warn_type, warns=envelope.warns))
    warns = as_list(data.warns)
    if not warns:
        raise RequestError("缺少 input.data.warns（处理数据集合）")
    handlings = []
    for index, warn in enumerate(warns):
        where = f"input.data.warns[{index}]"
        jr_id = text(warn.warn_rslt_id) or text(warn.jr_id)
        way = text(warn.dspo_way)
        reason = text(warn.dspo_way_rea) or ""
        if not jr_id:
            raise RequestError(f"{where}.warn_rslt_id：缺少违规标识（取自 3101/3102 的 jr_id）")
        if way not in (CONTINUED, MODIFIED):
            raise RequestError(f"{where}.dspo_way：应为 1（继续执行）或 2（返回修改）")
        if way == CONTINUED and not reason:
            raise RequestError(f"{where}.dspo_way_rea：选择继续执行时须填写处理原因")
        if any(ord(c) < 32 and c not in "\t\n\r" for c in reason + jr_id):
            raise RequestError(f"{where}：含有不可见的控制字符（如 NUL）")
        if len(reason) > MAX_REASON or len(jr_id) > 64:
            raise RequestError(f"{where}：处理原因最多 {MAX_REASON} 字，违规标识最多 64 个字符")
        handlings.append(Handling(jr_id, way, reason))
    return text(data.warn_type) or "", handlings
