"""The hospital registry and code maps (对码) through the API, on SQLite and PostgreSQL."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from tests.conftest import bearer, make_key

MAP_HEADER = "医院项目编码,医院项目名称,医保项目编码,项目编码"


def map_csv(*rows: str, encoding: str = "gb18030") -> bytes:
    return ("\n".join([MAP_HEADER, *rows]) + "\n").encode(encoding)


def upload_map(client, content: bytes, *, status: int = 201, **form) -> dict:
    data = {"effective_from": "2021-09-01", **form}
    response = client.post("/v1/code-maps", data=data, files={"file": ("map.csv", content)})
    assert response.status_code == status, response.text
    return response.json()


def test_a_hospital_is_registered_with_its_grade_and_regraded_from_a_date(client):
    first = client.post("/v1/hospitals", json={"fixmedins_code": "H33080200001", "name": "衢州市人民医院",
                                                "grade": "三甲", "admdvs": "330802", "grade_from": "2020-01-01"})
    assert first.status_code == 200, first.text
    [hospital] = first.json()["hospitals"]
    assert hospital["grade"] == "grade_3a" and hospital["admdvs"] == "330802"
    client.post("/v1/hospitals", json={"fixmedins_code": "H33080200001", "name": "衢州市人民医院",
                                       "grade": "grade_3b", "grade_from": "2022-07-01"})
    [listed] = client.get("/v1/hospitals").json()["hospitals"]
    assert [(g["grade"], g["effective_from"], g["effective_to"]) for g in listed["grades"]] == [
        ("grade_3a", "2020-01-01", "2022-06-30"), ("grade_3b", "2022-07-01", None)]
    assert "hospital_register" in [e["action"] for e in client.get("/v1/audit-log").json()["entries"]]


def test_a_registry_file_is_all_or_nothing(client):
    good = "定点医药机构编号,医疗机构名称,医院等级,医保区划,等级起始日期\nH1,甲医院,三甲,330802,2021-01-01\n"
    bad = good + "H2,乙医院,四级,330802,2021-01-01\n"
    refused = client.post("/v1/hospitals", files={"file": ("h.csv", bad.encode("gb18030"))})
    assert refused.status_code == 422 and refused.json()["fields"][0]["field"] == "file:第3行[医院等级]"
    assert client.get("/v1/hospitals").json()["total"] == 0
    accepted = client.post("/v1/hospitals", files={"file": ("h.csv", good.encode("gb18030"))})
    assert accepted.status_code == 200 and accepted.json()["hospitals"][0]["grade"] == "grade_3a"


def test_only_pricing_staff_and_admins_keep_the_registry(client):
    for role, status in (("auditor", 403), ("his", 403), ("pricing", 200)):
        assert client.get("/v1/hospitals", headers=bearer(make_key(client.app, role))).status_code == status


def test_a_code_map_draft_reports_conflicts_unknown_targets_and_far_names(client):
    draft = upload_map(client, map_csv(
        "HX001,人工全髋关节置换术,,33150700500",
        "HX001,人工全髋关节置换,,33150790100",       # the same local code to a second item
        "HX002,静脉采血,,99999999999",                # an 11-digit code no loaded table prices
        "HX003,胸部CT平扫,,33150700500",              # a name far from the item's
    ), fixmedins_code="H33080200001")
    assert draft["state"] == "draft" and draft["entry_count"] == 4 and not draft["publishable"]
    report = {(i["row"], i["level"]) for i in draft["check_report"]}
    assert report == {(3, "error"), (4, "warning"), (5, "warning")}
    refused = client.post(f"/v1/code-maps/{draft['id']}/publish")
    assert refused.status_code == 409


def test_a_code_map_is_published_listed_exported_and_withdrawn_with_its_history(client):
    draft = upload_map(client, map_csv("HX001,人工全髋关节置换术,001315070050000,33150700500"))
    assert draft["publishable"] and draft["fixmedins_code"] is None  # province-wide
    published = client.post(f"/v1/code-maps/{draft['id']}/publish").json()
    assert published["state"] == "published" and published["published_by"].startswith("key:")
    assert [m["state"] for m in client.get("/v1/code-maps").json()["code_maps"]] == ["published"]
    sheet = load_workbook(io.BytesIO(client.get(f"/v1/code-maps/{draft['id']}/export?format=xlsx").content)).active
    assert [c.value for c in next(sheet.iter_rows(min_row=2))] == ["HX001", "人工全髋关节置换术", "001315070050000",
                                                                   "33150700500"]
    assert client.post(f"/v1/code-maps/{draft['id']}/withdraw").json()["state"] == "withdrawn"


def test_a_code_map_row_without_any_local_code_is_refused_and_nothing_stored(client):
    body = upload_map(client, map_csv(",无编码项目,,33150700500"), status=422)
    assert body["fields"][0]["field"] == "file:第2行"
    assert client.get("/v1/code-maps").json()["total"] == 0
