"""MUTUALLY_EXCLUSIVE, DUPLICATE_CHARGE, ADDON_WITHOUT_BASE as SQL (see validators/rules/combination.py).

Self-joins of a bill's lines on the same day; a rule's targets (codes, code prefixes, names
normalised as `_names_match` does) are rows of the rule data."""

# Does line b match target t of a rule: its code, a code prefix, or its name containing the name.
_MATCH = """(t.code = b.code OR starts_with(b.code, t.prefix)
             OR (t.name_norm IS NOT NULL AND b.disp_norm <> '' AND contains(b.disp_norm, t.name_norm)))"""

SQL = {
    # A pair is reported once, from the side met first (line order, rule, other line), as in Python.
    "MUTUALLY_EXCLUSIVE": f"""
WITH pairs AS (
    SELECT DISTINCT a.bill_id, a.ord AS a_ord, r.idx, b.ord AS b_ord
    FROM L a JOIN r_excl r ON r.ekey = a.ekey JOIN r_excl_t t ON t.ekey = r.ekey AND t.idx = r.idx
    JOIN L b ON b.bill_id = a.bill_id AND b.service_date = a.service_date AND b.ord <> a.ord
    WHERE NOT (a.history AND b.history) AND {_MATCH}
), firsts AS (
    SELECT * FROM pairs
    QUALIFY row_number() OVER (PARTITION BY bill_id, least(a_ord, b_ord), greatest(a_ord, b_ord) ORDER BY a_ord, idx, b_ord) = 1
), sides AS (
    SELECT p.bill_id, a.lbl AS a_lbl, a.service_date, r.rule_text, r.basis, a.doc, a.seq,
        -- the line that should not have been charged: the cheaper of the bill's lines, the first on a tie
        CASE WHEN a.history THEN b WHEN b.history THEN a WHEN b.charged < a.charged THEN b ELSE a END AS risk,
        list_transform(list_filter([a, b], lambda x: NOT x.history), lambda x: x.line_id) AS line_ids,
        CASE WHEN a.history THEN b.ord WHEN b.history THEN a.ord ELSE least(a.ord, b.ord) END AS first_ord, b.lbl AS b_lbl
    FROM firsts p JOIN L a ON a.bill_id = p.bill_id AND a.ord = p.a_ord
    JOIN L b ON b.bill_id = p.bill_id AND b.ord = p.b_ord
    JOIN r_excl r ON r.ekey = a.ekey AND r.idx = p.idx
)
SELECT bill_id, line_ids, first_ord, NULL, NULL,
    a_lbl || '与' || b_lbl || '于' || service_date || '同时收费：' || rule_text || '；至少' || risk.lbl || '的'
        || yuan(risk.charged) || '元不应收取',
    NULL, risk.charged, risk.charged, risk.line_id, risk.charged, doc, seq, basis
FROM sides
""",
    "DUPLICATE_CHARGE": f"""
WITH resent AS (            -- a bill line whose id and code were already charged (history)
    SELECT l.* FROM L l WHERE NOT l.history
      AND EXISTS (SELECT 1 FROM L h WHERE h.bill_id = l.bill_id AND h.history AND h.line_id = l.line_id AND h.code = l.code)
), per_day AS (             -- an item priced per 日: once a day
    SELECT *, sum(quantity) OVER (PARTITION BY bill_id, code, service_date ORDER BY ord ROWS UNBOUNDED PRECEDING) AS after
    FROM L WHERE ekey IN (SELECT ekey FROM items WHERE per_day_unit)
), contained AS (           -- a service another line's 内涵 already includes
    SELECT DISTINCT a.bill_id, a.ord AS a_ord, r.idx, b.ord AS b_ord
    FROM L a JOIN r_incl r ON r.ekey = a.ekey JOIN r_incl_t t ON t.ekey = r.ekey AND t.idx = r.idx
    JOIN L b ON b.bill_id = a.bill_id AND b.ord <> a.ord AND (NOT r.same_day OR b.service_date = a.service_date)
    WHERE NOT b.history AND b.code <> a.code AND {_MATCH}
)
SELECT bill_id, [line_id], ord, NULL, NULL,
    lbl || '明细 ' || line_id || ' 已在此前的收费中出现，重复收费' || yuan(charged) || '元',
    NULL, charged, charged, line_id, charged, doc, seq, '同一明细不得重复收费'
FROM resent
UNION ALL
SELECT bill_id, [line_id], ord, NULL, NULL,
    lbl || '按日计价，' || service_date || '已收费' || cnt(after) || '日，重复' || cnt(over) || '日',
    NULL, charged, over * unit_price, line_id, charged, doc, seq, '计价单位：日'
FROM (SELECT *, greatest(0, after - 1) - greatest(0, after - quantity - 1) AS over FROM per_day)
WHERE over > 0 AND NOT history
UNION ALL
SELECT c.bill_id, CASE WHEN a.history THEN [b.line_id] ELSE [b.line_id, a.line_id] END,
    CASE WHEN a.history THEN b.ord ELSE least(a.ord, b.ord) END, NULL,
    CASE WHEN r.unless IS NOT NULL THEN 'suspect' END,
    CASE WHEN r.unless IS NOT NULL THEN a.lbl || '的内涵已含' || b.lbl || '，仅在“' || r.unless || '”时可另收，请提供病历证明'
         ELSE a.lbl || '的项目内涵已包含' || b.lbl || '（' || r.basis || '），同日另收' || yuan(b.charged) || '元属重复收费' END,
    NULL, b.charged, b.charged, b.line_id, b.charged, a.doc, a.seq, r.basis
FROM contained c JOIN L a ON a.bill_id = c.bill_id AND a.ord = c.a_ord
JOIN L b ON b.bill_id = c.bill_id AND b.ord = c.b_ord
JOIN r_incl r ON r.ekey = a.ekey AND r.idx = c.idx
""",
    "ADDON_WITHOUT_BASE": f"""
WITH addons AS (            -- each add-on rule of a bill line, with what the same day shows
    SELECT a.bill_id, a.ord, a.line_id, a.lbl, a.service_date, a.charged, a.doc, a.seq, r.idx, r.bases, r.has_names, r.basis,
        EXISTS (SELECT 1 FROM L b JOIN r_addon_t t ON t.ekey = r.ekey AND t.idx = r.idx
                WHERE b.bill_id = a.bill_id AND b.service_date = a.service_date AND b.ord <> a.ord AND {_MATCH}) AS based,
        EXISTS (SELECT 1 FROM L b WHERE b.bill_id = a.bill_id AND b.service_date = a.service_date AND b.ord <> a.ord
                AND b.disp = '') AS unnamed
    FROM L a JOIN r_addon r ON r.ekey = a.ekey WHERE NOT a.history
)
SELECT bill_id, [line_id], ord, NULL, CASE WHEN has_names AND unnamed THEN 'suspect' END,
    CASE WHEN has_names AND unnamed THEN lbl || '为加收项目，须与' || bases || '同时收费；同日有未注明名称的明细，无法确认，请核对'
         ELSE lbl || '为加收项目，' || service_date || '未见主项目' || bases || '，不得单独收费' || yuan(charged) || '元' END,
    NULL, charged, charged, line_id, charged, doc, seq, basis
FROM addons WHERE NOT based
UNION ALL
SELECT a.bill_id, [a.line_id], a.ord, NULL, NULL,
    a.lbl || '为第二次起的收费编码，疗程' || coalesce(a.course_id, '（未分疗程）') || '中此前未见首次' || r.first_code || '，不得按第二次起收费',
    NULL, a.charged, a.charged, a.line_id, a.charged, a.doc, a.seq, r.basis
FROM L a JOIN r_subseq r ON r.ekey = a.ekey
WHERE NOT a.history AND r.subsequent_code = a.code AND NOT EXISTS (
    SELECT 1 FROM L o WHERE o.bill_id = a.bill_id AND o.code = r.first_code AND coalesce(o.course_id, '') = coalesce(a.course_id, '')
      AND (o.service_date < a.service_date OR (o.service_date = a.service_date AND o.ord < a.ord)))
""",
}
