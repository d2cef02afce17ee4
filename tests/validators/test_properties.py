"""Properties of the engine over generated bills (hypothesis)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from price_tables.catalog import Catalog, NoticeVersion
from price_tables.grades import Grade
from price_tables.loader import bundled_notices
from validators import validate
from validators.bill import Bill
from validators.context import age_on
from validators.rules.price import standard_unit_price

CATALOG = Catalog.of(NoticeVersion(i + 1, n, i + 1) for i, n in enumerate(bundled_notices()))
CODES = CATALOG.codes()
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

days = st.dates(dt.date(2021, 8, 20), dt.date(2024, 3, 1))
money = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("30000"), places=2)
quantities = st.sampled_from([Decimal(q) for q in ("1", "1", "1", "2", "3", "0.5", "6", "25")])


@st.composite
def bill_lines(draw, count, prefix):
    lines = []
    for i in range(count):
        code = draw(st.one_of(st.sampled_from(CODES), st.sampled_from(["25010100100", "C0001", "33150799999"])))
        quantity, price = draw(quantities), draw(money)
        line = {"line_id": f"{prefix}{i}", "code": code, "service_date": draw(days).isoformat(),
                "quantity": str(quantity), "unit_price": str(price)}
        if draw(st.booleans()):
            line["amount"] = str(quantity * price if draw(st.booleans()) else draw(money))
        for field, strategy in (("name", st.sampled_from(["人工全髋关节置换术", "呼吸机辅助呼吸", "小肠镜检查", "腹腔镜手术",
                                                          "一次性导尿管", "气囊导尿管", "医用氧气"])),
                                ("unit", st.sampled_from(["次", "人次", "日", "小时"])),
                                ("duration_hours", st.decimals(min_value=0, max_value=30, places=1).map(str)),
                                ("course_id", st.sampled_from(["C1", "C2"])),
                                ("session_id", st.sampled_from(["S1", "S2"])),
                                ("category", st.sampled_from(["service", "material", "drug"])),
                                ("body_site", st.sampled_from(["左膝", "腰"])),
                                ("consent_signed", st.booleans())):
            if draw(st.booleans()):
                line[field] = draw(strategy)
        lines.append(line)
    if len(lines) > 1 and draw(st.booleans()):
        lines[-1]["main_line_id"] = lines[0]["line_id"]
    return lines


@st.composite
def bills(draw):
    count = draw(st.integers(min_value=1, max_value=12))
    admitted = draw(days)
    return Bill.model_validate({
        "bill_id": "P", "hospital": {"grade": draw(st.sampled_from(list(Grade))).value},
        "patient": {"birth_date": draw(st.dates(dt.date(1940, 1, 1), dt.date(2021, 8, 1))).isoformat(),
                    "sex": draw(st.sampled_from(["M", "F"]))},
        "encounter": draw(st.one_of(
            st.just({"type": "outpatient"}),
            st.just({"type": "inpatient", "admitted_on": admitted.isoformat(),
                     "discharged_on": (admitted + dt.timedelta(days=draw(st.integers(0, 60)))).isoformat()}))),
        "lines": draw(bill_lines(count, "L")),
        "history": draw(bill_lines(draw(st.integers(0, 5)), "H")),
    })


def _view(report):
    return [(f.rule, f.line_ids, f.result, f.message, f.expected, f.charged, f.amount_at_risk) for f in report.findings]


@SETTINGS
@given(bills())
def test_any_well_formed_bill_gets_findings_without_an_exception(bill):
    report = validate(bill, CATALOG)
    assert report.outcome in ("pass", "suspect", "violation")


@SETTINGS
@given(bills())
def test_money_at_risk_is_never_negative_nor_more_than_was_charged(bill):
    report = validate(bill, CATALOG)
    charged = {ln.line_id: ln.charged for ln in bill.lines}
    for finding in report.findings:
        assert finding.amount_at_risk >= 0
        assert finding.amount_at_risk <= charged[finding.risk_line_id]
    assert 0 <= report.at_risk <= report.charged


@SETTINGS
@given(bills(), st.randoms(use_true_random=False))
def test_reordering_lines_does_not_change_the_findings(bill, random):
    shuffled_lines, shuffled_history = list(bill.lines), list(bill.history)
    random.shuffle(shuffled_lines)
    random.shuffle(shuffled_history)
    reordered = bill.model_copy(update={"lines": shuffled_lines, "history": shuffled_history})
    assert _view(validate(reordered, CATALOG)) == _view(validate(bill, CATALOG))


@SETTINGS
@given(bills())
def test_a_bill_charging_exactly_the_standard_has_no_price_findings(bill):
    birth, grade = bill.patient.birth_date, bill.hospital.grade
    lines = []
    for line in bill.lines:
        entry = CATALOG.entry_on(line.code, line.service_date)
        if entry is None or entry.item.self_priced:
            continue
        probe = type("Probe", (), {"item": entry.item, "line": line, "age": age_on(birth, line.service_date)})
        price = standard_unit_price(probe, grade)
        lines.append(line.model_copy(update={"unit_price": price, "amount": line.quantity * price}))
    if not lines:
        return
    exact = bill.model_copy(update={"lines": lines})
    rules = {f.rule for f in validate(exact, CATALOG).findings}
    assert not rules & {"PRICE_ABOVE_STANDARD", "AMOUNT_MISMATCH"}


def test_child_price_is_never_below_adult_and_equals_it_when_not_eligible():
    for code in CODES:
        item = CATALOG.latest(code).item
        for grade in Grade:
            adult, child = item.price_for(grade), item.child_price_for(grade)
            if adult is None:
                assert child is None
            elif item.child_markup.eligible:
                assert child >= adult
            else:
                assert child == adult


@settings(max_examples=300, deadline=None)
@given(st.decimals(min_value=Decimal("0.01"), max_value=Decimal("100000"), places=2))
def test_child_price_rule_holds_for_any_adult_price(adult):
    from price_tables.money import child_price

    child = child_price(adult)
    raw = adult * Decimal("1.3")
    assert child >= adult
    step = Decimal("0.1") if raw <= 20 else Decimal("1")
    if child != adult:  # the markup never lowers a price (tiny prices keep the adult one)
        assert abs(child - raw) <= step / 2
        assert child % step == 0
