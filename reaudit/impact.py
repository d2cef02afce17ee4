"""What a draft table would move: every line of a claims file re-priced under the published
tables and under the draft, and judged under both (DuckDB engine, in one connection: each
catalog's rule data in a schema of its own), reported as money in total, per item, per
hospital grade and per hospital, and the findings that appear or disappear."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import duckdb

from price_tables.catalog import Catalog
from price_tables.grades import Grade
from reaudit.duckdb_engine import DuckDBEngine
from reaudit.job import connect
from reaudit.readers import open_lines, workdir
from reaudit.sql.price import standard
from validators.reference import NO_REFERENCE, ReferenceData

CHANGES_SHOWN = 200

# Every judged line at its standard unit price under the catalog in use (NULL when no table
# prices it that day, or it is self-priced), with what it charged and the grade it is priced at.
_PRICED_SQL = """
CREATE OR REPLACE TABLE {name}_priced AS
WITH base AS (
    SELECT l.bill_id, l.line_id, l.code, l.fixmedins_code, coalesce(g.grade, l.hospital_grade) AS grade, l.quantity,
        l.duration_hours, CAST(coalesce(l.amount, l.quantity * l.unit_price) AS DECIMAL(38,8)) AS charged,
        age_on(l.birth_date, l.service_date) AS age,
        CASE WHEN coalesce(l.category, 'service') = 'service' THEN sp.ekey END AS pekey
    FROM claims l LEFT JOIN spans sp ON sp.code = l.code AND l.service_date BETWEEN sp.valid_from AND sp.valid_to
    LEFT JOIN regraded g USING (bill_id)
    WHERE NOT l.bad AND NOT l.history AND NOT EXISTS (SELECT 1 FROM rejected_bills r WHERE r.bill_id = l.bill_id)
), """ + standard("SELECT * FROM base WHERE pekey IS NOT NULL", "bill_id, line_id") + """
SELECT b.bill_id, b.line_id, b.code, b.fixmedins_code, b.grade, b.quantity, b.charged, p.expected AS standard
FROM base b LEFT JOIN priced p USING (bill_id, line_id)
"""


def _money(value) -> str:
    return f"{Decimal(value or 0):.2f}"


def _judge(con: duckdb.DuckDBPyConnection, name: str, catalog: Catalog, reference: ReferenceData) -> None:
    DuckDBEngine(catalog, con, schema=name, reference=reference).audit()
    con.execute(f"CREATE OR REPLACE TABLE {name}_findings AS SELECT * FROM findings")
    con.execute(f"CREATE OR REPLACE TABLE {name}_bills AS SELECT * FROM bill_results")
    con.execute(_PRICED_SQL.format(name=name))


def impact(paths: list[Path], published: Catalog, draft: Catalog, shown: int = CHANGES_SHOWN,
           reference: ReferenceData = NO_REFERENCE) -> dict:
    """The report (money as strings with two decimals)."""
    with workdir() as tmp:
        con = connect(temp_directory=tmp)
        try:
            claims = open_lines(con, paths, Path(tmp))
            _judge(con, "published", published, reference)
            _judge(con, "draft", draft, reference)
            return _report(con, published, draft, shown, sum(len(c.unreadable) for c in claims))
        finally:
            con.close()


def _report(con: duckdb.DuckDBPyConnection, published: Catalog, draft: Catalog, shown: int, unreadable: int) -> dict:
    rejected = con.execute("SELECT count(*) FROM rejected_rows").fetchall()[0][0] + unreadable
    lines = con.execute("SELECT count(*) FROM published_priced").fetchall()[0][0]
    if lines == 0:
        raise ValueError(f"文件中没有可读的明细（{rejected} 行无法读取）" if rejected else "文件中没有可读的明细")
    names = {code: (draft.latest(code) or published.latest(code)).item.name  # type: ignore[union-attr]
             for code in set(draft.codes()) | set(published.codes())}
    con.execute("""CREATE OR REPLACE TABLE moved AS
        SELECT b.bill_id, b.line_id, b.code, coalesce(b.fixmedins_code, '') AS hospital,
               b.grade AS hospital_grade, b.charged, b.standard * b.quantity AS before, a.standard * a.quantity AS after
        FROM published_priced b JOIN draft_priced a USING (bill_id, line_id)""")

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
    at_risk = con.sql("SELECT (SELECT sum(at_risk) FROM published_bills), (SELECT sum(at_risk) FROM draft_bills)").fetchall()[0]
    change_sql = """SELECT '{kind}' AS change, x.bill_id, x.line_ids, x.rule, x.result, x.message, x.amount_at_risk,
            x.code, x.fixmedins_code FROM {this} x ANTI JOIN {other} y USING (bill_id, line_ids, rule)"""
    new = change_sql.format(kind="new", this="draft_findings", other="published_findings")
    gone = change_sql.format(kind="gone", this="published_findings", other="draft_findings")
    con.execute(f"CREATE OR REPLACE TABLE changes AS {new} UNION ALL {gone}")
    counts = dict(con.sql("SELECT change, count(*) FROM changes GROUP BY change").fetchall())
    changes = con.sql(f"SELECT * FROM changes ORDER BY amount_at_risk DESC, bill_id, line_ids, rule LIMIT {shown}")
    change_rows = [dict(zip(changes.columns, r, strict=True)) for r in changes.fetchall()]
    per_item, per_grade, per_hospital = grouped("code"), grouped("hospital_grade"), grouped("hospital")
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
