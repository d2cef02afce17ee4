"""Each encounter of a 3101/3102 request as a bill of the clean contract.

`patient_dtos[].fsi_encounter_dtos[]` → one bill; `fsi_order_dtos[]` → its lines (`rx_id` the
line id; `curr_drord_flag` "0": an earlier order, counted in the history but not judged again);
a negative `cnt` is a refund, netted against the same code and order (处方号); `gend` other than
1/2 means sex unknown; a missing `dscg_date` means not yet discharged.  An encounter that
cannot become a bill (no birth date, say) is reported as such; it never fails the request.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import cast

import msgspec
from pydantic import ValidationError

from pricing_api.bill_decoder import Declined, FastBill, FastEncounter, FastHospital, FastLine, FastPatient, checked
from pricing_api.nhsa.dictionaries import Dictionaries
from pricing_api.nhsa.request import NhsaData, NhsaEnvelope, as_list, day, number, text
from pricing_api.validation_messages import field_name, reason_of
from validators.bill import Bill, category_of
from validators.reference import ReferenceData

_SEX = {"1": "M", "2": "F"}


@dataclass
class Case:
    """One encounter: its bill, or why it could not be judged."""

    patn_id: str
    mdtrt_id: str
    bill: Bill | None = None
    problem: str | None = None
    notes: list[str] = field(default_factory=list)  # orders left out, and why
    rx_ids: dict[str, str] = field(default_factory=dict)  # line id → the order's rx_id as sent


@dataclass
class _Order:
    """An order read once: what a line needs, in the engine's types."""

    position: int
    rx_id: str
    rxno: str | None
    current: bool
    codes: tuple[str | None, str | None]
    name: str | None
    category: str | None
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal | None
    served_on: dt.date


def cases_of(envelope: NhsaEnvelope, data: NhsaData, *, reference: ReferenceData,
             dictionaries: Dictionaries) -> list[Case]:
    fallback_day = day(envelope.inf_time)
    envelope_code = text(envelope.fixmedins_code)
    cases = []
    for p_index, patient in enumerate(as_list(data.patient_dtos)):
        patn_id = text(patient.patn_id) or f"patient-{p_index + 1}"
        birth = day(patient.brdy)
        sex = _SEX.get(text(patient.gend) or "")
        for e_index, encounter in enumerate(as_list(patient.fsi_encounter_dtos)):
            mdtrt_id = text(encounter.mdtrt_id) or f"{patn_id}-{e_index + 1}"
            case = Case(patn_id=patn_id, mdtrt_id=mdtrt_id)
            cases.append(case)
            if birth is None:
                case.problem = "参保人出生日期（brdy）缺失或无效，本次就诊未审核"
                continue
            admitted = day(encounter.adm_date)
            orders = _netted(_orders_of(encounter.fsi_order_dtos, admitted or fallback_day, case), case)
            current = [o for o in orders if o.current]
            if not current:
                continue
            inpatient = (text(encounter.med_mdtrt_type) or "") in dictionaries.inpatient_types
            bill = FastBill(
                bill_id=mdtrt_id,
                hospital=FastHospital(grade=dictionaries.grade_of(text(encounter.medins_lv)),
                                      fixmedins_code=_hospital_code(envelope_code, text(encounter.medins_id), reference)),
                patient=FastPatient(birth_date=birth, sex=sex),
                encounter=FastEncounter(type="inpatient" if inpatient else "outpatient",
                                        admitted_on=admitted if inpatient else None,
                                        discharged_on=day(encounter.dscg_date) if inpatient else None),
                lines=_unique_ids([_line(o) for o in current], case.rx_ids),
                history=_unique_ids([_line(o) for o in orders if not o.current], {}))
            case.bill = _as_bill(bill, case)
    return cases


def _as_bill(bill: FastBill, case: Case) -> Bill | None:
    """The encounter as a bill the contract accepts; why not, in `case.problem`."""
    try:
        # The struct has every attribute of the contract's model the engine reads; its text was
        # stripped as it was read (`request.text`).
        return cast(Bill, checked(bill, stripped=True))
    except (Declined, ArithmeticError):
        pass
    try:  # the contract's model says precisely what is wrong (a rare path)
        return Bill.model_validate(msgspec.to_builtins(bill))
    except ValidationError as exc:
        first = exc.errors()[0]
        case.problem = f"本次就诊无法审核：{field_name(first['loc'])} {reason_of(first)}"
        return None


def _hospital_code(envelope_code: str | None, medins_id: str | None, reference: ReferenceData) -> str | None:
    """The registry's key for the hospital: the envelope's fixmedins_code, else the encounter's
    medins_id, whichever the registry knows (else whichever was sent)."""
    for code in (envelope_code, medins_id):
        if code and code in reference.hospitals:
            return code
    return envelope_code or medins_id


def _orders_of(raw: object, default_day: dt.date | None, case: Case) -> list[_Order]:
    orders = []
    for position, order in enumerate(as_list(raw)):
        rx_id = text(order.rx_id) or f"order-{position + 1}"
        quantity, price, amount = number(order.cnt), number(order.pric), number(order.sumamt)
        if price is None and amount is not None and quantity:
            price = amount / quantity
        served_on = day(order.drord_begn_date) or default_day
        codes = (text(order.hilist_code), text(order.hosplist_code))
        if quantity is None or price is None or served_on is None or codes == (None, None):
            missing = [label for label, absent in (("cnt", quantity is None), ("pric", price is None),
                                                   ("drord_begn_date", served_on is None),
                                                   ("hilist_code/hosplist_code", codes == (None, None))) if absent]
            case.notes.append(f"医嘱 {rx_id} 缺少 {'、'.join(missing)}，未审核")
            continue
        name = text(order.hilist_name) or text(order.hosplist_name)
        orders.append(_Order(position, rx_id, text(order.rxno), text(order.curr_drord_flag) != "0", codes,
                             name[:200] if name else None, category_of(text(order.hilist_type), text(order.chrg_type)),
                             quantity, abs(price), amount, served_on))
    return orders


def _netted(orders: list[_Order], case: Case) -> list[_Order]:
    """Refunds (negative cnt) netted against the same codes and order (处方号 `rxno`, else the
    same day): what is left is charged once, on the first line that charged it."""
    groups: dict[tuple, list[_Order]] = defaultdict(list)
    for order in orders:
        groups[(order.codes, order.rxno or order.served_on)].append(order)
    result = []
    for group in groups.values():
        if len(group) == 1 and group[0].quantity > 0:
            result.append(group[0])
            continue
        net = sum((o.quantity for o in group), Decimal(0))
        charged = [o for o in group if o.quantity > 0]
        if net <= 0 or not charged:
            continue  # fully refunded: nothing left to judge
        first = charged[0]
        amounts = [o.amount if o.amount is not None else o.quantity * o.unit_price for o in group]
        result.append(replace(first, quantity=net, amount=sum(amounts, Decimal(0))))
        if len(group) > len(charged):
            case.notes.append(f"医嘱 {first.rx_id} 与退费明细冲抵后数量为 {net.normalize():f}")
    return sorted(result, key=lambda o: o.position)


def _line(order: _Order) -> FastLine:
    hilist_code, hosplist_code = order.codes
    amount = order.amount
    return FastLine(line_id=order.rx_id[:64], service_date=order.served_on, quantity=order.quantity,
                    unit_price=order.unit_price, hilist_code=hilist_code, hosplist_code=hosplist_code, name=order.name,
                    amount=amount if amount is None or amount >= 0 else None,
                    category=order.category)  # type: ignore[arg-type]


def _unique_ids(lines: list[FastLine], rx_ids: dict[str, str]) -> list[FastLine]:
    """A repeated rx_id gets a suffix (#2, #3…), so every line stays its own; `rx_ids` records
    the rx_id each line id stands for."""
    seen: dict[str, int] = {}
    for line in lines:
        rx_id = line.line_id
        seen[rx_id] = seen.get(rx_id, 0) + 1
        if seen[rx_id] > 1:
            line.line_id = f"{rx_id}#{seen[rx_id]}"
        rx_ids[line.line_id] = rx_id
    return lines
