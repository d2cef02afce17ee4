"""A body that is not JSON is refused naming the real line and column, in Chinese, once."""

from __future__ import annotations

import json

import pytest

from pricing_api.json_errors import syntax_error
from pricing_api.validation_messages import field_label
from validators.bill import FIELD_LABELS, Bill

PRETTY_BILL_WITH_TRAILING_COMMA = '{\n  "bill_id": "B1",\n  "lines": [\n    {"line_id": "1",}\n  ]\n}'


@pytest.mark.parametrize(("text", "line", "column", "words"), [
    (PRETTY_BILL_WITH_TRAILING_COMMA, 4, 21, "最后一项后面不能有逗号"),
    ('{\n  "bill_id": "B1"\n  "lines": []\n}', 3, 3, "逗号"),                   # a missing comma
    ('{\n  "bill_id": “B1”\n}', 2, 14, "中文引号"),                           # pasted from a word processor
    ('{"bill_id"： "B1"}', 1, 11, "中文冒号"),
    ('{\n  "bill_id": "B1",\n  "lines": [\n', 4, 1, "内容不完整"),              # cut off
    ('{"a": 1}\n{"b": 2}', 2, 1, "多张单据请每行一张"),
    ('{"bill_id": "B\x01"}', 1, 15, "控制字符"),
    ('', 1, 1, "内容为空"),
])
def test_a_syntax_error_names_its_line_and_column_in_chinese(text, line, column, words):
    where = syntax_error(text)
    assert where is not None and (where.line, where.column) == (line, column) and words in where.reason
    assert where.message.startswith(f"不是有效的 JSON：第 {line} 行第 {column} 列，")
    assert where.reason.isascii() is False


def test_columns_count_characters_not_bytes():
    assert syntax_error('{"名称": "冠脉" "x"}'.encode()) is not None
    where = syntax_error('{"名称": "冠脉" "x"}'.encode())
    assert (where.line, where.column) == (1, 13)


def test_bytes_that_are_not_utf8_are_located():
    where = syntax_error(b'{\n "name": "\xb9\xda"}')  # GBK
    assert where is not None and (where.line, where.column) == (2, 11) and "UTF-8" in where.reason


def test_json_is_not_an_error():
    assert syntax_error('{"bill_id": "B1"}') is None


def test_every_field_of_a_bill_has_a_chinese_name():
    from pricing_api.validation_messages import field_names_of

    assert field_names_of(Bill) <= set(FIELD_LABELS)


@pytest.mark.parametrize(("loc", "label"), [
    (("body", "lines", 0, "unit_price"), "第1条明细的单价"),
    (("body", "history", 2, "service_date"), "第3条既往明细的服务日期"),
    (("body", "patient", "birth_date"), "出生日期"),
    (("body", "lines"), "明细"),
    (("body", "lines", 4), "第5条明细"),
    (("body", "lines", 0, "amout"), "第1条明细"),
    (("body", "nonsense"), None),
])
def test_field_names_in_chinese(loc, label):
    assert field_label(loc, FIELD_LABELS) == label


def post(client, content: str | bytes):
    return client.post("/v1/bills/validate", content=content, headers={"content-type": "application/json"})


def test_the_validate_endpoint_points_at_the_line_and_column(shared_client):
    response = post(shared_client, PRETTY_BILL_WITH_TRAILING_COMMA)
    assert response.status_code == 422
    [field] = response.json()["fields"]
    assert (field["field"], field["line"], field["column"]) == ("body", 4, 21)
    assert "第 4 行第 21 列" in response.json()["message"] and response.json()["message"].count("第 4 行") == 1


def test_every_json_endpoint_points_at_the_line_and_column(shared_client):
    # The body of /v1/keys is read by FastAPI (the standard library), the bill's by pydantic.
    for path in ("/v1/keys", "/v1/hospitals", "/v1/bills/validate"):
        response = shared_client.post(path, content='{\n "name": "x",\n}', headers={"content-type": "application/json"})
        assert response.status_code == 422, path
        [field] = response.json()["fields"]
        assert (field["line"], field["column"]) == (3, 1), path


def test_the_national_interface_says_where_in_chinese(shared_client):
    answer = shared_client.post("/v1/nhsa/3101", content=b'{"input": {"data": {"patient_dtos": [}}}',
                                headers={"content-type": "application/json"}).json()
    assert answer["infcode"] == -1 and "第 1 行第 38 列" in answer["err_msg"]
    assert "malformed" not in answer["err_msg"] and "byte" not in answer["err_msg"]
    typed = shared_client.post("/v1/nhsa/3101", json={"input": {"data": {"patient_dtos": "x"}}}).json()
    assert "patient_dtos" in typed["err_msg"] and "Expected" not in typed["err_msg"]


def test_field_errors_are_said_once_each_in_chinese_without_a_patients_birth_date(shared_client):
    bill = {"bill_id": "B", "hospital": {"grade": "grade_3a"}, "patient": {"birth_date": "2030-01-01"},
            "encounter": {"type": "outpatient"},
            "lines": [{"line_id": "1", "code": "x", "service_date": "2021-09-01", "quantity": "1", "unit_price": "a"}]}
    body = post(shared_client, json.dumps(bill)).json()
    [field] = body["fields"]
    assert field["label"] == "第1条明细的单价" and field["reason"] == "不是有效数字"
    assert body["message"].count("不是有效数字") == 1
    bill["lines"][0]["unit_price"] = "1"
    body = post(shared_client, json.dumps(bill)).json()
    assert "出生日期" in body["message"] and "2030" not in json.dumps(body)
