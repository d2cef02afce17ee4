"""ITEM_NOT_COVERED, NOT_IN_EFFECT, CHARGE_OUTSIDE_STAY as SQL (see validators/rules/coverage.py)."""

from reaudit.sql.lines import SqlRule

RULES = {
    "ITEM_NOT_COVERED": SqlRule(
        keep="NOT l.history AND l.service AND NOT coalesce(sp.in_catalog, false)",
        query="""
SELECT bill_id, [line_id], nk, NULL, NULL,
    '项目编码 ' || code || CASE WHEN name IS NOT NULL THEN '（' || name || '）' ELSE '' END || '不在已加载的价格表中，本条不作判断',
    NULL, charged, 0, line_id, charged, code, NULL, NULL, '已加载的价格表'
FROM L WHERE NOT history AND service AND NOT known
"""),
    # Known code, no entry on the service date: the periods of every version, from the rule data.
    "NOT_IN_EFFECT": SqlRule(
        keep="NOT l.history AND l.service AND sp.in_catalog AND sp.ekey IS NULL",
        query="""
SELECT l.bill_id, [l.line_id], l.nk, NULL, NULL,
    k.latest_name || '（' || l.code || '）服务日期 ' || l.service_date || ' 不在价格有效期内（' || k.periods
        || '），该日无可执行价格，收费' || yuan(l.charged) || '元',
    NULL, l.charged, l.charged, l.line_id, l.charged, l.code, k.latest_document, k.latest_seq, k.periods
FROM L l JOIN codes k ON k.code = l.code WHERE NOT l.history AND l.known AND l.ekey IS NULL
"""),
    "CHARGE_OUTSIDE_STAY": SqlRule(
        keep="NOT l.history AND l.encounter_type = 'inpatient' AND (l.service_date < l.admitted_on OR l.service_date > l.discharged_on)",
        query="""
SELECT bill_id, [line_id], nk, NULL, NULL,
    lbl || '计费日期 ' || service_date || ' 不在住院期间（' || stay || '）内，收费' || yuan(charged) || '元',
    NULL, charged, charged, line_id, charged, code, NULL, NULL, '住院期间：' || stay
FROM (SELECT *, coalesce(CAST(admitted_on AS VARCHAR), '?') || '至' || coalesce(CAST(discharged_on AS VARCHAR), '?') AS stay
      FROM L WHERE NOT history AND encounter_type = 'inpatient'
        AND (service_date < admitted_on OR service_date > discharged_on))
"""),
}
