"""ITEM_NOT_COVERED, CODE_UNMAPPED, NOT_IN_EFFECT, CHARGE_OUTSIDE_STAY as SQL (see
validators/rules/coverage.py).  `code` is the item code found (`reaudit.sql.codes`), `code_sent`
the code as sent."""

from reaudit.sql.lines import SqlRule

# A provincial item code: eleven digits (validators.rules.coverage.PROVINCIAL_CODE, whose `\d`
# is any decimal digit and whose `$` allows a final newline).
_PROVINCIAL = r"regexp_full_match(code, '\p{Nd}{11}\n?')"

RULES = {
    # An unpriced provincial code: the loaded notices change a larger catalogue (info).
    "ITEM_NOT_COVERED": SqlRule(
        keep="NOT l.history AND l.service AND NOT coalesce(sp.in_catalog, false)",
        query=f"""
SELECT bill_id, [line_id], nk, NULL, NULL,
    '项目编码 ' || code || CASE WHEN name IS NOT NULL THEN '（' || name || '）' ELSE '' END || '不在已加载的价格表中，本条不作判断',
    NULL, charged, 0, line_id, charged, code, NULL, NULL, '已加载的价格表'
FROM L WHERE NOT history AND service AND NOT known AND {_PROVINCIAL}
"""),
    # Any other code no table prices and no code map resolves: never a pass.
    "CODE_UNMAPPED": SqlRule(
        keep="NOT l.history AND l.service AND NOT coalesce(sp.in_catalog, false)",
        query=f"""
SELECT bill_id, [line_id], nk, NULL, NULL,
    '明细 ' || line_id || '（' || concat_ws('、', '编码 ' || code_sent, '医保项目编码 ' || hilist_code, '医院项目编码 ' || hosplist_code)
        || coalesce('，' || name, '') || '）不是价格表的项目编码，'
        || CASE WHEN fixmedins_code IS NOT NULL THEN '医院 ' || fixmedins_code || ' 及全省的对码表'
                ELSE '全省的对码表（未提供医院编号 fixmedins_code）' END
        || '中也没有它的对应项目，无法判断收费是否合规；请先对码',
    NULL, charged, 0, line_id, charged, code, NULL, NULL, '已加载的价格表与已发布的对码表'
FROM L WHERE NOT history AND service AND NOT known AND NOT {_PROVINCIAL}
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
