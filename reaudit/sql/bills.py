"""The bills of a claims file, from one scan that keeps no line: per bill and day, small
aggregates that say which bills must be read whole and on which days a code comes twice.

A bill is read whole (every line into `S`, checked there exactly as the API's Bill model
checks a request body) when these aggregates cannot clear it: bill-level values that differ
between rows, only history rows, line ids not proven distinct, a main_line_id, history rows,
or a birth or discharge date out of order.  Line ids are proven distinct without keeping
them: numeric ids within 126 of each other, one bit each (`_ID_WORDS` words of 63 bits).

The same line twice needs the same code twice on a day: each day's codes are bits too (the
catalog's codes numbered, `_CODE_WORDS` words), and a day whose count of coded lines exceeds
its distinct bits is read (only the lines of the doubled codes, when the bits say which:
`bit_or & ~bit_xor` marks codes seen an even number of times).  With more codes than bits,
codes share bits: more days are read, none is missed.
"""

from __future__ import annotations

from reaudit.claims import BILL_PROBLEMS_SQL

_ID_WORDS = 2
_CODE_WORDS = 4
_WORD = 63  # bits per BIGINT word (the sign bit stays clear: shifts into it overflow)


def _bit(value: str, word: int) -> str:
    """`1 << value` in word `word` of a bitmap (NULL when the bit lives in another word)."""
    return (f"CASE WHEN {value} // {_WORD} = {word} THEN CAST(1 AS BIGINT) << CAST({value} % {_WORD} AS BIGINT) END")


def _popcount(prefix: str, words: int) -> str:
    return " + ".join(f"coalesce(bit_count({prefix}{k}), 0)" for k in range(words))


def _fields(*flags: str) -> str:
    """Counts of up to four conditions in one HUGEINT, 32 bits each (one aggregate, not four)."""
    return " + ".join(f"(CAST(coalesce({flag}, false) AS HUGEINT) << {32 * i})" for i, flag in enumerate(flags))


def _field(total: str, i: int) -> str:
    return f"CAST(({total} >> {32 * i}) & 4294967295 AS BIGINT)"


def days_sql(code_words: int) -> str:
    """One scan of `claims` (canonical rows, item codes found) into `days`; bad rows make groups
    of their own."""
    code_bits = _WORD * code_words
    ids = ", ".join(f"bit_or({_bit('id_bit', k)}) AS id_b{k}" for k in range(_ID_WORDS))
    codes = ", ".join(f"bit_or({_bit('code_bit', k)}) AS c_or{k}, bit_xor({_bit('code_bit', k)}) AS c_xor{k}"
                      for k in range(code_words))
    return f"""
CREATE OR REPLACE TABLE days AS
SELECT bill_id, service_date, bad,
    min(v) AS v_min, max(v) AS v_max, min(pos) AS pos, sum(rows) AS rows, sum(marks) AS marks, sum(charged) AS charged,
    min(id) AS id_min, max(id) AS id_max, {ids}, {codes},
    any_value(fixmedins_code) AS fixmedins_code, any_value(hospital_grade) AS hospital_grade,
    any_value(admitted_on) AS admitted_on
FROM (
    SELECT bill_id, service_date, bad, fixmedins_code, hospital_grade, admitted_on, id,
        hash(fixmedins_code, hospital_grade, birth_date, sex, encounter_type, admitted_on, discharged_on) AS v,
        (CAST(file_no AS BIGINT) << 40) | row_no AS pos,
        -- rows, history rows, main_line_ids, dates out of order
        {_fields("true", "history", "main_line_id IS NOT NULL",
                 "(NOT history AND birth_date > service_date) OR discharged_on < admitted_on")} AS rows,
        -- numeric line ids, coded lines, lines anchoring a same-day or an any-day rule
        {_fields("id IS NOT NULL", "cidx IS NOT NULL", "anchor_day", "anchor_bill")} AS marks,
        CASE WHEN NOT history THEN coalesce(amount, quantity * unit_price) END AS charged,
        CASE WHEN id >= 0 THEN id % {_WORD * _ID_WORDS} END AS id_bit, cidx % {code_bits} AS code_bit
    FROM (SELECT l.*, k.cidx, k.anchor_day, k.anchor_bill,
                 CASE WHEN NOT l.history THEN TRY_CAST(l.line_id AS BIGINT) END AS id
          FROM claims l LEFT JOIN codes k ON k.code = l.code AND coalesce(l.category, 'service') = 'service'))
GROUP BY bill_id, service_date, bad
"""


def bills_sql() -> str:
    """`bills`: one row per bill (its first row, hospital, lines and charge, the day its grade is
    read on), whether to read it whole, and whether it anchors an any-day rule."""
    rows, history, refs, odd = (_field("sum(rows)", i) for i in range(4))
    id_n, anchor_bill = _field("sum(marks)", 0), _field("sum(marks)", 3)
    return f"""
CREATE OR REPLACE TABLE bills AS
SELECT bill_id, CAST(pos >> 40 AS INTEGER) AS file_no, pos & 1099511627775 AS bill_row, fixmedins_code, hospital_grade,
    rows - history AS lines, charged, anchor_bill > 0 AS anchor_bill, first_day,
    coalesce(v_min <> v_max OR history > 0 OR refs > 0 OR odd > 0 OR rows = history
             OR NOT (id_n = rows - history AND id_max - id_min < {_WORD * _ID_WORDS}
                     AND {_popcount('id_b', _ID_WORDS)} = rows - history), true) AS whole
FROM (
    SELECT bill_id, min(v_min) AS v_min, max(v_max) AS v_max, min(pos) AS pos,
        {rows} AS rows, {history} AS history, {refs} AS refs, {odd} AS odd, {id_n} AS id_n, {anchor_bill} AS anchor_bill,
        sum(charged) AS charged, min(id_min) AS id_min, max(id_max) AS id_max,
        {', '.join(f'bit_or(id_b{k}) AS id_b{k}' for k in range(_ID_WORDS))},
        any_value(fixmedins_code) AS fixmedins_code, any_value(hospital_grade) AS hospital_grade,
        -- the grade is the one held on the admission day, else on the first day billed
        coalesce(any_value(admitted_on), min(service_date) FILTER (WHERE {_field("rows", 0)} > {_field("rows", 1)}))
            AS first_day
    FROM days WHERE NOT bad
    GROUP BY bill_id
)
"""


# The bills priced at another grade than their rows say: the registry's grade on the bill's first
# day when the hospital is registered (HOSPITAL_GRADE_CONFLICT when the bill said another), else
# the bill's; with neither, 三甲 prices and `grade_known` false (HOSPITAL_GRADE_UNKNOWN).  They are
# read whole.
REGRADED_SQL = """
CREATE OR REPLACE TABLE regraded AS
SELECT b.bill_id, b.hospital_grade AS claimed, r.grade AS registered, coalesce(r.grade, b.hospital_grade, 'grade_3a') AS grade,
    coalesce(r.grade, b.hospital_grade) IS NOT NULL AS grade_known
FROM bills b LEFT JOIN (
    SELECT b.bill_id, arg_max(h.grade, h.valid_from) AS grade
    FROM bills b JOIN hospital_grades h ON h.fixmedins_code = b.fixmedins_code AND b.first_day BETWEEN h.valid_from AND h.valid_to
    GROUP BY b.bill_id) r USING (bill_id)
WHERE (r.grade IS NOT NULL AND r.grade IS DISTINCT FROM b.hospital_grade) OR (r.grade IS NULL AND b.hospital_grade IS NULL);
UPDATE bills SET whole = true WHERE bill_id IN (SELECT bill_id FROM regraded);
"""


def marks_sql(code_words: int) -> str:
    """`day_marks`: the days whose lines some rule compares with another's — the days a code
    comes twice, with the bits of the codes to read (every code's bit when the bits cannot say
    which), and the days partners are read on (`partner`: a line anchoring a same-day rule that
    day, or an any-day one that bill).  Keyed by a hash of bill and day: a collision only reads
    more lines."""
    coded, anchor_day = _field("marks", 1), _field("marks", 2)
    distinct = _popcount("c_or", code_words)
    doubled = " + ".join(f"coalesce(bit_count(c_or{k} & ~coalesce(c_xor{k}, 0)), 0)" for k in range(code_words))
    masks = ", ".join(f"CASE WHEN NOT twice THEN 0 WHEN exact THEN coalesce(c_or{k} & ~coalesce(c_xor{k}, 0), 0) "
                      f"ELSE coalesce(c_or{k}, 0) END AS mask{k}" for k in range(code_words))
    return f"""
CREATE OR REPLACE TABLE day_marks AS
SELECT hash(bill_id, service_date) AS day_key, partner, {masks}
FROM (SELECT d.*, {anchor_day} > 0 OR b.anchor_bill AS partner, {coded} > ({distinct}) AS twice,
             {coded} - ({distinct}) = {doubled} AS exact
      FROM days d JOIN bills b USING (bill_id) WHERE NOT d.bad)
WHERE twice OR partner
"""


def twice_keep(code_words: int) -> str:
    """Whether a scanned line (its span `sp`) is a line of a doubled code on its day (`dm`)."""
    return "(" + " | ".join(f"(dm.mask{k} & sp.bit{k})" for k in range(code_words)) + ") <> 0"


def span_bits(code_words: int) -> str:
    """Each catalog code's bit in the words of `twice_keep`."""
    return ", ".join(f"CASE WHEN k.cidx % {_WORD * code_words} // {_WORD} = {w} "
                     f"THEN CAST(1 AS BIGINT) << CAST(k.cidx % {_WORD} AS BIGINT) ELSE 0 END AS bit{w}"
                     for w in range(code_words))


# Bill-level checks of the API's Bill model, exactly, over every row of the bills read whole.
REJECTED_BILLS_SQL = ("CREATE OR REPLACE TABLE rejected_bills AS "
                      + BILL_PROBLEMS_SQL.format(rows="(SELECT * FROM S WHERE NOT bad AND bill_id IN "
                                                      "(SELECT bill_id FROM bills WHERE whole))"))
