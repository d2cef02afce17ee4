"""Upload: time to check and diff a 10,000-row Excel file (target ≤ 5 s), and to accept a file
at the row limit (50,000 rows: seconds, not a minute).

    python benchmarks/upload.py [--rows 10000] [--format xlsx|csv] [--http]

Rows: the 105 real items (new prices) and generated new codes up to --rows; each row has a
备注 the loader reads.  In-process: read XLSX → loader checks → diff against the real
catalog.  --http: the whole POST /v1/tables (also storing the draft) on a temporary SQLite.
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from openpyxl import Workbook  # noqa: E402

from benchmarks.catalogs import real_catalog  # noqa: E402
from price_tables.diff import diff_notice  # noqa: E402
from price_tables.loader import check_table  # noqa: E402
from price_tables.models import NoticeMeta  # noqa: E402
from price_tables.table_file import CANONICAL_HEADERS, read_table  # noqa: E402


def table_rows(rows: int) -> list[list[str]]:
    catalog = real_catalog()
    items = [catalog.latest(c).item for c in catalog.codes()
             if not catalog.latest(c).item.self_priced and catalog.latest(c).item.source.derived_from is None]
    table = []
    for k in range(rows):
        if k < len(items):
            item = items[k]
            code, name, unit, connotation = item.code, item.name, item.unit, item.connotation
        else:
            code, name, unit, connotation = f"9{k:010d}", f"生成项目{k}", "次", "生成的内涵文字，用于计时"
        price = 100 + k % 900
        row = {"序号": str(k + 1), "项目编码": code, "项目名称": name, "项目内涵": connotation, "计价单位": unit,
               "三甲": str(price + 20), "三乙": str(price + 10), "二级及以下": str(price),
               "备注": "每天不超过2次" if k % 3 == 0 else ""}
        table.append([row.get(header, "") for header in CANONICAL_HEADERS])  # by name: columns get added
    return table


def make_csv(rows: int) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows([list(CANONICAL_HEADERS), *table_rows(rows)])
    return out.getvalue().encode("gb18030")


def make_xlsx(rows: int) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("价格表")
    sheet.append(list(CANONICAL_HEADERS))
    for row in table_rows(rows):
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def in_process(data: bytes, name: str) -> None:
    meta = NoticeMeta(document="计时〔2026〕1号", title="t", effective_from="2024-01-01")
    catalog = real_catalog()
    start = time.perf_counter()
    raw = read_table(data, name)
    read = time.perf_counter()
    result = check_table(raw, meta)
    checked = time.perf_counter()
    diff = diff_notice(result.notice, catalog)
    done = time.perf_counter()
    print(f"in-process: read {read - start:.2f} s, check {checked - read:.2f} s, diff {done - checked:.3f} s, "
          f"total {done - start:.2f} s ({len(raw.rows)} rows, {len(result.errors)} errors, "
          f"added {diff.count('added')}, changed {diff.count('changed')})")


def over_http(data: bytes, name: str) -> None:
    from fastapi.testclient import TestClient

    from pricing_api.app import create_app
    from pricing_api.settings import Settings
    from tests.conftest import bearer, make_key

    with tempfile.TemporaryDirectory() as tmp, \
            TestClient(create_app(Settings(database_url=f"sqlite:///{tmp}/b.sqlite3"))) as client:
        headers = bearer(make_key(client.app, "pricing"))
        start = time.perf_counter()
        response = client.post("/v1/tables", headers=headers, files={"file": (name, data)},
                               data={"document": "计时〔2026〕1号", "title": "t", "effective_from": "2024-01-01"})
        elapsed = time.perf_counter() - start
        print(f"POST /v1/tables (check, diff summary, store the draft): {elapsed:.2f} s, status {response.status_code}, "
              f"diff {response.json().get('diff_summary')}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--format", choices=("xlsx", "csv"), default="xlsx")
    parser.add_argument("--http", action="store_true")
    args = parser.parse_args()
    data = make_xlsx(args.rows) if args.format == "xlsx" else make_csv(args.rows)
    print(f"{args.rows}-row {args.format.upper()}: {len(data) / 1024:.0f} KiB")
    in_process(data, f"bench.{args.format}")
    if args.http:
        over_http(data, f"bench.{args.format}")


if __name__ == "__main__":
    main()
