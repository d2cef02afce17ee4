"""MUTUALLY_EXCLUSIVE, DUPLICATE_CHARGE, ADDON_WITHOUT_BASE as SQL (see validators/rules/combination.py).

Self-joins of a bill's lines on the same day; a rule's targets (codes, code prefixes, names
normalised as `_names_match` does) are rows of the rule data.  Material and drug lines are no
services: they neither stand in for a base item nor duplicate a service."""

from reaudit.sql.lines import SqlRule

# Does line b match target t of a rule: its code, a code prefix, or its name containing the name.
_MATCH = """(t.code = b.code OR starts_with(b.code, t.prefix)
             OR (t.name_norm IS NOT NULL AND b.disp_norm <> '' AND contains(b.disp_norm, t.name_norm)))"""

_EXCLUSIVE = f"""
WITH pairs AS (             -- each line with the rule, a rule, and a same-day service line it names
    SELECT DISTINCT a.bill_id, a.rid AS a_rid, a.okey AS a_okey, r.idx, b.rid AS b_rid, b.okey AS b_okey,
        CASE WHEN r.per = 'session' THEN CASE WHEN a.session_id IS NULL OR b.session_id IS NULL THEN NULL
                                              ELSE a.session_id = b.session_id END ELSE true END AS session,
        -- a pair is the two lines as the Python engine names them (history flag and id)
        CAST(a.history AS VARCHAR) || a.line_id AS a_key, CAST(b.history AS VARCHAR) || b.line_id AS b_key
    FROM L a JOIN r_excl r ON r.ekey = a.ekey JOIN r_excl_t t ON t.ekey = r.ekey AND t.idx = r.idx
    JOIN L b ON b.bill_id = a.bill_id AND b.service_date = a.service_date AND b.rid <> a.rid AND b.service
    WHERE NOT (a.history AND b.history) AND {_MATCH}
), firsts AS (              -- reported once, from the side met first (line order, rule, other line)
    SELECT * FROM pairs WHERE session IS DISTINCT FROM false
    QUALIFY row_number() OVER (PARTITION BY bill_id, least(a_key, b_key), greatest(a_key, b_key) ORDER BY a_okey, idx, b_okey) = 1
), sides AS (
    SELECT p.bill_id, p.session, a.lbl AS a_lbl, a.service_date, r.rule_text, r.basis, a.doc, a.seq,
        -- the line that should not have been charged: the cheaper of the bill's lines, the first on a tie
        CASE WHEN a.history THEN b WHEN b.history THEN a WHEN b.charged < a.charged THEN b ELSE a END AS risk,
        list_transform(list_filter([a, b], lambda x: NOT x.history), lambda x: x.line_id) AS line_ids,
        CASE WHEN a.history THEN b.nk WHEN b.history THEN a.nk ELSE least(a.nk, b.nk) END AS first_key, b.lbl AS b_lbl
    FROM firsts p JOIN L a ON a.rid = p.a_rid
    JOIN L b ON b.rid = p.b_rid
    JOIN r_excl r ON r.ekey = a.ekey AND r.idx = p.idx
)
SELECT bill_id, line_ids, first_key, NULL, CASE WHEN session IS NULL THEN 'suspect' END,
    CASE WHEN session IS NULL
         THEN a_lbl || '与' || b_lbl || '于' || service_date || '同日收费：' || rule_text || '；明细未注明次序（session_id），请核对是否为两次服务'
         ELSE a_lbl || '与' || b_lbl || '于' || service_date || '同时收费：' || rule_text || '；至少' || risk.lbl || '的'
              || yuan(risk.charged) || '元不应收取' END,
    NULL, risk.charged, risk.charged, risk.line_id, risk.charged, risk.code, doc, seq, basis
FROM sides
"""

# The same line twice: same code, day, quantity and price, nothing telling them apart; the
# first of them stands, each later bill line is reported with it.
_TWICE = """
SELECT bill_id, CASE WHEN first_history THEN [line_id] ELSE [line_id, first_id] END,
    CASE WHEN first_history THEN nk ELSE least(nk, first_nk) END, NULL, CASE WHEN once_text IS NULL THEN 'suspect' END,
    CASE WHEN once_text IS NOT NULL
         THEN lbl || '于' || service_date || '有两条相同的明细（' || first_id || '、' || line_id || '），' || once_text
              || '，同日不得再收' || yuan(charged) || '元'
         ELSE lbl || '于' || service_date || '有两条数量、单价相同的明细（' || first_id || '、' || line_id
              || '），未注明部位、疗程或次序（body_site、course_id、session_id），疑为重复收费' || yuan(charged) || '元，请核对' END,
    NULL, charged, charged, line_id, charged, code, doc, seq,
    coalesce(once_basis, '同一项目同日两条相同明细，无部位、疗程或次序区分')
FROM (
    SELECT l.*, it.once_text, it.once_basis,
        first_value(l.line_id) OVER w AS first_id, first_value(l.nk) OVER w AS first_nk,
        first_value(l.history) OVER w AS first_history, row_number() OVER w AS n
    FROM L l JOIN items it USING (ekey)
    WHERE kept_by(l.kept, 'twice') AND NOT it.twice_skip
    WINDOW w AS (PARTITION BY l.bill_id, l.code, l.service_date, l.quantity, l.unit_price, l.body_site, l.course_id,
                              l.session_id, l.duration_hours ORDER BY l.okey)
) d
WHERE n > 1 AND NOT history
  AND NOT EXISTS (SELECT 1 FROM L h WHERE h.bill_id = d.bill_id AND h.history AND h.line_id = d.line_id AND h.code = d.code)
"""

_DUPLICATES = f"""
WITH resent AS (            -- a bill line whose id and code were already charged (history)
    SELECT l.* FROM L l WHERE NOT l.history
      AND EXISTS (SELECT 1 FROM L h WHERE h.bill_id = l.bill_id AND h.history AND h.line_id = l.line_id AND h.code = l.code)
), per_day AS (             -- an item priced per 日: once a day
    SELECT *, sum(quantity) OVER (PARTITION BY bill_id, code, service_date ORDER BY okey ROWS UNBOUNDED PRECEDING) AS after
    FROM L WHERE ekey IN (SELECT ekey FROM items WHERE per_day_unit)
), contained AS (           -- a service another line's 内涵 already includes
    SELECT DISTINCT a.bill_id, a.rid AS a_rid, r.idx, b.rid AS b_rid
    FROM L a JOIN r_incl r ON r.ekey = a.ekey JOIN r_incl_t t ON t.ekey = r.ekey AND t.idx = r.idx
    JOIN L b ON b.bill_id = a.bill_id AND b.rid <> a.rid AND b.service AND (NOT r.same_day OR b.service_date = a.service_date)
    WHERE NOT b.history AND b.code <> a.code AND {_MATCH}
), materials AS (           -- a material line named like one the same-day item's 内涵 includes
    SELECT a.bill_id, a.rid AS a_rid, a.okey AS a_okey, r.idx, b.rid AS b_rid, w.word, w.pos
    FROM L a JOIN r_mat r ON r.ekey = a.ekey
    JOIN L b ON b.bill_id = a.bill_id AND b.service_date = a.service_date AND NOT b.service AND NOT b.history
        AND b.name IS NOT NULL
    JOIN r_mat_words w ON w.ekey = r.ekey AND w.idx = r.idx AND contains(norm(b.name), w.word_norm)
    WHERE NOT EXISTS (SELECT 1 FROM r_mat_excl x WHERE x.ekey = r.ekey AND x.idx = r.idx
                      AND (contains(norm(b.name), x.term_norm) OR contains(x.term_norm, norm(b.name))))
), material_firsts AS (     -- each material line once: the first item (and rule) that names it, its first word
    SELECT * FROM materials QUALIFY row_number() OVER (PARTITION BY b_rid ORDER BY a_okey, idx, pos) = 1
)
SELECT bill_id, [line_id], nk, NULL, NULL,
    lbl || '明细 ' || line_id || ' 已在此前的收费中出现，重复收费' || yuan(charged) || '元',
    NULL, charged, charged, line_id, charged, code, doc, seq, '同一明细不得重复收费'
FROM resent
UNION ALL
SELECT bill_id, [line_id], nk, NULL, NULL,
    lbl || '按日计价，' || service_date || '已收费' || cnt(after) || '日，重复' || cnt(over) || '日',
    NULL, charged, over * unit_price, line_id, charged, code, doc, seq, '计价单位：日'
FROM (SELECT *, greatest(0, after - 1) - greatest(0, after - quantity - 1) AS over FROM per_day)
WHERE over > 0 AND NOT history
UNION ALL
{_TWICE}
UNION ALL
SELECT c.bill_id, CASE WHEN a.history THEN [b.line_id] ELSE [b.line_id, a.line_id] END,
    CASE WHEN a.history THEN b.nk ELSE least(a.nk, b.nk) END, NULL,
    CASE WHEN r.unless IS NOT NULL THEN 'suspect' END,
    CASE WHEN r.unless IS NOT NULL THEN a.lbl || '的内涵已含' || b.lbl || '，仅在“' || r.unless || '”时可另收，请提供病历证明'
         ELSE a.lbl || '的项目内涵已包含' || b.lbl || '（' || r.basis || '），同日另收' || yuan(b.charged) || '元属重复收费' END,
    NULL, b.charged, b.charged, b.line_id, b.charged, b.code, a.doc, a.seq, r.basis
FROM contained c JOIN L a ON a.rid = c.a_rid
JOIN L b ON b.rid = c.b_rid
JOIN r_incl r ON r.ekey = a.ekey AND r.idx = c.idx
UNION ALL
SELECT m.bill_id, CASE WHEN a.history THEN [b.line_id] ELSE [b.line_id, a.line_id] END,
    CASE WHEN a.history THEN b.nk ELSE least(a.nk, b.nk) END, NULL, 'suspect',
    b.name || '（' || b.code || coalesce('，耗材编码' || b.material_code, '') || '）与' || a.lbl || '于' || a.service_date
        || '同时收费：项目内涵已含“' || m.word || '”，且不在除外内容中，疑为重复收费' || yuan(b.charged) || '元',
    NULL, b.charged, b.charged, b.line_id, b.charged, b.code, a.doc, a.seq, r.basis
FROM material_firsts m JOIN L a ON a.rid = m.a_rid
JOIN L b ON b.rid = m.b_rid
JOIN r_mat r ON r.ekey = a.ekey AND r.idx = m.idx
"""

_ADDONS = f"""
WITH addons AS (            -- each add-on rule of a bill line, with what the same day shows
    SELECT a.bill_id, a.rid, a.nk, a.line_id, a.code, a.lbl, a.service_date, a.charged, a.doc, a.seq, r.idx, r.bases,
        r.has_names, r.guessed, r.basis,
        EXISTS (SELECT 1 FROM L b JOIN r_addon_t t ON t.ekey = r.ekey AND t.idx = r.idx
                WHERE b.bill_id = a.bill_id AND b.service_date = a.service_date AND b.rid <> a.rid AND b.service
                  AND {_MATCH}) AS based,
        EXISTS (SELECT 1 FROM L b WHERE b.bill_id = a.bill_id AND b.service_date = a.service_date AND b.rid <> a.rid
                AND b.service AND b.disp = '') AS unnamed
    FROM L a JOIN r_addon r ON r.ekey = a.ekey WHERE NOT a.history
)
SELECT bill_id, [line_id], nk, NULL, CASE WHEN (has_names AND unnamed) OR guessed THEN 'suspect' END,
    CASE WHEN has_names AND unnamed THEN lbl || '为加收项目，须与' || bases || '同时收费；同日有未注明名称的明细，无法确认，请核对'
         WHEN guessed THEN lbl || '为加收项目，' || service_date || '未见名称含“' || bases
              || '”的主项目；主项目仅据项目名称推定、无编码，请核对是否同日收取了主项目'
         ELSE lbl || '为加收项目，' || service_date || '未见主项目' || bases || '，不得单独收费' || yuan(charged) || '元' END,
    NULL, charged, charged, line_id, charged, code, doc, seq, basis
FROM addons WHERE NOT based
UNION ALL
SELECT a.bill_id, [a.line_id], a.nk, NULL, NULL,
    a.lbl || '为第二次起的收费编码，疗程' || coalesce(a.course_id, '（未分疗程）') || '中此前未见首次' || r.first_code || '，不得按第二次起收费',
    NULL, a.charged, a.charged, a.line_id, a.charged, a.code, a.doc, a.seq, r.basis
FROM L a JOIN r_subseq r ON r.ekey = a.ekey
WHERE NOT a.history AND r.subsequent_code = a.code AND NOT EXISTS (
    SELECT 1 FROM L o WHERE o.bill_id = a.bill_id AND o.code = r.first_code AND coalesce(o.course_id, '') = coalesce(a.course_id, '')
      AND (o.service_date < a.service_date OR (o.service_date = a.service_date AND o.okey < a.okey)))
"""

_TARGET_CODES = "SELECT code FROM {t} WHERE code IS NOT NULL UNION SELECT s.code FROM spans s JOIN {t} t ON starts_with(s.code, t.prefix)"

RULES = {
    "MUTUALLY_EXCLUSIVE": SqlRule(
        query=_EXCLUSIVE, kinds=("mutually_exclusive",), anchors="SELECT ekey, 'day' FROM r_excl",
        partner_codes=_TARGET_CODES.format(t="r_excl_t"),
        partner_names="SELECT name_norm FROM r_excl_t WHERE name_norm IS NOT NULL"),
    # The same line twice is read from the days the bill checks found a code twice on
    # (`reaudit.sql.bills`); a material line where its name may hold a material a same-day
    # item's 内涵 includes.
    "DUPLICATE_CHARGE": SqlRule(
        query=_DUPLICATES, kinds=("includes", "included_materials"), keep="it.per_day_unit",
        anchors="SELECT ekey, CASE WHEN same_day THEN 'day' ELSE 'bill' END FROM r_incl UNION ALL SELECT ekey, 'day' FROM r_mat",
        partner_codes=_TARGET_CODES.format(t="r_incl_t"),
        partner_names="SELECT name_norm FROM r_incl_t WHERE name_norm IS NOT NULL",
        partner_keep="NOT l.service AND NOT l.history AND material_hint(l.name)"),
    "ADDON_WITHOUT_BASE": SqlRule(
        query=_ADDONS, kinds=("add_on", "subsequent_session"),
        anchors="SELECT ekey, 'day' FROM r_addon UNION ALL SELECT ekey, 'bill' FROM r_subseq",
        partner_codes=_TARGET_CODES.format(t="r_addon_t") + " UNION SELECT first_code FROM r_subseq",
        partner_names="SELECT name_norm FROM r_addon_t WHERE name_norm IS NOT NULL"),
}
