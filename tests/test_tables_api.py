"""Revised tables end to end: upload (GB18030 CSV, XLSX), check, diff, publish, withdraw,
export, history — on SQLite and PostgreSQL; a bad file changes nothing."""

from __future__ import annotations

import io
import threading

import pytest
from openpyxl import Workbook, load_workbook

from tests.conftest import bearer, make_key

HEADER = "项目编码,项目名称,项目内涵,除外内容,计价单位,三甲,三乙,二级及以下,备注"
HIP = "33150700500,人工全髋关节置换术,,,次,4800,4400,4000,"
NEW_ITEM = "33150799900,测试新增关节手术,,,次,3000,2800,2600,每天不超过1次"


def csv_bytes(*rows: str, encoding="gb18030") -> bytes:
    return ("\n".join([HEADER, *rows]) + "\n").encode(encoding)


def upload(client, content: bytes, *, document="衢医保联发〔2024〕1号", effective_from="2024-01-01",
           name="revised.csv", status=201, **form):
    data = {"document": document, "title": "关于调整部分医疗服务价格的通知", "effective_from": effective_from, **form}
    response = client.post("/v1/tables", data=data, files={"file": (name, content)})
    assert response.status_code == status, response.text
    return response.json()


def price(client, code, on, grade="grade_3a"):
    response = client.get(f"/v1/items/{code}?as_of={on}&grade={grade}")
    return response.json()["price"] if response.status_code == 200 else response.status_code


def counts(client):
    return client.get("/v1/tables").json()["total"], client.get("/v1/audit-log").json()["total"]


def test_upload_gb18030_csv_makes_a_draft_with_its_diff_and_changes_no_price(client):
    draft = upload(client, csv_bytes(HIP, NEW_ITEM))
    assert draft["state"] == "draft" and draft["publishable"] and draft["origin"] == "upload"
    assert draft["diff_summary"] == {"on": "2024-01-01", "added": 1, "changed": 1, "unchanged": 0}
    assert len(draft["file_sha256"]) == 64
    diff = client.get(f"/v1/tables/{draft['id']}/diff").json()
    hip = next(i for i in diff["items"] if i["code"] == "33150700500")
    assert [(p["grade"], p["old"], p["new"]) for p in hip["prices"]] == [
        ("grade_3a", "4592.00", "4800.00"), ("grade_3b", "4234.00", "4400.00"), ("grade_2_or_below", "3876.00", "4000.00")]
    assert hip["previous_document"] == "衢医保联发〔2021〕11号"
    assert price(client, "33150700500", "2024-02-01") == "4592.00"   # a draft changes nothing
    assert price(client, "33150799900", "2024-02-01") == 404


def test_the_diff_gives_a_new_items_prices_and_each_changes_amount_and_percent(client):
    draft = upload(client, csv_bytes(HIP, NEW_ITEM))
    diff = client.get(f"/v1/tables/{draft['id']}/diff").json()
    by_code = {i["code"]: i for i in diff["items"]}
    hip, new = by_code["33150700500"], by_code["33150799900"]
    assert [(p["amount"], p["percent"]) for p in hip["prices"]] == [
        ("208.00", "4.5"), ("166.00", "3.9"), ("124.00", "3.2")]   # 208/4592, 166/4234, 124/3876
    assert new["status"] == "added" and new["prices"] == []
    assert new["new_prices"] == {"grade_3a": "3000.00", "grade_3b": "2800.00", "grade_2_or_below": "2600.00"}
    assert hip["new_prices"]["grade_3a"] == "4800.00" and hip["self_priced"] is False


def test_after_a_revision_the_periods_end_where_they_were_replaced_and_say_the_change(client):
    draft = upload(client, csv_bytes(HIP, "32050000701,冠脉血管内压力导丝测定术,,,次,3254,3000,2746,"))
    client.post(f"/v1/tables/{draft['id']}/publish")
    periods = client.get("/v1/items/33150700500/periods?as_of=2023-12-31").json()
    assert [(p["start"], p["end"], p["in_force"]) for p in periods] == [
        ("2021-09-01", "2023-12-31", True), ("2024-01-01", None, False)]
    assert [(c["grade"], c["amount"], c["percent"]) for c in periods[1]["changes"]][0] == ("grade_3a", "208.00", "4.5")
    # Restated at the same price: one period, both notices, no duplicate row.
    [same] = client.get("/v1/items/32050000701/periods").json()
    assert [(n["since"], n["document"]) for n in same["notices"]] == [
        ("2021-09-01", "衢医保联发〔2021〕11号"), ("2024-01-01", "衢医保联发〔2024〕1号")]
    assert same["end"] is None and same["prices"]["grade_3a"] == "3254.00" and same["in_force"]
    # A trial price that ends leaves a stretch without a price, shown as one.
    trial = client.get("/v1/items/31060200800/periods?as_of=2024-01-01").json()
    assert [(p["start"], p["end"], p["priced"], p["in_force"]) for p in trial] == [
        ("2021-09-01", "2023-08-31", True, False), ("2023-09-01", None, False, True)]
    assert client.get("/v1/items/99999999999/periods").status_code == 404


def test_publish_applies_from_its_date_and_keeps_the_history(client):
    draft = upload(client, csv_bytes(HIP, NEW_ITEM))
    published = client.post(f"/v1/tables/{draft['id']}/publish").json()
    assert published["state"] == "published" and published["published_by"].startswith("key:")
    assert price(client, "33150700500", "2024-01-01") == "4800.00"
    assert price(client, "33150700500", "2023-12-31") == "4592.00"
    assert price(client, "31060200800", "2022-01-01") == "10.00"    # items not in the notice keep theirs
    assert [h["document"] for h in client.get("/v1/items/33150700500/history").json()] == [
        "衢医保联发〔2021〕11号", "衢医保联发〔2024〕1号"]
    item = client.get("/v1/items/33150700500?as_of=2024-06-01").json()
    assert item["child_markup"] is True   # carried over from the version it revises
    new = client.get("/v1/items/33150799900?as_of=2024-06-01").json()
    assert [r["params"] for r in new["rules"] if r["kind"] == "frequency_cap"] == [{"per": "day", "max_count": 1}]
    bill = {"bill_id": "b", "hospital": {"grade": "grade_3a"}, "patient": {"birth_date": "1970-01-01", "sex": "F"},
            "encounter": {"type": "outpatient"},
            "lines": [{"line_id": "1", "code": "33150700500", "service_date": "2024-03-01", "quantity": 1, "unit_price": 4800}]}
    assert client.post("/v1/bills/validate", json=bill).json()["outcome"] == "pass"


def test_publishing_twice_is_a_conflict(client):
    draft = upload(client, csv_bytes(HIP))
    assert client.post(f"/v1/tables/{draft['id']}/publish").status_code == 200
    again = client.post(f"/v1/tables/{draft['id']}/publish")
    assert again.status_code == 409 and "只有草稿可以发布" in again.json()["message"]


def test_two_notices_pricing_the_same_code_from_the_same_day_conflict(client):
    first = upload(client, csv_bytes(HIP))
    second = upload(client, csv_bytes(HIP.replace("4800", "4900")), document="衢医保联发〔2024〕2号")
    assert client.post(f"/v1/tables/{first['id']}/publish").status_code == 200
    clash = client.post(f"/v1/tables/{second['id']}/publish")
    assert clash.status_code == 409 and "33150700500" in clash.json()["message"]
    assert price(client, "33150700500", "2024-01-01") == "4800.00"


def test_two_publishes_at_once_cannot_both_win(client):
    draft = upload(client, csv_bytes(HIP))
    statuses = []

    def publish():
        statuses.append(client.post(f"/v1/tables/{draft['id']}/publish").status_code)

    threads = [threading.Thread(target=publish) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == [200, 409, 409, 409]
    audit = client.get("/v1/audit-log?action=publish").json()
    assert audit["total"] == 1


def test_withdrawing_a_published_table_restores_the_earlier_price(client):
    draft = upload(client, csv_bytes(HIP))
    client.post(f"/v1/tables/{draft['id']}/publish")
    withdrawn = client.post(f"/v1/tables/{draft['id']}/withdraw?reason=录入错误").json()
    assert withdrawn["state"] == "withdrawn"
    assert price(client, "33150700500", "2024-02-01") == "4592.00"
    states = {t["id"]: t["state"] for t in client.get("/v1/tables").json()["tables"]}
    assert states[draft["id"]] == "withdrawn"
    assert client.post(f"/v1/tables/{draft['id']}/withdraw").status_code == 409


def xlsx_bytes(rows: list[list]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["code", "name", "unit", "价格", "remarks"])
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_xlsx_with_english_headers_and_a_single_price_column(client):
    draft = upload(client, xlsx_bytes([["31060200800", "呼气末二氧化碳分压测定", "次", 12, "每天不超过2次"]]),
                   name="t.xlsx", effective_from="2022-01-01")
    diff = client.get(f"/v1/tables/{draft['id']}/diff").json()
    [item] = diff["items"]
    assert [(p["old"], p["new"]) for p in item["prices"]] == [("10.00", "12.00")] * 3


def test_export_of_a_bundled_notice_uploads_back_unchanged(client):
    notices = client.get("/v1/tables").json()["tables"]
    n12 = next(t for t in notices if t["document"] == "衢医保联发〔2021〕12号")
    for fmt in ("csv", "xlsx"):
        exported = client.get(f"/v1/tables/{n12['id']}/export?format={fmt}")
        assert exported.status_code == 200 and "attachment" in exported.headers["content-disposition"]
        draft = upload(client, exported.content, document=f"再次导入-{fmt}", effective_from="2021-09-01",
                       name=f"export.{fmt}")
        assert draft["diff_summary"] == {"on": "2021-09-01", "added": 0, "changed": 0, "unchanged": 80}
    sheet = load_workbook(io.BytesIO(exported.content)).active
    assert sheet["B2"].value == "11020090300" and sheet["A1"].value == "序号"


@pytest.mark.parametrize(("content", "needle"), [
    ("项目编码,计价单位,三甲\n1,次,5\n".encode(), "项目名称"),                        # missing column
    (csv_bytes(HIP.replace("4800", "abc")), "不是金额"),                               # bad price
    (csv_bytes(HIP, HIP), "编码重复"),                                                  # duplicate code
    (b"\x00\xff\xfe\x81" * 100, "无法识别文件编码"),                                    # unreadable bytes
    (b"PK\x03\x04 not really a zip", "不是可读取的 Excel"),                              # broken xlsx
    (csv_bytes("33150700500,人工全髋关节置换术,,,次,4800,,,"), "不推测"),               # only 三甲
])
def test_bad_files_get_reasons_and_change_nothing(client, content, needle):
    before = counts(client)
    body = upload(client, content, status=422)
    assert needle in body["message"] + str(body["fields"]) + str(body.get("issues"))
    assert counts(client) == before


def test_a_refused_file_reports_row_column_and_value(client):
    body = upload(client, csv_bytes(HIP, HIP.replace("33150700500", "33150700501").replace("4800", "abc")), status=422)
    [error] = [i for i in body["issues"] if i["level"] == "error"]
    assert (error["row"], error["column"], error["value"]) == (3, "三甲", "abc")


def test_an_impossible_period_is_refused(client):
    body = upload(client, csv_bytes(HIP), effective_to="2023-12-31", status=422)
    assert body["fields"][0]["field"] == "effective_to"


def test_a_failure_half_way_leaves_the_database_as_it_was(client, monkeypatch):
    from pricing_api.services import tables

    before = counts(client)

    def fail(*args, **kwargs):
        raise RuntimeError("disk full (forced)")

    monkeypatch.setattr(tables, "record_audit", fail)   # after the items were written
    with pytest.raises(RuntimeError):
        upload(client, csv_bytes(HIP, NEW_ITEM))
    monkeypatch.undo()
    assert counts(client) == before
    assert price(client, "33150799900", "2024-02-01") == 404


def test_a_failed_publish_leaves_the_draft_a_draft(client, monkeypatch):
    from pricing_api.services import tables

    draft = upload(client, csv_bytes(HIP))

    def fail(*args, **kwargs):
        raise RuntimeError("forced")

    monkeypatch.setattr(tables, "record_audit", fail)
    with pytest.raises(RuntimeError):
        client.post(f"/v1/tables/{draft['id']}/publish")
    monkeypatch.undo()
    assert client.get(f"/v1/tables/{draft['id']}").json()["state"] == "draft"
    assert price(client, "33150700500", "2024-02-01") == "4592.00"


def test_uploads_and_publications_are_in_the_audit_log_with_the_file_hash(client):
    draft = upload(client, csv_bytes(HIP))
    client.post(f"/v1/tables/{draft['id']}/publish")
    entries = client.get("/v1/audit-log").json()["entries"]
    publish, upload_entry = entries[0], entries[1]
    assert (publish["action"], upload_entry["action"]) == ("publish", "upload")
    assert upload_entry["detail"]["sha256"] == draft["file_sha256"]
    assert upload_entry["actor"].startswith("key:qzp_")


def test_files_over_the_size_limit_are_413(database_url):
    from tests.conftest import running_app

    with running_app(database_url, max_upload_bytes=2048) as client:
        body = upload(client, csv_bytes(*[HIP] * 100), status=413)
        assert body["error"] == "payload_too_large"


def test_files_over_the_row_limit_are_422(database_url):
    from tests.conftest import running_app

    with running_app(database_url, max_upload_rows=1) as client:
        body = upload(client, csv_bytes(HIP, NEW_ITEM), status=422)
        assert "超过上限" in body["message"]


def test_only_pricing_and_admin_may_write_tables(client):
    auditor = bearer(make_key(client.app, "auditor"))
    pricing = bearer(make_key(client.app, "pricing"))
    files = {"file": ("t.csv", csv_bytes(HIP))}
    form = {"document": "x", "title": "t", "effective_from": "2024-01-01"}
    assert client.post("/v1/tables", data=form, files=files, headers=auditor).status_code == 403
    created = client.post("/v1/tables", data=form, files=files, headers=pricing)
    assert created.status_code == 201
    assert client.post(f"/v1/tables/{created.json()['id']}/publish", headers=auditor).status_code == 403
    assert client.get(f"/v1/tables/{created.json()['id']}/export", headers=auditor).status_code == 200


def test_every_price_cell_of_every_excel_export_is_a_number(client):
    # Filled cells hold numbers, empty ones are number cells (not text), so a price typed into
    # the sheet later is a number too; only 自主定价 is text.  (The code-map export has no prices.)
    for table in client.get("/v1/tables").json()["tables"]:
        sheet = load_workbook(io.BytesIO(client.get(f"/v1/tables/{table['id']}/export?format=xlsx").content)).active
        header = [cell.value for cell in sheet[1]]
        for row in sheet.iter_rows(min_row=2):
            for name, cell in zip(header, row, strict=True):
                if name in ("价格", "三甲", "三乙", "二级及以下") and cell.value != "自主定价":
                    assert cell.value is None or isinstance(cell.value, (int, float)), (name, cell.value)
                    assert cell.number_format == "0.00", (name, cell.coordinate)


def test_pages_name_who_uploaded_and_published_by_the_keys_name(client):
    from sqlmodel import Session

    from pricing_api.services.keys import actor_names

    draft = upload(client, csv_bytes(HIP))
    published = client.post(f"/v1/tables/{draft['id']}/publish").json()
    with Session(client.app.state.engine) as session:
        names = actor_names(session)
    assert names[published["created_by"]] == names[published["published_by"]] == "test admin"
    assert names["system"] == "系统（内置数据）"
