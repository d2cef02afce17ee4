"""What an engine returns for a chunk of bills: the findings and one row per bill, as Arrow
tables of one schema whatever the engine, so writers and summaries never ask which ran."""

from __future__ import annotations

import pyarrow as pa

_MONEY = pa.decimal128(18, 2)

FINDINGS_SCHEMA = pa.schema([
    ("file_no", pa.int32()), ("bill_row", pa.int64()), ("bill_id", pa.string()), ("first_key", pa.string()),
    ("rule_rank", pa.int32()), ("line_ids", pa.string()), ("rule", pa.string()), ("national_rule", pa.string()),
    ("result", pa.string()), ("message", pa.string()), ("expected", _MONEY), ("charged", _MONEY),
    ("amount_at_risk", _MONEY), ("basis_document", pa.string()), ("basis_seq", pa.int32()), ("basis_text", pa.string()),
    ("risk_line_id", pa.string()), ("fixmedins_code", pa.string()), ("hospital_grade", pa.string()), ("code", pa.string()),
])
"""Sorted by bill (as first met in the file), then the natural key of the first line, rule order,
line ids, message (`ORDER`)."""

CSV_COLUMNS = ("bill_id", "line_ids", "rule", "national_rule", "result", "message", "expected", "charged",
               "amount_at_risk", "basis_document", "basis_seq", "basis_text")
"""The findings CSV: the columns `pricing-api audit` has always written."""

PARQUET_COLUMNS = (*CSV_COLUMNS, "risk_line_id", "fixmedins_code", "hospital_grade", "code")

BILLS_SCHEMA = pa.schema([
    ("file_no", pa.int32()), ("bill_row", pa.int64()), ("bill_id", pa.string()), ("fixmedins_code", pa.string()),
    ("hospital_grade", pa.string()), ("lines", pa.int64()), ("charged", _MONEY), ("at_risk", _MONEY),
    ("outcome", pa.string()),
])
"""One row per judged bill: what it charged, the money at risk (each line counted at most once,
up to what it charged), and its outcome (pass | suspect | violation)."""

ORDER = ("file_no", "bill_row", "first_key", "rule_rank", "line_ids", "message")
