"""FREQUENCY_EXCEEDED, TOTAL_CAP_EXCEEDED as SQL (see validators/rules/frequency.py).

Running totals are window sums in (service date, line order), history lines included; only
this bill's lines are reported.  A code's caps are those of its latest bill line's item."""

from reaudit.sql.lines import SqlRule

RULES = {
    # Every line of a capped code counts, whatever its entry (a version without the cap too).
    "FREQUENCY_EXCEEDED": SqlRule(
        anchors="SELECT ekey, 'bill' FROM r_freq",
        partner_codes="SELECT code FROM items WHERE list_contains(kinds, 'frequency_cap')",
        query="""
WITH capped AS (            -- each code billed with a frequency cap, and its latest bill line's item
    SELECT l.bill_id, l.code, arg_max(l.ekey, l.okey) AS ref
    FROM L l WHERE NOT l.history AND l.ekey IN (SELECT ekey FROM r_freq) GROUP BY l.bill_id, l.code
), counted AS (             -- every line of that code in effect, with each cap of the reference item
    SELECT l.*, c.ref, f.idx, f.per, f.max_count, f.rule_text, f.unit_suffix, f.basis, it.hint_first_code,
        it.hint_subsequent_code,
        CASE f.per WHEN 'day' THEN CAST(l.service_date AS VARCHAR) WHEN 'course' THEN coalesce(l.course_id, '')
             WHEN 'week' THEN isoyear(l.service_date) || '-' || week(l.service_date)
             WHEN 'month' THEN year(l.service_date) || '-' || month(l.service_date) ELSE '' END AS grp
    FROM capped c JOIN L l ON l.bill_id = c.bill_id AND l.code = c.code AND l.ekey IS NOT NULL
    JOIN r_freq f ON f.ekey = c.ref JOIN items it ON it.ekey = c.ref
), grouped AS (
    SELECT *,
        sum(quantity) OVER (PARTITION BY bill_id, code, idx, grp ORDER BY service_date, okey ROWS UNBOUNDED PRECEDING) AS after,
        sum(quantity) OVER (PARTITION BY bill_id, code, idx, grp) AS total
    FROM counted WHERE per IN ('day', 'admission', 'course', 'week', 'month')
), over_grouped AS (
    SELECT *, greatest(0, after - max_count) - greatest(0, after - quantity - max_count) AS over FROM grouped
), sites AS (
    SELECT *, dense_rank() OVER (PARTITION BY bill_id, code, idx, coalesce(body_site, '')
                                 ORDER BY isoyear(service_date), week(service_date)) AS week_no
    FROM counted WHERE per = 'site'
), site_weeks AS (
    SELECT *, max(week_no) OVER (PARTITION BY bill_id, code, idx, coalesce(body_site, '')) AS weeks FROM sites
)
SELECT bill_id, [line_id], nk, NULL, NULL,
    lbl || CASE per WHEN 'day' THEN CAST(service_date AS VARCHAR)
                    WHEN 'course' THEN '疗程' || coalesce(course_id, '（未分疗程）')
                    WHEN 'week' THEN isoyear(service_date) || '年第' || week(service_date) || '周'
                    WHEN 'month' THEN year(service_date) || '年' || month(service_date) || '月'
                    ELSE CASE encounter_type WHEN 'inpatient' THEN '本次住院' ELSE '本次就诊' END END
        || '共收费' || cnt(total) || unit_suffix || '，超过“' || rule_text || '”的限定，本条超出' || cnt(over) || unit_suffix
        || CASE WHEN per = 'course' AND hint_first_code = code THEN '；第二次起应按编码' || hint_subsequent_code || '收费' ELSE '' END,
    NULL, charged, over * unit_price, line_id, charged, code, doc, seq, basis
FROM over_grouped WHERE over > 0 AND NOT history
UNION ALL
SELECT bill_id, [line_id], nk, NULL, NULL,
    lbl || '本条数量' || cnt(quantity) || '，超过“' || rule_text || '”，超出的' || cnt(quantity - max_count) || unit_suffix
        || '不得收费',
    NULL, charged, (quantity - max_count) * unit_price, line_id, charged, code, doc, seq, basis
FROM counted WHERE per = 'line' AND NOT history AND quantity > max_count
UNION ALL
SELECT bill_id, [line_id], nk, NULL, NULL,
    lbl || '按小时计价，服务时长' || cnt(duration_hours) || '小时最多' || cnt(allowed) || '小时，收费' || cnt(quantity)
        || '小时，超出' || cnt(quantity - allowed) || '小时',
    NULL, charged, (quantity - allowed) * unit_price, line_id, charged, code, doc, seq, basis
FROM (SELECT *, ceil(duration_hours) * max_count AS allowed FROM counted
      WHERE per = 'hour' AND NOT history AND duration_hours IS NOT NULL)
WHERE quantity > allowed
UNION ALL
SELECT bill_id, [line_id], nk, NULL, NULL,
    lbl || '部位“' || coalesce(body_site, '未注明') || '”已累计计费' || weeks || '周，' || rule_text || '，' || service_date || '所在周超出',
    NULL, charged, charged, line_id, charged, code, doc, seq, basis
FROM site_weeks WHERE NOT history AND week_no - 1 >= max_count
"""),
    # Course caps add every line of the cap's codes; consumable caps the lines attached to a
    # main line (`main_line_id`: those bills are read whole).
    "TOTAL_CAP_EXCEEDED": SqlRule(
        kinds=("consumable_cap",), anchors="SELECT ekey, 'bill' FROM r_money",
        partner_codes="SELECT code FROM r_money_codes UNION SELECT code FROM items WHERE list_contains(kinds, 'money_cap')",
        query="""
WITH capped AS (            -- codes billed with a money cap: first seen, and the latest line's item
    SELECT l.bill_id, l.code, min(l.okey) AS first_okey, arg_max(l.ekey, l.okey) AS ref
    FROM L l WHERE NOT l.history AND l.ekey IN (SELECT ekey FROM r_money) GROUP BY l.bill_id, l.code
), caps AS (                -- each distinct cap once per bill, described by the first code's item
    SELECT c.bill_id, arg_min(m.ekey, (c.first_okey, m.idx)) AS ekey, arg_min(m.idx, (c.first_okey, m.idx)) AS idx, m.cap_key
    FROM capped c JOIN r_money m ON m.ekey = c.ref GROUP BY c.bill_id, m.cap_key
), spent AS (
    SELECT l.*, m.per, m.max_amount, m.rule_text, m.basis AS cap_basis, m.cap_key,
        CASE m.per WHEN 'course' THEN coalesce(l.course_id, '') ELSE '' END AS grp
    FROM caps c JOIN r_money m ON m.ekey = c.ekey AND m.idx = c.idx
    JOIN r_money_codes mc ON mc.ekey = c.ekey AND mc.idx = c.idx
    JOIN L l ON l.bill_id = c.bill_id AND l.code = mc.code
), running AS (
    SELECT *, sum(charged) OVER (PARTITION BY bill_id, cap_key, grp ORDER BY service_date, okey ROWS UNBOUNDED PRECEDING) AS total
    FROM spent
), money AS (
    SELECT *, greatest(0, total - max_amount) - greatest(0, total - charged - max_amount) AS over FROM running
), attached AS (            -- consumables billed with a main line whose item caps them
    SELECT a.*, m.lbl AS main_lbl, m.doc AS main_doc, m.seq AS main_seq, m.nk AS main_nk, k.idx, k.consumable,
        k.max_amount, k.basis AS cap_basis
    FROM L a JOIN L m ON m.bill_id = a.bill_id AND m.line_id = a.main_line_id AND NOT m.history
    JOIN r_consumable k ON k.ekey = m.ekey
    WHERE NOT a.history
), consumed AS (
    SELECT *, sum(charged) OVER (PARTITION BY bill_id, main_line_id, idx ORDER BY okey ROWS UNBOUNDED PRECEDING) AS total
    FROM attached
)
SELECT bill_id, [line_id], nk, NULL, NULL,
    lbl || '疗程' || CASE WHEN grp = '' THEN '（未分疗程）' ELSE grp END || '累计收费' || yuan(total) || '元，超过“' || rule_text
        || '”，本条超出' || yuan(over) || '元',
    max_amount, charged, over, line_id, charged, code, doc, seq, cap_basis
FROM money WHERE over > 0 AND NOT history
UNION ALL
SELECT bill_id, [line_id, main_line_id], least(nk, main_nk), NULL, NULL,
    consumable || '应按采购价加收：单价' || yuan(unit_price) || '元高于采购价' || yuan(purchase_price) || '元，超出'
        || yuan((unit_price - purchase_price) * quantity) || '元',
    purchase_price, unit_price, (unit_price - purchase_price) * quantity, line_id, charged, code, main_doc, main_seq, cap_basis
FROM consumed WHERE purchase_price IS NOT NULL AND unit_price > purchase_price
UNION ALL
SELECT bill_id, [line_id, main_line_id], least(nk, main_nk), NULL, NULL,
    main_lbl || '的' || consumable || '加收合计' || yuan(total) || '元，超过最高' || yuan(max_amount) || '元，超出' || yuan(over) || '元',
    max_amount, total, over, line_id, charged, code, main_doc, main_seq, cap_basis
FROM (SELECT *, greatest(0, total - max_amount) - greatest(0, total - charged - max_amount) AS over FROM consumed)
WHERE over > 0
"""),
}
