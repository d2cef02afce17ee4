"""What a draft table would move: every line of a claims file re-priced under the published
tables and under the draft, and judged under both (DuckDB engine), reported as money in total,
per item, per hospital grade and per hospital, and the findings that appear or disappear."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow as pa

from price_tables.catalog import Catalog
from price_tables.grades import Grade
from reaudit.chunks import reject_bad_bills, split_problems
from reaudit.duckdb_engine import DuckDBEngine
from reaudit.readers import sniff, stream, workdir

CHANGES_SHOWN = 200


def read_all(paths: list[Path]) -> tuple[pa.Table, int]:
    """Every judgeable canonical row of the files (a month fits in memory), and how many were rejected."""
    claims = [sniff(path, i) for i, path in enumerate(paths)]
    good_parts, rejected = [], 0
    with duckdb.connect() as con, workdir() as tmp:
        for table in stream(con, claims, Path(tmp), batch_rows=1 << 20):
            good, bad = split_problems(table)
            good_parts.append(good)
            rejected += bad.num_rows
        rows = pa.concat_tables(good_parts) if good_parts else None
        if rows is None:
            raise ValueError("文件中没有可读的明细")
        rows, bad_bills = reject_bad_bills(con.cursor(), rows)
    rejected += bad_bills.num_rows + sum(len(c.unreadable) for c in claims)
    if rows.num_rows == 0:
        raise ValueError(f"文件中没有可读的明细（{rejected} 行无法读取）")
    return rows, rejected


def _money(value) -> str:
    return f"{Decimal(value or 0):.2f}"


def impact(paths: list[Path], published: Catalog, draft: Catalog, shown: int = CHANGES_SHOWN) -> dict:
    """The report (money as strings with two decimals)."""
    rows, rejected = read_all(paths)
    before, after = DuckDBEngine(published), DuckDBEngine(draft)
    try:
        priced_before, priced_after = before.priced(rows), after.priced(rows)
        findings_before, bills_before = before.judge(rows)
        findings_after, bills_after = after.judge(rows)
    finally:
        before.close()
        after.close()
    names = {code: (draft.latest(code) or published.latest(code)).item.name  # type: ignore[union-attr]
             for code in set(draft.codes()) | set(published.codes())}
    with duckdb.connect() as con:
        for name, table in (("pb", priced_before), ("pa", priced_after), ("fb", findings_before),
                            ("fa", findings_after), ("bb", bills_before), ("ba", bills_after)):
            con.register(name, table)
        con.execute("""CREATE TEMP TABLE moved AS
            SELECT b.bill_id, b.line_id, b.code, coalesce(b.fixmedins_code, '') AS hospital, b.hospital_grade,
                   b.charged, b.standard * b.quantity AS before, a.standard * a.quantity AS after
            FROM pb b JOIN pa a USING (bill_id, line_id)""")

        def grouped(key: str) -> list[dict]:
            out = con.sql(f"""SELECT {key} AS key, count(*) AS lines,
                    count(*) FILTER (WHERE before IS DISTINCT FROM after) AS lines_moved,
                    sum(charged) AS charged, sum(before) AS before, sum(after) AS after,
                    coalesce(sum(after), 0) - coalesce(sum(before), 0) AS delta
                FROM moved GROUP BY {key} HAVING count(*) FILTER (WHERE before IS DISTINCT FROM after) > 0
                ORDER BY abs(delta) DESC, key""").fetchall()
            return [{"key": k, "lines": n, "lines_moved": m, "charged": _money(c), "before": _money(b),
                     "after": _money(a), "delta": _money(d)} for k, n, m, c, b, a, d in out]

        total = con.sql("""SELECT count(*), count(*) FILTER (WHERE before IS DISTINCT FROM after), sum(charged),
                coalesce(sum(before), 0), coalesce(sum(after), 0) FROM moved""").fetchall()[0]
        at_risk = con.sql("SELECT (SELECT sum(at_risk) FROM bb), (SELECT sum(at_risk) FROM ba)").fetchall()[0]
        change_sql = """SELECT '{kind}' AS change, x.bill_id, x.line_ids, x.rule, x.result, x.message, x.amount_at_risk,
                x.code, x.fixmedins_code FROM {this} x ANTI JOIN {other} y USING (bill_id, line_ids, rule)"""
        con.execute(f"CREATE TEMP TABLE changes AS {change_sql.format(kind='new', this='fa', other='fb')} "
                    f"UNION ALL {change_sql.format(kind='gone', this='fb', other='fa')}")
        counts = dict(con.sql("SELECT change, count(*) FROM changes GROUP BY change").fetchall())
        changes = con.sql(f"SELECT * FROM changes ORDER BY amount_at_risk DESC, bill_id, line_ids, rule LIMIT {shown}")
        change_rows = [dict(zip(changes.columns, r, strict=True)) for r in changes.fetchall()]
        per_item = grouped("code")
        per_grade = grouped("hospital_grade")
        per_hospital = grouped("hospital")
    for row in per_item:
        row["code"] = row.pop("key")
        row["name"] = names.get(row["code"], "")
    for row in per_grade:
        grade = row.pop("key")
        row["grade"], row["grade_label"] = grade, Grade(grade).label
    for row in per_hospital:
        row["fixmedins_code"] = row.pop("key")
    for row in change_rows:
        row["line_ids"] = row["line_ids"].split(" ")
        row["amount_at_risk"] = _money(row["amount_at_risk"])
    lines, moved, charged, before_total, after_total = total
    return {
        "lines": lines, "rejected_rows": rejected, "lines_moved": moved, "charged": _money(charged),
        "before": _money(before_total), "after": _money(after_total), "delta": _money(after_total - before_total),
        "at_risk_before": _money(at_risk[0]), "at_risk_after": _money(at_risk[1]),
        "per_item": per_item, "per_grade": per_grade, "per_hospital": per_hospital,
        "findings_new": counts.get("new", 0), "findings_gone": counts.get("gone", 0), "changes": change_rows,
    }
