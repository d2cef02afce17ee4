"""The DuckDB engine: the registry's rules as SQL over a chunk of whole bills.

Each rule's query lives in `reaudit/sql/` under the rule's id; its thresholds and texts come
from the catalog compiled by `reaudit.rule_data`.  A registered rule without SQL is not skipped:
it runs through the Python engine over the bills it concerns (`FALLBACK`), and is named in
`fallback_rules`.
"""

from __future__ import annotations

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from price_tables.catalog import Catalog
from reaudit import python_engine
from reaudit.findings import BILLS_SCHEMA, FINDINGS_SCHEMA
from reaudit.rule_data import compile_catalog
from reaudit.sql import FINDING_COLUMNS, LINES_SQL, MACROS, SQL_RULES
from reaudit.sql.price import STANDARD
from validators.registry import RULES
from validators.spec import RuleSpec

_RANK = {rule.id: i for i, rule in enumerate(RULES)}


def _union(rules: list[RuleSpec]) -> str:
    """One query of every rule's findings; the registry gives each its id, rank, code and level."""
    columns = ", ".join(FINDING_COLUMNS)
    parts = []
    for rule in rules:
        national = f"'{rule.national_rule}'" if rule.national_rule else "NULL"
        parts.append(
            f"SELECT bill_id, line_ids, first_ord, {_RANK[rule.id]} AS rule_rank, '{rule.id}' AS rule, "
            f"coalesce(national_rule, {national}) AS national_rule, coalesce(result, '{rule.result.label}') AS result, "
            f"message, expected, charged, at_risk, risk_line_id, risk_charged, basis_document, basis_seq, basis_text "
            f"FROM ({SQL_RULES[rule.id]}) AS r({columns})")
    return "\nUNION ALL\n".join(parts)


_FINDINGS_SQL = """
CREATE OR REPLACE TEMP TABLE F AS
WITH raw AS ({union})
SELECT b.file_no, b.bill_row, f.bill_id, f.first_ord, f.rule_rank, array_to_string(f.line_ids, ' ') AS line_ids, f.rule,
    f.national_rule, f.result, f.message,
    CAST(round(f.expected, 2) AS DECIMAL(18,2)) AS expected, CAST(round(f.charged, 2) AS DECIMAL(18,2)) AS charged,
    -- never more than the line charged, rounded down to the cent (validators.spec.RuleSpec.finding)
    -- (least() casts to its first argument's scale: both made exact first)
    CASE WHEN least(CAST(f.at_risk AS DECIMAL(38,8)), CAST(f.risk_charged AS DECIMAL(38,8))) > 0
         THEN CAST(cents_down(least(CAST(f.at_risk AS DECIMAL(38,8)), CAST(f.risk_charged AS DECIMAL(38,8)))) AS DECIMAL(18,2))
         ELSE CAST(0 AS DECIMAL(18,2)) END AS amount_at_risk,
    f.basis_document, CAST(f.basis_seq AS INTEGER) AS basis_seq, f.basis_text, f.risk_line_id,
    b.fixmedins_code, b.hospital_grade, r.code
FROM raw f JOIN bills b USING (bill_id)
JOIN L r ON r.bill_id = f.bill_id AND r.line_id = f.risk_line_id AND NOT r.history
"""

_BILLS_SQL = """
CREATE OR REPLACE TEMP TABLE bills AS
SELECT any_value(file_no) AS file_no, min(row_no) AS bill_row, bill_id, any_value(fixmedins_code) AS fixmedins_code,
    any_value(hospital_grade) AS hospital_grade, count(*) FILTER (WHERE NOT history) AS lines,
    CAST(round(sum(CAST(coalesce(amount, CAST(quantity AS DECIMAL(38,4)) * unit_price) AS DECIMAL(38,8)))
         FILTER (WHERE NOT history), 2) AS DECIMAL(18,2)) AS charged
FROM chunk GROUP BY bill_id
"""

_TOTALS_SQL = """
WITH per_line AS (
    SELECT f.bill_id, least(CAST(sum(f.amount_at_risk) AS DECIMAL(38,8)), CAST(any_value(l.charged) AS DECIMAL(38,8))) AS at_risk
    FROM F f JOIN L l ON l.bill_id = f.bill_id AND l.line_id = f.risk_line_id AND NOT l.history
    GROUP BY f.bill_id, f.risk_line_id
), risk AS (
    SELECT bill_id, CAST(round(sum(at_risk), 2) AS DECIMAL(18,2)) AS at_risk FROM per_line GROUP BY bill_id
), worst AS (
    SELECT bill_id, max(CASE result WHEN 'violation' THEN 3 WHEN 'suspect' THEN 2 ELSE 1 END) AS level FROM F GROUP BY bill_id
)
SELECT b.file_no, b.bill_row, b.bill_id, b.fixmedins_code, b.hospital_grade, b.lines, b.charged,
    coalesce(r.at_risk, CAST(0 AS DECIMAL(18,2))) AS at_risk,
    CASE w.level WHEN 3 THEN 'violation' WHEN 2 THEN 'suspect' ELSE 'pass' END AS outcome
FROM bills b LEFT JOIN risk r USING (bill_id) LEFT JOIN worst w USING (bill_id)
ORDER BY b.file_no, b.bill_row
"""


def lines_sql(chunk: pa.Table) -> str:
    """LINES_SQL, ordering line ids as numbers when every id is one (the usual case): the same
    order as the natural key, without a regular expression per line."""
    ids = chunk.column("line_id")
    if len(ids) and pc.all(pc.match_substring_regex(ids, r"^[0-9]{1,18}$")).as_py():
        return LINES_SQL.replace("natkey(c.line_id)", "CAST(c.line_id AS BIGINT)")
    return LINES_SQL


class DuckDBEngine:
    """Judges chunks of whole bills (canonical rows, `reaudit.claims.CANONICAL_SCHEMA`)."""

    name = "duckdb"

    def __init__(self, catalog: Catalog, threads: int | None = None, memory_limit: str | None = None):
        config: dict[str, str | bool | int | float | list[str]] = {}
        if threads:
            config["threads"] = threads
        if memory_limit:
            config["memory_limit"] = memory_limit
        self.catalog = catalog
        self.con = duckdb.connect(config=config)
        for name, table in compile_catalog(catalog).items():
            self.con.register(f"{name}_arrow", table)
            self.con.execute(f"CREATE TEMP TABLE {name} AS SELECT * FROM {name}_arrow")
            self.con.unregister(f"{name}_arrow")
        self.con.execute(MACROS)
        self.sql_rules = [rule for rule in RULES if rule.id in SQL_RULES]
        self.fallback_rules = [rule for rule in RULES if rule.id not in SQL_RULES]
        self._findings_sql = _FINDINGS_SQL.format(union=_union(self.sql_rules))

    def judge(self, chunk: pa.Table) -> tuple[pa.Table, pa.Table]:
        """(findings, bills) for every bill in `chunk`; each bill's rows must all be in it."""
        con = self.con
        con.register("chunk", chunk)
        try:
            con.execute(lines_sql(chunk))
            con.execute(_BILLS_SQL)
            con.execute(self._findings_sql)
            if self.fallback_rules:
                fallback = python_engine.judge(chunk, self.catalog, self.fallback_rules)[0]
                con.register("fallback", fallback)
                con.execute("INSERT INTO F SELECT * FROM fallback")
                con.unregister("fallback")
            findings = con.sql(
                "SELECT * FROM F ORDER BY file_no, bill_row, first_ord, rule_rank, line_ids, message").to_arrow_table()
            bills = con.sql(_TOTALS_SQL).to_arrow_table()
        finally:
            con.unregister("chunk")
        return _as(findings, FINDINGS_SCHEMA), _as(bills, BILLS_SCHEMA)

    def priced(self, chunk: pa.Table) -> pa.Table:
        """Each bill line re-priced: its standard unit price under this catalog (NULL when no
        table prices it that day or it is self-priced), with what it charged."""
        con = self.con
        con.register("chunk", chunk)
        try:
            con.execute(lines_sql(chunk))
            return con.sql(STANDARD + """
                SELECT l.bill_id, l.line_id, l.code, l.fixmedins_code, l.hospital_grade, l.quantity, l.charged,
                       p.expected AS standard
                FROM L l LEFT JOIN priced p USING (bill_id, line_id) WHERE NOT l.history""").to_arrow_table()
        finally:
            con.unregister("chunk")

    def close(self) -> None:
        self.con.close()


def _as(table: pa.Table | pa.RecordBatchReader, schema: pa.Schema) -> pa.Table:
    if isinstance(table, pa.RecordBatchReader):
        table = table.read_all()
    return table.select(schema.names).cast(schema)
