"""What every rule query reads: the judged lines `L`, the shape of a rule as SQL, and the small
SQL helpers that format money and counts exactly as `validators.spec` does."""

from __future__ import annotations

from dataclasses import dataclass

# Python's str.isspace() characters: `normalise` strips them all (RE2's \s knows only ASCII).
_SPACE = r"[\s\x{0b}\x{1c}-\x{1f}\x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}]+"

MACROS = f"""
CREATE OR REPLACE MACRO yuan(x) AS CAST(round(x, 2) AS DECIMAL(38,2))::VARCHAR;
CREATE OR REPLACE MACRO cnt(x) AS CASE WHEN contains(CAST(x AS VARCHAR), '.')
    THEN rtrim(rtrim(CAST(x AS VARCHAR), '0'), '.') ELSE CAST(x AS VARCHAR) END;
CREATE OR REPLACE MACRO norm(s) AS lower(translate(regexp_replace(s, '{_SPACE}', '', 'g'),
    '（），＋－／：', '(),+-/:'));
-- Line ids in the order people read them ("2" before "10"), as validators.context orders them:
-- each digit run by its value (length, then digits), each other run by its text.
CREATE OR REPLACE MACRO natrun(p) AS CASE WHEN regexp_full_match(p, '[0-9]+')
    THEN '0' || lpad(CAST(length(ltrim(p, '0')) AS VARCHAR), 3, '0') || ltrim(p, '0')
    ELSE '1' || p || chr(1) END;
CREATE OR REPLACE MACRO natkey(s) AS CASE WHEN ltrim(s, '0123456789') = ''
    THEN '0' || lpad(CAST(length(ltrim(s, '0')) AS VARCHAR), 3, '0') || ltrim(s, '0')
    ELSE array_to_string(list_transform(regexp_extract_all(s, '[0-9]+|[^0-9]+'), lambda p: natrun(p)), '') END;
-- completed years (周岁) on a day, as validators.context.age_on
CREATE OR REPLACE MACRO age_on(b, d) AS year(d) - year(b)
    - CASE WHEN month(d) < month(b) OR (month(d) = month(b) AND day(d) < day(b)) THEN 1 ELSE 0 END;
CREATE OR REPLACE MACRO cents_down(x) AS CAST(x - (x % 0.01) AS DECIMAL(38,2));
CREATE OR REPLACE MACRO grade_price(g, a, b, c) AS CASE g WHEN 'grade_3a' THEN a WHEN 'grade_3b' THEN b ELSE c END;
CREATE OR REPLACE MACRO grade_label(g) AS grade_price(g, '三甲', '三乙', '二级及以下');
"""

# Every rule query yields these, in this order; NULL national_rule / result mean the rule's own.
# `first_key`: the natural key of the finding's first line (findings are listed by it).
FINDING_COLUMNS = ("bill_id", "line_ids", "first_key", "national_rule", "result", "message", "expected", "charged",
                   "at_risk", "risk_line_id", "risk_charged", "risk_code", "basis_document", "basis_seq", "basis_text")


@dataclass(frozen=True)
class SqlRule:
    """A registry rule as SQL.

    `query` yields FINDING_COLUMNS from the judged lines `L` and the rule data.  `L` holds only
    the lines some rule may read, picked in one scan of the claims; so each rule says which lines
    it reads.  For sure: those its cheap condition `keep` holds for (over the scanned line `l`,
    its span `sp` and item `it`), and those whose item has a rule of one of `kinds`.  Besides,
    on the days (or in the bills) where a line of an item named by `anchors` (SQL selecting
    `ekey, scope` with scope 'day' or 'bill') is charged: the lines of its partners, by code
    (`partner_codes`, SQL selecting codes), by the normalised name they are shown under
    (`partner_names`) or by a condition (`partner_keep`).
    """

    query: str
    keep: str | None = None
    kinds: tuple[str, ...] = ()
    anchors: str | None = None
    partner_codes: str | None = None
    partner_names: str | None = None
    partner_keep: str | None = None


# The judged lines: the picked lines of the bills that pass the bill checks, with what the
# rules say about every line: its label, what it charged, the patient's age that day, its
# natural key `nk`, its identity `rid` and its place in the bill `okey` (history first, then
# the bill, each by line id, as validators.context orders them), which rules' `keep` held for it
# (`kept`, read with `kept_by(kept, 'RULE_ID')`), and the grade its bill is priced at.
LINES_SQL = """
CREATE OR REPLACE TABLE L AS
SELECT *, {'h': NOT history, 'k': nk, 'f': file_no, 'r': row_no} AS okey FROM (
    SELECT s.* EXCLUDE (bad, problems),
        (CAST(s.file_no AS BIGINT) << 40) | s.row_no AS rid,
        CAST(coalesce(s.amount, s.quantity * s.unit_price) AS DECIMAL(38,8)) AS charged,
        age_on(s.birth_date, s.service_date) AS age,
        coalesce(it.name, s.name, '') AS disp,
        CASE WHEN it.name IS NOT NULL THEN it.name_norm WHEN s.name IS NULL THEN '' ELSE norm(s.name) END AS disp_norm,
        CASE WHEN coalesce(it.name, s.name) IS NULL THEN s.code ELSE coalesce(it.name, s.name) || '（' || s.code || '）' END AS lbl,
        it.document AS doc, it.seq AS seq, natkey(s.line_id) AS nk,
        -- the grade prices are judged at (`reaudit.sql.bills.REGRADED_SQL`)
        coalesce(g.grade, s.hospital_grade) AS grade, coalesce(g.grade_known, true) AS grade_known,
        g.registered AS registry_grade
    FROM S s LEFT JOIN items it USING (ekey) LEFT JOIN regraded g USING (bill_id)
    WHERE NOT s.bad AND NOT EXISTS (SELECT 1 FROM rejected_bills r WHERE r.bill_id = s.bill_id))
"""
