"""The DuckDB engine: the registry's rules as SQL over whole claim files, inside DuckDB.

No line passes through Python.  Over the canonical rows (the view `lines`, `reaudit.sources`):

1. `days` (one scan, `reaudit/sql/bills.py`): small aggregates per bill and day, which say
   which bills must be read whole and on which days a code comes twice; rolled up to `bills`.
2. `S` (one scan): only the lines some rule reads — each rule declares them (`SqlRule`: a cheap
   condition, the kinds of item rule, partner codes and names) — with the bad rows, the bills
   read whole and the doubled days.  A few per cent of a month.
3. The bill checks on the bills read whole (`rejected_bills`), the judged lines `L`, and each
   rule's query into `findings` (ranked, rounded and capped as `RuleSpec.finding` does), then
   `bill_results` (charged, money at risk, outcome per bill).

A registered rule without SQL is not skipped: it runs through the Python engine over every
bill (`fallback_rules`, named in the summary), slowly but with the same findings.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import duckdb
import pyarrow as pa

from price_tables.catalog import Catalog
from reaudit.rule_data import compile_catalog
from reaudit.sql import FINDING_COLUMNS, LINES_SQL, MACROS, SQL_RULES
from reaudit.sql.bills import REGRADED_SQL, REJECTED_BILLS_SQL, bills_sql, days_sql, marks_sql, span_bits, twice_keep
from reaudit.sql.codes import LINE_MAPS_SQL, claims_sql
from validators.reference import NO_REFERENCE, ReferenceData
from validators.registry import RULES
from validators.spec import RuleSpec

_RANK = {rule.id: i for i, rule in enumerate(RULES)}
_TWICE = "twice"  # the kept bit of a line some same-day line may repeat (DUPLICATE_CHARGE reads them)
_CODE_WORDS_MAX = 4
Progress = Callable[[str], None]


def _literal(text: str | None) -> str:
    return "NULL" if text is None else "'" + text.replace("'", "''") + "'"


class DuckDBEngine:
    """The rules of one catalog, compiled into schema `schema` of connection `con`."""

    name = "duckdb"

    def __init__(self, catalog: Catalog, con: duckdb.DuckDBPyConnection, schema: str = "rules",
                 reference: ReferenceData = NO_REFERENCE):
        self.catalog = catalog
        self.reference = reference
        self.con = con
        self.schema = schema
        self.sql_rules = [rule for rule in RULES if rule.id in SQL_RULES]
        self.fallback_rules: list[RuleSpec] = [rule for rule in RULES if rule.id not in SQL_RULES]
        self.timings: dict[str, float] = {}
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
        self._use()
        for name, table in compile_catalog(catalog, reference).items():
            con.register(f"_{schema}_{name}", table)
            con.execute(f"CREATE OR REPLACE TABLE {schema}.{name} AS SELECT * FROM _{schema}_{name}")
            con.unregister(f"_{schema}_{name}")
        con.execute(MACROS)
        codes = con.execute(f"SELECT count(*) FROM {schema}.codes").fetchall()[0]
        self.code_words = max(1, min(_CODE_WORDS_MAX, -(-(codes[0] if codes else 0) // 63)))
        self._mark_kept_lines()

    def _use(self) -> None:
        # working tables in main, found first; then the rule data of this catalog
        self.con.execute(f"SET search_path = 'main,{self.schema}'")

    def _mark_kept_lines(self) -> None:
        """Which items and codes have lines some rule reads, from the rules' own declarations:
        items whose lines are read (`keep`), codes and items read as partners (`partner`), and
        codes whose lines make partners worth reading on their day or in their bill (`anchor_*`)."""
        rules = [SQL_RULES[rule.id] for rule in self.sql_rules]
        kinds = sorted({kind for rule in rules for kind in rule.kinds})

        def union(parts: list[str | None], empty: str) -> str:
            return " UNION ".join(f"({p})" for p in parts if p) or empty

        codes = union([r.partner_codes for r in rules], "SELECT NULL::VARCHAR WHERE false")
        names = union([r.partner_names for r in rules], "SELECT NULL::VARCHAR WHERE false")
        anchors = union([r.anchors for r in rules], "SELECT NULL::INTEGER, NULL::VARCHAR WHERE false")
        con = self.con
        schema = self.schema
        con.execute(f"""CREATE OR REPLACE TABLE {schema}.items AS SELECT it.*,
            list_has_any(it.kinds, {kinds if kinds else "CAST([] AS VARCHAR[])"}) AS keep,
            EXISTS (SELECT 1 FROM ({names}) n(name_norm) WHERE contains(it.name_norm, n.name_norm)) AS partner
            FROM {schema}.items it""")
        con.execute(f"""CREATE OR REPLACE TABLE {schema}.spans AS SELECT sp.*, {span_bits(self.code_words)},
            sp.code IN (SELECT code FROM ({codes}) c(code) WHERE code IS NOT NULL) AS partner
            FROM {schema}.spans sp LEFT JOIN {schema}.codes k USING (code)""")
        anchored = f"SELECT it.code FROM ({anchors}) a(ekey, scope) JOIN items it USING (ekey) WHERE scope ="
        con.execute(f"""CREATE OR REPLACE TABLE {schema}.codes AS SELECT k.*,
            k.code IN ({anchored} 'day') AS anchor_day, k.code IN ({anchored} 'bill') AS anchor_bill
            FROM {schema}.codes k""")
        # Names a material line may carry that hold an included material: a cheap test first
        # (one of the materials' first characters, as sent or folded), the exact one in the rule.
        firsts = sorted({ch for (word,) in con.execute("SELECT word_norm FROM r_mat_words").fetchall() if word
                         for ch in {word[0], word[0].upper(), _UNFOLD.get(word[0], word[0])}})
        pattern = "[" + "".join(_class_char(ch) for ch in firsts) + "]"
        con.execute(f"CREATE OR REPLACE MACRO {schema}.material_hint(s) AS "
                    f"{'regexp_matches(s, ' + _literal(pattern) + ')' if firsts else 'false'}")

    # -- the run -------------------------------------------------------------------------

    def audit(self, progress: Progress | None = None) -> None:
        """Judge every bill of the view `lines`: tables `findings` (FINDINGS_SCHEMA and the risk
        line's charge), `bill_results` (BILLS_SCHEMA) and `rejected_rows` (REJECTED_SCHEMA)."""
        self._use()
        step = self._step(progress)
        code_maps = bool(self.reference.code_maps)
        if code_maps:
            step("bills", LINE_MAPS_SQL)
        other_codes = self._count("SELECT count(*) FROM (SELECT 1 FROM lines WHERE hilist_code IS NOT NULL "
                                  "OR hosplist_code IS NOT NULL LIMIT 1)")
        step("bills", claims_sql(bool(other_codes), code_maps))
        step("bills", days_sql(self.code_words))
        bad_rows = self._count("SELECT count(*) FROM days WHERE bad")
        step("bills", bills_sql())
        step("bills", REGRADED_SQL)
        step("bills", marks_sql(self.code_words))
        step("bills", "DROP TABLE days")
        step("lines", self._select_sql(bad_rows))
        step("rules", REJECTED_BILLS_SQL)
        step("rules", _REJECTED_ROWS_SQL.format(
            bad="SELECT file_no, row_no, bill_id, array_to_string(problems, '；') AS reason FROM S WHERE bad UNION ALL"
            if bad_rows else ""))
        step("rules", LINES_SQL)
        step("rules", "DROP TABLE S")
        step("rules", _RAW_FINDINGS_SQL)
        for rule in self.sql_rules:
            step(rule.id, self._insert_sql(rule))
        if self.fallback_rules:
            step("fallback", None)
            self._fallback()
        step("rules", _FINDINGS_SQL)
        step("rules", _BILL_RESULTS_SQL)
        step("rules", "DROP TABLE L; DROP TABLE raw_findings")

    def _step(self, progress: Progress | None) -> Callable[[str, str | None], None]:
        def run(label: str, sql: str | None) -> None:
            if progress:
                progress(label)
            if sql is None:
                return
            started = time.perf_counter()
            self.con.execute(sql)
            self.timings[label] = self.timings.get(label, 0.0) + time.perf_counter() - started
        return run

    def _count(self, sql: str) -> int:
        found = self.con.execute(sql).fetchall()[0]
        return int(found[0]) if found else 0

    def _select_sql(self, bad_rows: int) -> str:
        """The one scan that keeps the lines the rules read (`S`), each with the bits of the
        rules whose `keep` held for it (computed for the kept lines only)."""
        rules = {rule.id: SQL_RULES[rule.id] for rule in self.sql_rules}
        kept = {rule_id: f"({rule.keep})" for rule_id, rule in rules.items() if rule.keep}
        keeps = [*kept.values(), "it.keep"]
        joins = ""
        if self._count("SELECT count(*) FROM bills WHERE whole"):
            whole = "l.bill_id IN (SELECT bill_id FROM bills WHERE whole)"
            keeps.append(whole)
        else:
            whole = "false"
        twice = "false"
        if self._count("SELECT count(*) FROM day_marks"):
            joins = "LEFT JOIN day_marks dm ON dm.day_key = hash(l.bill_id, l.service_date)"
            partners = ["sp.partner", "it.partner", *(f"({r.partner_keep})" for r in rules.values() if r.partner_keep)]
            twice = f"dm.day_key IS NOT NULL AND {twice_keep(self.code_words)}"
            keeps += [f"({twice})", f"(dm.partner AND ({' OR '.join(partners)}))"]
        kept[_TWICE] = f"({twice}) OR {whole}"
        self._define_kept(list(kept))
        # A bill read whole is judged line by line as the API would: every rule reads every line.
        bits = (f"CASE WHEN {whole} THEN {(1 << len(kept)) - 1} ELSE "
                + " | ".join(f"CASE WHEN {condition} THEN {1 << i} ELSE 0 END" for i, condition in enumerate(kept.values()))
                + " END")
        condition = " OR ".join(keeps)
        if bad_rows:  # the typing checks are paid for only when some row breaks one
            columns, condition = "l.*", f"l.bad OR {condition}"
        else:
            columns = "l.* EXCLUDE (bad, problems), false AS bad, CAST(NULL AS VARCHAR[]) AS problems"
        return f"""
CREATE OR REPLACE TABLE S AS
SELECT {columns}, CASE WHEN l.service THEN sp.ekey END AS ekey, coalesce(l.service AND sp.in_catalog, false) AS known,
    {bits} AS kept
FROM (SELECT *, coalesce(category, 'service') = 'service' AS service FROM claims) l
LEFT JOIN spans sp ON sp.code = l.code AND l.service_date BETWEEN sp.valid_from AND sp.valid_to
LEFT JOIN items it ON it.ekey = CASE WHEN l.service THEN sp.ekey END
{joins}
WHERE {condition}
"""

    def _define_kept(self, names: list[str]) -> None:
        """`kept_by(kept, 'RULE_ID')`: whether the rule's `keep` held for a line."""
        cases = " ".join(f"WHEN {_literal(name)} THEN {i}" for i, name in enumerate(names))
        self.con.execute(f"CREATE OR REPLACE MACRO {self.schema}.kept_by(k, rule) AS (k >> CASE rule {cases} END) & 1 = 1")

    def _insert_sql(self, rule: RuleSpec) -> str:
        columns = ", ".join(FINDING_COLUMNS)
        return f"""
INSERT INTO raw_findings
SELECT f.bill_id, f.first_key, {_RANK[rule.id]}, array_to_string(f.line_ids, ' '), '{rule.id}',
    coalesce(f.national_rule, {_literal(rule.national_rule)}), coalesce(f.result, '{rule.result.label}'), f.message,
    CAST(round(f.expected, 2) AS DECIMAL(18,2)), CAST(round(f.charged, 2) AS DECIMAL(18,2)),
    -- never more than the line charged, rounded down to the cent (validators.spec.RuleSpec.finding)
    CASE WHEN least(CAST(f.at_risk AS DECIMAL(38,8)), CAST(f.risk_charged AS DECIMAL(38,8))) > 0
         THEN CAST(cents_down(least(CAST(f.at_risk AS DECIMAL(38,8)), CAST(f.risk_charged AS DECIMAL(38,8)))) AS DECIMAL(18,2))
         ELSE CAST(0 AS DECIMAL(18,2)) END,
    f.basis_document, CAST(f.basis_seq AS INTEGER), f.basis_text, f.risk_line_id, f.risk_code, f.risk_charged
FROM ({SQL_RULES[rule.id].query}) AS f({columns})
"""

    def _fallback(self) -> None:
        """The rules without SQL, by the Python engine over every judged bill."""
        from reaudit import python_engine
        from reaudit.chunks import whole_bills
        from reaudit.claims import CANONICAL_COLUMNS

        columns = ", ".join(CANONICAL_COLUMNS)
        reader = self.con.sql(f"""SELECT {columns} FROM lines WHERE NOT bad
            AND bill_id NOT IN (SELECT bill_id FROM rejected_bills) ORDER BY bill_id, file_no, row_no""").to_arrow_reader(1 << 16)

        def batches() -> Iterator[pa.Table]:
            for batch in reader:
                yield pa.Table.from_batches([batch])

        cursor = self.con.cursor()
        for chunk in whole_bills(batches(), 1 << 16):
            findings, _ = python_engine.judge(chunk, self.catalog, self.fallback_rules)
            if findings.num_rows:
                cursor.register("fallback_findings", findings)
                cursor.execute("""INSERT INTO raw_findings
                    SELECT f.bill_id, f.first_key, f.rule_rank, f.line_ids, f.rule, f.national_rule, f.result, f.message,
                        f.expected, f.charged, f.amount_at_risk, f.basis_document, f.basis_seq, f.basis_text, f.risk_line_id,
                        f.code, CAST(coalesce(l.amount, l.quantity * l.unit_price) AS DECIMAL(38,8))
                    FROM fallback_findings f JOIN lines l ON l.bill_id = f.bill_id AND l.line_id = f.risk_line_id
                        AND NOT l.history AND NOT l.bad""")
                cursor.unregister("fallback_findings")
        cursor.close()


_UNFOLD = {"(": "（", ")": "）", ",": "，", "+": "＋", "-": "－", "/": "／", ":": "："}


def _class_char(ch: str) -> str:
    return "\\" + ch if ch in "\\]^-[" else ch


_RAW_FINDINGS_SQL = """
CREATE OR REPLACE TABLE raw_findings (bill_id VARCHAR, first_key VARCHAR, rule_rank INTEGER, line_ids VARCHAR,
    rule VARCHAR, national_rule VARCHAR, result VARCHAR, message VARCHAR, expected DECIMAL(18,2), charged DECIMAL(18,2),
    amount_at_risk DECIMAL(18,2), basis_document VARCHAR, basis_seq INTEGER, basis_text VARCHAR, risk_line_id VARCHAR,
    code VARCHAR, risk_charged DECIMAL(38,8))
"""

# Every finding with its bill's place in the files and hospital (FINDINGS_SCHEMA), and what the
# risk line charged (for the bill's total).
_FINDINGS_SQL = """
CREATE OR REPLACE TABLE findings AS
SELECT b.file_no, b.bill_row, f.bill_id, f.first_key, f.rule_rank, f.line_ids, f.rule, f.national_rule, f.result, f.message,
    f.expected, f.charged, f.amount_at_risk, f.basis_document, f.basis_seq, f.basis_text, f.risk_line_id,
    b.fixmedins_code, b.hospital_grade, f.code, f.risk_charged
FROM raw_findings f JOIN bills b USING (bill_id)
"""

_REJECTED_ROWS_SQL = """
CREATE OR REPLACE TABLE rejected_rows AS
{bad}
SELECT s.file_no, s.row_no, s.bill_id, r.reason FROM S s JOIN rejected_bills r USING (bill_id) WHERE NOT s.bad
"""

_BILL_RESULTS_SQL = """
CREATE OR REPLACE TABLE bill_results AS
WITH per_line AS (
    SELECT bill_id, least(CAST(sum(amount_at_risk) AS DECIMAL(38,8)), any_value(risk_charged)) AS at_risk
    FROM findings GROUP BY bill_id, risk_line_id
), risk AS (
    SELECT bill_id, CAST(round(sum(at_risk), 2) AS DECIMAL(18,2)) AS at_risk FROM per_line GROUP BY bill_id
), worst AS (
    SELECT bill_id, max(CASE result WHEN 'violation' THEN 3 WHEN 'suspect' THEN 2 ELSE 1 END) AS level
    FROM findings GROUP BY bill_id
)
SELECT b.file_no, b.bill_row, b.bill_id, b.fixmedins_code, b.hospital_grade, b.lines,
    CAST(round(b.charged, 2) AS DECIMAL(18,2)) AS charged, coalesce(r.at_risk, CAST(0 AS DECIMAL(18,2))) AS at_risk,
    CASE w.level WHEN 3 THEN 'violation' WHEN 2 THEN 'suspect' ELSE 'pass' END AS outcome
FROM bills b LEFT JOIN risk r USING (bill_id) LEFT JOIN worst w USING (bill_id)
WHERE NOT EXISTS (SELECT 1 FROM rejected_bills x WHERE x.bill_id = b.bill_id)
"""
