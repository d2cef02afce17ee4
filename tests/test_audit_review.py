"""Reviewing an audit run's findings: 初审 then 复审 by another reviewer, the deduction list, and
what each rule turned out to be worth — on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlmodel import Session

from pricing_api.auth import Principal, Role
from pricing_api.errors import Conflict, InvalidRequest, NotFound
from pricing_api.services import audits as service
from pricing_api.storage import audits as stored
from pricing_api.storage.audit_log import entries
from pricing_api.storage.database import make_engine, migrate
from pricing_api.storage.records import AuditRunRecord
from validators.registry import RULES_BY_ID

FIRST = Principal(key_id=1, prefix="qzp_aaaa", role=Role.AUDITOR, name="审核员甲")
SECOND = Principal(key_id=2, prefix="qzp_bbbb", role=Role.AUDITOR, name="审核员乙")


def finding(run_id: int, position: int, *, hospital: str = "H1", rule: str = "PRICE_ABOVE_STANDARD",
            cents: int = 35800, bill: str = "B1") -> tuple:
    return (run_id, position, bill, hospital, "grade_3b", str(position), str(position), "33150700500", "人工全髋关节置换术",
            dt.date(2021, 9, 3), rule, "GZ10000102001000", "violation", f"超出标准 {position}", 423400, 459200, cents,
            "衢医保联发〔2021〕11号", 17, "人工全髋关节置换术 三甲4592.00、三乙4234.00…")


@pytest.fixture
def session(database_url):
    engine = make_engine(database_url)
    migrate(engine)
    with Session(engine) as s:
        yield s
    engine.dispose()


@pytest.fixture
def run_id(session) -> int:
    run = stored.add_run(session, AuditRunRecord(title="2021年9月", source_name="claims.csv", source_sha256="0" * 64,
                                                 state="done"))
    assert run.id is not None
    stored.insert_findings(session, [finding(run.id, 1), finding(run.id, 2, cents=1000),
                                     finding(run.id, 3, hospital="H2", rule="FREQUENCY_EXCEEDED", cents=2000, bill="B9")])
    session.commit()
    return run.id


def ids(session, run_id, **where) -> list[int]:
    rows, _, _ = stored.findings_page(session, run_id, stored.FindingFilter(**where), sort="position", limit=100, offset=0)
    return [r.id for r in rows]


def review(session, run_id, who, stage, decision, comment="", finding_ids=None, where=None):
    result = service.review(session, run_id, who, stage=stage, decision=decision, comment=comment,
                            finding_ids=finding_ids, where=where)
    session.commit()
    return result


def test_first_then_second_review_makes_a_decision_final_and_logs_each(session, run_id):
    a, b, c = ids(session, run_id)
    assert review(session, run_id, FIRST, "first", "confirmed", finding_ids=[a, b])["updated"] == 2
    assert review(session, run_id, FIRST, "first", "false_positive", "规则误判：该项目单独收费", finding_ids=[c])["updated"] == 1
    # The first reviewer may change a 初审 before the 复审 …
    review(session, run_id, FIRST, "first", "rejected", "医院已提供说明", finding_ids=[b])
    # … and a second reviewer confirms or changes it.
    review(session, run_id, SECOND, "second", "confirmed", finding_ids=[a])
    review(session, run_id, SECOND, "second", "confirmed", "复核：说明不成立", finding_ids=[b])
    rows = {r.id: r for r in stored.findings_page(session, run_id, stored.FindingFilter(), sort="position",
                                                  limit=10, offset=0)[0]}
    assert (rows[a].stage, rows[a].first_decision, rows[a].second_decision) == ("final", "confirmed", "confirmed")
    assert (rows[b].first_decision, rows[b].second_decision, rows[b].second_comment) == ("rejected", "confirmed",
                                                                                          "复核：说明不成立")
    assert rows[a].first_by_name == "审核员甲" and rows[a].second_by_name == "审核员乙" and rows[a].decided_at
    assert rows[c].stage == "first"
    logged, _ = entries(session, action="review_findings", limit=10, offset=0)
    assert len(logged) == 5 and {e.actor for e in logged} == {FIRST.actor, SECOND.actor}
    assert logged[0].detail["finding_ids"] == [b] and logged[0].detail["stage"] == "second"


def test_a_reviewer_cannot_review_twice_and_a_final_decision_stays(session, run_id):
    a, b, _ = ids(session, run_id)
    review(session, run_id, FIRST, "first", "confirmed", finding_ids=[a])
    with pytest.raises(Conflict, match="另一位审核人"):
        review(session, run_id, FIRST, "second", "confirmed", finding_ids=[a])
    with pytest.raises(Conflict, match="尚未初审"):
        review(session, run_id, SECOND, "second", "confirmed", finding_ids=[a, b])
    review(session, run_id, SECOND, "second", "confirmed", finding_ids=[a])
    with pytest.raises(Conflict, match="已复审"):
        review(session, run_id, FIRST, "first", "rejected", "改判", finding_ids=[a])
    with pytest.raises(Conflict, match="已复审"):
        review(session, run_id, SECOND, "second", "rejected", "改判", finding_ids=[a])


def test_reasons_are_required_where_a_finding_is_set_aside(session, run_id):
    a, _, _ = ids(session, run_id)
    with pytest.raises(InvalidRequest) as refused:
        review(session, run_id, FIRST, "first", "false_positive", "  ", finding_ids=[a])
    assert refused.value.fields[0].field == "comment"
    review(session, run_id, FIRST, "first", "confirmed", finding_ids=[a])
    with pytest.raises(InvalidRequest, match="改变初审结论"):
        review(session, run_id, SECOND, "second", "rejected", finding_ids=[a])
    with pytest.raises(NotFound):
        review(session, run_id, FIRST, "first", "confirmed", finding_ids=[a, 10**12])
    with pytest.raises(InvalidRequest):
        review(session, run_id, FIRST, "first", "maybe", finding_ids=[a])


def test_a_whole_selection_is_reviewed_by_filter(session, run_id):
    result = review(session, run_id, FIRST, "first", "confirmed", where=stored.FindingFilter(fixmedins_code="H1"))
    assert result["updated"] == 2 and result["at_risk"] == Decimal("368.00")
    assert ids(session, run_id, stage="first") == ids(session, run_id, fixmedins_code="H1")
    assert ids(session, run_id, decision="confirmed") == ids(session, run_id, fixmedins_code="H1")
    with pytest.raises(InvalidRequest, match="没有选中"):
        review(session, run_id, FIRST, "first", "confirmed", where=stored.FindingFilter(fixmedins_code="H404"))


def test_findings_page_by_amount_with_totals(session, run_id):
    rows, total, cents = stored.findings_page(session, run_id, stored.FindingFilter(), sort="amount", limit=2, offset=0)
    assert [r.at_risk_cents for r in rows] == [35800, 2000] and total == 3 and cents == 38800
    rows, total, cents = stored.findings_page(session, run_id, stored.FindingFilter(min_cents=1500), sort="amount",
                                              limit=10, offset=1)
    assert [r.at_risk_cents for r in rows] == [2000] and total == 2
    facets = stored.facets(session, run_id)
    assert facets["hospitals"] == [("H1", "grade_3b", 2, 36800), ("H2", "grade_3b", 1, 2000)]
    assert [key for key, *_ in facets["rules"]] == ["PRICE_ABOVE_STANDARD", "FREQUENCY_EXCEEDED"]


def test_the_deduction_list_holds_only_confirmed_findings_with_their_basis(session, run_id):
    a, b, c = ids(session, run_id)
    review(session, run_id, FIRST, "first", "confirmed", finding_ids=[a, b, c])
    review(session, run_id, SECOND, "second", "confirmed", finding_ids=[a, c])
    review(session, run_id, SECOND, "second", "rejected", "医院补充了医嘱", finding_ids=[b])
    rows, names = service.deduction_rows(session, run_id, None)
    run = stored.get_run(session, run_id)
    book = load_workbook(io.BytesIO(service.deduction_workbook(run, rows, names)))
    summary = [list(r) for r in book["扣款汇总"].iter_rows(min_row=3, values_only=True)]
    assert summary == [["H1", None, 1, 358], ["H2", None, 1, 20], ["合计", None, 2, 378]]  # unregistered: no name
    detail = list(book["扣款明细"].iter_rows(values_only=True))
    header, lines = detail[0], detail[1:]
    assert header[:3] == ("序号", "医疗机构编码", "医疗机构名称") and len(lines) == 2
    first = dict(zip(header, lines[0], strict=True))
    assert first["扣款金额（元）"] == 358 and isinstance(first["扣款金额（元）"], (int, float))
    assert first["规则"] == RULES_BY_ID["PRICE_ABOVE_STANDARD"].summary and first["国家规则编码"] == "GZ10000102001000"
    assert first["依据文件"] == "衢医保联发〔2021〕11号" and first["依据行号"] == 17
    assert first["初审人"] == "审核员甲" and first["复审人"] == "审核员乙"
    only_h2, _ = service.deduction_rows(session, run_id, "H2")
    assert [r.fixmedins_code for r in only_h2] == ["H2"]


def test_rule_quality_counts_decisions_per_rule_and_month(session, run_id):
    a, b, c = ids(session, run_id)
    review(session, run_id, FIRST, "first", "confirmed", finding_ids=[a])
    review(session, run_id, FIRST, "first", "false_positive", "误报", finding_ids=[b, c])
    review(session, run_id, SECOND, "second", "confirmed", finding_ids=[a])
    review(session, run_id, SECOND, "second", "false_positive", finding_ids=[b, c])
    report = service.rule_quality(session, start=None, end=None)
    rules = {r["rule"]: r for r in report["rules"]}
    price = rules["PRICE_ABOVE_STANDARD"]
    assert (price["findings"], price["decided"], price["confirmed"], price["false_positive"]) == (2, 2, 1, 1)
    assert price["false_positive_rate"] == 0.5 and price["confirmed_amount"] == Decimal("358.00")
    assert price["rule_name"] != "PRICE_ABOVE_STANDARD" and price["national_rule"] == "GZ10000102001000"
    assert len(price["months"]) == 1 and price["months"][0]["confirmed"] == 1
    assert rules["FREQUENCY_EXCEEDED"]["false_positive_rate"] == 1.0
    later = service.rule_quality(session, start=dt.date.today() + dt.timedelta(days=40), end=None)
    assert all(r["decided"] == 0 for r in later["rules"])


def test_a_run_that_is_not_done_cannot_be_reviewed(session):
    run = stored.add_run(session, AuditRunRecord(title="t", source_name="x.csv", source_sha256="0" * 64, state="running"))
    session.commit()
    with pytest.raises(Conflict, match="尚未完成"):
        review(session, run.id, FIRST, "first", "confirmed", finding_ids=[1])
