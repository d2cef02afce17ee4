"""Findings in the platform's answer shape: `infcode`, `err_msg`, `output.result[]` with
`judge_result_detail_dtos[]` per line.

What HIS code reads, and so what this keeps exact: `infcode` is a JSON number (0 ok, -1 error),
`err_msg` is "" on success, `output.result` is [] when nothing was found, money is a number with
two decimals.  `jr_id` is a hash of the finding, so the same request sent again gives the same
ids, and 3103 feedback can refer to them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import os
from decimal import Decimal
from typing import Any

import msgspec

from pricing_api.nhsa.adapter import Case
from pricing_api.nhsa.dictionaries import Dictionaries
from validators.findings import Finding, Report
from validators.registry import RULES_BY_ID

_ENCODE = msgspec.json.Encoder(decimal_format="number").encode
_CENT = Decimal("0.01")
_ZERO = Decimal("0.00")
_serial = itertools.count(1)


def _timestamp(moment: dt.datetime) -> str:
    """The platform's 17-character time: yyyyMMddHHmmssSSS."""
    return (f"{moment.year:04d}{moment.month:02d}{moment.day:02d}{moment.hour:02d}{moment.minute:02d}"
            f"{moment.second:02d}{moment.microsecond // 1000:03d}")


def _envelope(received: dt.datetime, output: Any, *, infcode: int = 0, err_msg: str = "") -> bytes:
    now = dt.datetime.now()
    return _ENCODE({
        "infcode": infcode, "inf_refmsgid": f"000000{_timestamp(now)[:14]}{os.getpid() % 10000:04d}{next(_serial) % 10**6:06d}",
        "refmsg_time": _timestamp(received), "respond_time": _timestamp(now), "err_msg": err_msg,
        "warn_msg": None, "cainfo": None, "signtype": None, "output": output,
    })


def error_answer(received: dt.datetime, message: str) -> bytes:
    """A request that cannot be read: infcode -1 and why (never a value of it)."""
    return _envelope(received, None, infcode=-1, err_msg=message)


def jr_id_of(case: Case, rule: str, line_ids: tuple[str, ...], message: str, hospital: str) -> str:
    key = "\x1f".join((hospital, case.patn_id, case.mdtrt_id, rule, *line_ids, message))
    return hashlib.sha256(key.encode()).hexdigest()[:32]


UNREADABLE = "NHSA_INPUT_UNREADABLE"


def results_of(case: Case, report: Report | None, *, hospital: str, task_id: str | None,
               dictionaries: Dictionaries, wanted: set[str]) -> list[tuple[dict[str, Any], str]]:
    """`output.result[]` items for one encounter, each with our rule id (only the `wanted`
    rules, when some are)."""
    if report is None:
        message = case.problem or "本次就诊未审核"
        return [(_item(case, jr_id_of(case, UNREADABLE, (), message, hospital), UNREADABLE, "就诊信息不完整，无法审核",
                       message, _ZERO, dictionaries.sev_deg["suspect"], "", dictionaries.behaviour_of(UNREADABLE),
                       dictionaries.vola_amt_stas["none"], task_id, []), UNREADABLE)]
    items = []
    for finding in report.findings:
        rule_id = finding.national_rule or finding.rule
        if wanted and rule_id not in wanted and finding.rule not in wanted:
            continue
        items.append((_finding_item(case, finding, rule_id, hospital, task_id, dictionaries), finding.rule))
    return items


def _finding_item(case: Case, finding: Finding, rule_id: str, hospital: str, task_id: str | None,
                  dictionaries: Dictionaries) -> dict[str, Any]:
    jr_id = jr_id_of(case, finding.rule, finding.line_ids, finding.message, hospital)
    at_risk = finding.amount_at_risk.quantize(_CENT)
    details = [{
        "jrd_id": f"{jr_id}-{position}",  # stable with its warning's id
        "patn_id": case.patn_id, "mdtrt_id": case.mdtrt_id, "rx_id": case.rx_ids.get(line_id, line_id),
        "vola_item_type": "1" if line_id == finding.risk_line_id else "2",
        "vola_amt": at_risk if line_id == finding.risk_line_id else _ZERO,
    } for position, line_id in enumerate(finding.line_ids, start=1)]
    basis = finding.basis
    evidence = "".join(part for part in (basis.document or "", f"第{basis.seq}行" if basis.seq else "") if part)
    return _item(case, jr_id, rule_id, RULES_BY_ID[finding.rule].summary, finding.message, at_risk,
                 dictionaries.sev_deg[finding.result.label], f"{evidence}：{basis.text}" if evidence else basis.text,
                 dictionaries.behaviour_of(finding.rule),
                 dictionaries.vola_amt_stas["computed" if at_risk > 0 else "none"], task_id, details)




def _item(case: Case, jr_id: str, rule_id: str, rule_name: str, content: str, amount: Decimal, severity: str,
          evidence: str, behaviour: str, amount_state: str, task_id: str | None,
          details: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "jr_id": jr_id, "rule_id": rule_id, "rule_name": rule_name, "vola_cont": content,
        "patn_id": case.patn_id, "mdtrt_id": case.mdtrt_id, "vola_amt": amount, "vola_amt_stas": amount_state,
        "sev_deg": severity, "vola_evid": evidence[:500], "vola_bhvr_type": behaviour, "task_id": task_id or "",
        "judge_result_detail_dtos": details,
    }


def answer(received: dt.datetime, result: list[dict[str, Any]] | dict[str, Any]) -> bytes:
    """infcode 0 with `output.result` (the findings of 3101/3102; what 3103 recorded)."""
    return _envelope(received, {"result": result})
