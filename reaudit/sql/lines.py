"""What every rule query reads: the judged lines `L`, and the small SQL helpers that format
money and counts exactly as `validators.spec` does."""

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
CREATE OR REPLACE MACRO natkey(s) AS CASE WHEN regexp_full_match(s, '[0-9]+') THEN natrun(s)
    ELSE array_to_string(list_transform(regexp_extract_all(s, '[0-9]+|[^0-9]+'), lambda p: natrun(p)), '') END;
CREATE OR REPLACE MACRO cents_down(x) AS CAST(x - (x % 0.01) AS DECIMAL(38,2));
"""

LINES_SQL = """
CREATE OR REPLACE TEMP TABLE L AS
SELECT c.* REPLACE (CAST(c.quantity AS DECIMAL(38,4)) AS quantity, CAST(c.unit_price AS DECIMAL(38,4)) AS unit_price,
        CAST(c.amount AS DECIMAL(38,4)) AS amount, CAST(c.duration_hours AS DECIMAL(38,4)) AS duration_hours,
        CAST(c.purchase_price AS DECIMAL(38,4)) AS purchase_price),
    iv.ekey, c.service AND k.code IS NOT NULL AS known,
    year(c.service_date) - year(c.birth_date) - CASE WHEN month(c.service_date) < month(c.birth_date)
        OR (month(c.service_date) = month(c.birth_date) AND day(c.service_date) < day(c.birth_date)) THEN 1 ELSE 0 END AS age,
    CAST(coalesce(c.amount, CAST(c.quantity AS DECIMAL(38,4)) * c.unit_price) AS DECIMAL(38,8)) AS charged,
    coalesce(it.name, c.name, '') AS disp,
    CASE WHEN it.name IS NOT NULL THEN it.name_norm WHEN c.name IS NULL THEN '' ELSE norm(c.name) END AS disp_norm,
    CASE WHEN coalesce(it.name, c.name, '') = '' THEN c.code ELSE coalesce(it.name, c.name) || '（' || c.code || '）' END AS lbl,
    it.document AS doc, it.seq AS seq,
    row_number() OVER (PARTITION BY c.bill_id ORDER BY c.history DESC, natkey(c.line_id), c.row_no) AS ord
-- material and drug lines are outside the service tables: never judged against them
FROM (SELECT *, coalesce(category, 'service') = 'service' AS service FROM chunk) c
LEFT JOIN intervals iv ON c.service AND iv.code = c.code AND c.service_date BETWEEN iv.valid_from AND iv.valid_to
LEFT JOIN items it ON it.ekey = iv.ekey
LEFT JOIN codes k ON k.code = c.code
"""

# Every rule query yields these, in this order; NULL national_rule / result mean the rule's own.
FINDING_COLUMNS = ("bill_id", "line_ids", "first_ord", "national_rule", "result", "message", "expected", "charged",
                   "at_risk", "risk_line_id", "risk_charged", "basis_document", "basis_seq", "basis_text")
