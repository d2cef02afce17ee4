"""The national interface (3101/3102/3103) with requests shaped like public HIS samples.

The envelope and field names follow the public 3101 sample (ZeroMarker/intersystems,
easyui/index.js) and the 3101 classes of binzhe12123/Medical; the patient and doctor data here
are made up.
"""

from __future__ import annotations

import copy
import json

import pytest

from price_tables.loader import bundled_notices
from tests.conftest import bearer, make_key
from tests.test_reference_api import map_csv, upload_map

PATIENT_NAME, PATIENT_ID = "测试患者甲", "330802199001011234"
NAMES = {item.code: item.name for notice in bundled_notices() for item in notice.items}


def order(rx_id, code, cnt, pric, *, day="2021-09-03 09:30:00", flag=1, **extra) -> dict:
    """One fsi_order_dtos entry as HIS code sends it: numbers as JSON numbers, a service item."""
    return {"rx_id": rx_id, "rxno": f"IP{rx_id}", "grpno": "", "long_drord_flag": 0, "hilist_type": "201",
            "chrg_type": "05", "drord_bhvr": 0, "hilist_code": code,
            "hilist_name": extra.pop("name", NAMES.get(code, "测试项目")),
            "hilist_lv": "--", "hosplist_code": extra.pop("hosplist_code", code), "hosplist_name": "测试项目",
            "cnt": cnt, "pric": pric, "sumamt": extra.pop("sumamt", None) or round(cnt * pric, 2), "selfpay_amt": 0,
            "ownpay_amt": 0, "spec": "", "spec_unt": "次", "drord_begn_date": day, "drord_stop_date": None,
            "drord_dept_codg": "100309", "drord_dept_name": "骨科", "drord_dr_codg": "ys01", "drord_dr_name": "医生甲",
            "drord_dr_profttl": "231", "curr_drord_flag": flag, "order_id": 1, "TarItemID": 6374, **extra}


def request(*orders: dict, gend="2", brdy="1960-03-10", medins_lv="02", dscg_date=None, med_mdtrt_type="2",
            infno="3101", fixmedins_code="H33080200001") -> dict:
    """A complete 3101 request in the platform's envelope."""
    return {
        "infno": infno, "msgid": f"{fixmedins_code}202109031000000001", "mdtrtarea_admvs": "330802",
        "insuplc_admdvs": "330802", "recer_sys_code": "IMS", "dev_no": "", "dev_safe_info": "", "cainfo": "",
        "signtype": "", "infver": "V1.0", "sign_no": "", "opter_type": "1", "opter": "医生01", "opter_name": "医生01",
        "inf_time": "2021-09-03 10:00:00", "fixmedins_code": fixmedins_code, "fixmedins_name": "衢州市测试医院",
        "mode": "1",
        "input": {"data": {
            "rule_ids": [], "trig_scen": "4", "syscode": "IMS", "task_id": "T-0001",
            "patient_dtos": [{
                "patn_id": "P-1001", "patn_name": PATIENT_NAME, "gend": gend, "brdy": brdy, "poolarea": "330802",
                "curr_mdtrt_id": "M-2001", "certno": PATIENT_ID, "fsi_his_data_dto": "",
                "fsi_encounter_dtos": [{
                    "mdtrt_id": "M-2001", "medins_id": fixmedins_code, "medins_name": "衢州市测试医院",
                    "medins_admdvs": "330802", "medins_type": "A", "medins_lv": medins_lv, "wardarea_codg": "100130",
                    "wardno": "", "bedno": "10床", "setl_date": None, "adm_date": "2021-09-01 08:00:00",
                    "dscg_date": dscg_date, "dscg_main_dise_codg": "M10.0", "dscg_main_dise_name": "痛风性关节炎",
                    "dr_codg": "00129", "adm_dept_codg": "100309", "adm_dept_name": "骨科", "dscg_dept_codg": "",
                    "dscg_dept_name": "", "med_mdtrt_type": med_mdtrt_type, "med_type": "21", "matn_stas": "0",
                    "medfee_sumamt": "0", "ownpay_amt": "0", "selfpay_amt": "0", "setl_totlnum": 1, "insutype": "390",
                    "reim_flag": 0, "out_setl_flag": 0,
                    "fsi_diagnose_dtos": [{"dise_id": 3069, "inout_dise_type": "1", "maindise_flag": 1, "dias_srt_no": 1,
                                           "dise_codg": "M10.0", "dise_name": "痛风性关节炎",
                                           "dise_date": "2021-09-01 09:00:00"}],
                    "fsi_operation_dtos": [],
                    "fsi_order_dtos": list(orders),
                }],
            }],
        }},
    }


def post(client, body, infno="3101", status=200) -> dict:
    response = client.post(f"/v1/nhsa/{infno}", content=json.dumps(body, ensure_ascii=False).encode(),
                           headers={"content-type": "application/json"})
    assert response.status_code == status, response.text
    return response.json()


def results(answer: dict, rule_id: str | None = None) -> list[dict]:
    assert answer["infcode"] == 0 and answer["err_msg"] == "", answer
    return [r for r in answer["output"]["result"] if rule_id is None or r["rule_id"] == rule_id]


def test_a_request_copied_from_a_public_sample_validates_and_answers_in_the_platforms_shape(shared_client):
    answer = post(shared_client, request(order("6374", "33150700500", 1, 4700)))  # 三甲 4592
    assert isinstance(answer["infcode"], int) and len(answer["refmsg_time"]) == 17
    [over] = results(answer, "GZ10000102001000")
    assert set(over) == {"jr_id", "rule_id", "rule_name", "vola_cont", "patn_id", "mdtrt_id", "vola_amt", "vola_amt_stas",
                         "sev_deg", "vola_evid", "vola_bhvr_type", "task_id", "judge_result_detail_dtos"}
    assert over["rule_name"] == "医疗服务项目超限定单价收费" and "4592.00" in over["vola_cont"]
    assert over["vola_amt"] == 108 and over["sev_deg"] == "1" and over["task_id"] == "T-0001"
    assert (over["patn_id"], over["mdtrt_id"]) == ("P-1001", "M-2001") and "衢医保联发〔2021〕11号" in over["vola_evid"]
    [detail] = over["judge_result_detail_dtos"]
    assert (detail["rx_id"], detail["vola_item_type"], detail["vola_amt"]) == ("6374", "1", 108)
    assert PATIENT_NAME not in json.dumps(answer, ensure_ascii=False)


def test_input_alone_and_data_alone_are_read_the_same(shared_client):
    full = request(order("1", "33150700500", 1, 4700))
    expected = results(post(shared_client, full))
    assert results(post(shared_client, full["input"])) == expected
    assert results(post(shared_client, full["input"]["data"])) == expected


def test_the_same_request_gives_the_same_jr_ids(shared_client):
    body = request(order("1", "33150700500", 1, 4700), order("2", "31060200800", 3, 10))
    first, second = post(shared_client, body), post(shared_client, body)
    assert [r["jr_id"] for r in results(first)] == [r["jr_id"] for r in results(second)] != []
    assert first["inf_refmsgid"] != second["inf_refmsgid"]


def test_numbers_as_strings_and_datetimes_are_read(shared_client):
    line = order("1", "31060200800", "3", "10.00", sumamt="30.00")
    [over] = results(post(shared_client, request(line)), "GZ10000102014000")  # 每天不超过2次
    assert over["vola_amt"] == 10


def test_earlier_orders_count_toward_limits_but_are_not_judged_again(shared_client):
    earlier = [order(f"h{i}", "31060200800", 1, 99, flag=0) for i in (1, 2)]  # over-priced, but earlier
    answer = post(shared_client, request(*earlier, order("now", "31060200800", 1, 10, flag="1")))
    [frequency] = results(answer)
    assert frequency["rule_id"] == "GZ10000102014000"
    assert [d["rx_id"] for d in frequency["judge_result_detail_dtos"]] == ["now"]


def test_a_refund_nets_against_its_order_and_is_never_rejected(shared_client):
    charged = order("9", "31060200800", 3, 10)
    refund = order("10", "31060200800", -1, 10, sumamt=-10)
    refund["rxno"] = charged["rxno"]
    answer = post(shared_client, request(charged, refund))
    assert results(answer) == []  # 3 − 1 = 2 a day: within the cap
    refund["cnt"], refund["sumamt"] = -3, -30
    assert results(post(shared_client, request(charged, refund))) == []


def test_an_odd_gend_skips_sex_checks_with_an_info_finding(shared_client):
    [info] = results(post(shared_client, request(order("1", "31120100101", 1, 6), gend="0")))
    assert info["rule_id"] == "GZ10000302004000" and info["sev_deg"] == "3" and "性别未知" in info["vola_cont"]
    assert results(post(shared_client, request(order("1", "31120100101", 1, 6), gend="1")))[0]["sev_deg"] == "1"


def test_no_discharge_date_means_not_yet_discharged(shared_client):
    for dscg in (None, "9999-12-31 00:00:00", ""):
        assert results(post(shared_client, request(order("1", "33150700500", 1, 4592, day="2021-10-20 10:00:00"),
                                                   dscg_date=dscg))) == []
    [outside] = results(post(shared_client, request(order("1", "33150700500", 1, 4592, day="2021-10-20 10:00:00"),
                                                    dscg_date="2021-10-10 10:00:00")))
    assert outside["rule_id"] == "GZ10000201008000"


def test_the_grade_comes_from_medins_lv_and_unknown_levels_say_so(shared_client):
    within_3b = order("1", "33150700500", 1, 4400)  # 三甲 4592, 三乙 4234
    assert results(post(shared_client, request(within_3b, medins_lv="02", fixmedins_code="H-UNREGISTERED"))) == []
    [over] = results(post(shared_client, request(within_3b, medins_lv="03", fixmedins_code="H-UNREGISTERED")))
    assert over["rule_id"] == "GZ10000102001000"
    unknown = results(post(shared_client, request(within_3b, medins_lv="3", fixmedins_code="H-UNREGISTERED")))
    assert [r["rule_id"] for r in unknown] == ["HOSPITAL_GRADE_UNKNOWN"] and unknown[0]["sev_deg"] == "2"


def test_the_registry_grade_wins_over_medins_lv(client):
    client.post("/v1/hospitals", json={"fixmedins_code": "H-REG-1", "name": "登记医院", "grade": "三乙"})
    answer = post(client, request(order("1", "33150700500", 1, 4400), medins_lv="02", fixmedins_code="H-REG-1"))
    assert {r["rule_id"] for r in results(answer)} == {"GZ10000102001000", "HOSPITAL_GRADE_CONFLICT"}


def test_a_hospitals_own_code_resolves_through_its_published_code_map(client):
    local = order("1", "", 1, 4700, hosplist_code="HX-HIP-01", name="髋关节置换(本院)")
    local.pop("hilist_code")
    unmapped = results(post(client, request(local)))
    assert [r["rule_id"] for r in unmapped] == ["CODE_UNMAPPED"] and unmapped[0]["vola_amt"] == 0
    draft = upload_map(client, map_csv("HX-HIP-01,髋关节置换(本院),,33150700500"), fixmedins_code="H33080200001")
    client.post(f"/v1/code-maps/{draft['id']}/publish")
    [over] = results(post(client, request(local)))
    assert over["rule_id"] == "GZ10000102001000" and "33150700500" in over["vola_cont"]


def test_materials_and_drugs_are_not_service_items(shared_client):
    drug = order("d1", "XA11DAW036A001010104127", 1, 0.1, hilist_type="101", chrg_type="09")
    material = order("m1", "C0301010010000000000001", 2, 35, hilist_type="301", chrg_type="08")
    assert results(post(shared_client, request(order("1", "33150700500", 1, 4592), drug, material))) == []


def test_a_mutually_exclusive_pair_says_which_line_is_at_fault(shared_client):
    robot, mri = order("r", "33020090200", 1, 1950), order("m", "33020090300", 1, 5000)
    [pair] = [r for r in results(post(shared_client, request(robot, mri)))
              if r["rule_id"] == "GZ10000102012000" and len(r["judge_result_detail_dtos"]) == 2]
    kinds = {d["rx_id"]: d["vola_item_type"] for d in pair["judge_result_detail_dtos"]}
    assert kinds == {"r": "1", "m": "2"}  # the cheaper line is the one at fault


def test_rule_ids_limit_the_answer(shared_client):
    body = request(order("1", "33150700500", 1, 4700), order("2", "31060200800", 3, 10))
    body["input"]["data"]["rule_ids"] = ["GZ10000102014000"]
    assert {r["rule_id"] for r in results(post(shared_client, body))} == {"GZ10000102014000"}


def test_3102_answers_as_3101(shared_client):
    body = request(order("1", "33150700500", 1, 4700), infno="3102")
    assert [r["rule_id"] for r in results(post(shared_client, body, "3102"))] == ["GZ10000102001000"]


def test_an_encounter_without_a_birth_date_is_reported_not_rejected(shared_client):
    answer = post(shared_client, request(order("1", "33150700500", 1, 4700), brdy=None))
    [problem] = results(answer)
    assert problem["rule_id"] == "NHSA_INPUT_UNREADABLE" and "brdy" in problem["vola_cont"]


@pytest.mark.parametrize(("raw", "where"), [
    (b'{"input": {"data": {"patient_dtos": ', "JSON"),
    (b'{"infno": "3101", "input": {"data": {}}}', "patient_dtos"),
    (json.dumps({"input": {"data": {"patient_dtos": [{"patn_name": PATIENT_NAME, "fsi_encounter_dtos": "x"}]}}},
                ensure_ascii=False).encode(), "fsi_encounter_dtos"),
])
def test_a_request_that_cannot_be_read_is_infcode_minus_one_naming_where(shared_client, raw, where):
    response = shared_client.post("/v1/nhsa/3101", content=raw, headers={"content-type": "application/json"})
    answer = response.json()
    assert response.status_code == 200 and answer["infcode"] == -1 and answer["output"] is None
    assert where in answer["err_msg"] and PATIENT_NAME not in answer["err_msg"]


def test_keys_still_decide_who_may_call(shared_client):
    from fastapi.testclient import TestClient

    anonymous = TestClient(shared_client.app)
    assert anonymous.post("/v1/nhsa/3101", json=request()).status_code == 401
    pricing_only = bearer(make_key(shared_client.app, "his"))
    assert shared_client.post("/v1/nhsa/3101", json=request(), headers=pricing_only).status_code == 200


def test_a_warning_its_feedback_and_the_summary_round_trip(client):
    answer = post(client, request(order("1", "33150700500", 1, 4700), order("2", "31060200800", 3, 10)))
    by_rule = {r["rule_id"]: r["jr_id"] for r in results(answer)}
    feedback = {"infno": "3103", "input": {"data": {"warn_type": "1", "warns": [
        {"warn_rslt_id": by_rule["GZ10000102001000"], "dspo_way": "1", "dspo_way_rea": "患者要求使用进口假体"},
        {"warn_rslt_id": by_rule["GZ10000102014000"], "dspo_way": "2", "dspo_way_rea": ""}]}}}
    recorded = post(client, feedback, "3103")
    assert recorded["infcode"] == 0 and recorded["output"]["result"]["recorded"] == 2
    summary = client.get("/v1/nhsa/feedback/summary").json()
    rules = {r["rule"]: r for r in summary["rules"]}
    assert (rules["PRICE_ABOVE_STANDARD"]["warnings"], rules["PRICE_ABOVE_STANDARD"]["overridden"]) == (1, 1)
    assert (rules["FREQUENCY_EXCEEDED"]["changed"], rules["FREQUENCY_EXCEEDED"]["override_rate"]) == (1, 0.0)
    assert summary["warnings"] == 2 and summary["from"] is None
    only = client.get("/v1/nhsa/feedback/summary", params={"rule": "GZ10000102001000"}).json()
    assert [r["rule"] for r in only["rules"]] == ["PRICE_ABOVE_STANDARD"]
    later = client.get("/v1/nhsa/feedback/summary", params={"from": "2999-01-01"}).json()
    assert later["rules"] == []


def test_feedback_continued_without_a_reason_is_refused_like_the_platform_does(shared_client):
    body = {"input": {"data": {"warn_type": "1", "warns": [{"warn_rslt_id": "x", "dspo_way": "1"}]}}}
    answer = post(shared_client, body, "3103")
    assert answer["infcode"] == -1 and "dspo_way_rea" in answer["err_msg"]
    assert post(shared_client, copy.deepcopy({**body, "input": {"data": {"warns": []}}}), "3103")["infcode"] == -1
