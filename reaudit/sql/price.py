"""PRICE_ABOVE_STANDARD, AMOUNT_MISMATCH as SQL (see validators/rules/price.py).

The standard: the grade's price, then the last duration tier the hours exceed, then the child
price (precomputed per item with price_tables.money.child_price) when the patient qualifies."""

# The standard unit price of every judged bill line (`priced.expected`); also what the impact
# report re-prices lines with.
STANDARD = """
WITH judged AS (
    SELECT l.*, it.document AS idoc, it.seq AS iseq, it.price_basis,
        CASE l.hospital_grade WHEN 'grade_3a' THEN it.p_grade_3a WHEN 'grade_3b' THEN it.p_grade_3b ELSE it.p_grade_2_or_below END AS gp,
        CASE l.hospital_grade WHEN 'grade_3a' THEN it.c_grade_3a WHEN 'grade_3b' THEN it.c_grade_3b ELSE it.c_grade_2_or_below END AS gp_child,
        CASE l.hospital_grade WHEN 'grade_3a' THEN '三甲' WHEN 'grade_3b' THEN '三乙' ELSE '二级及以下' END AS grade_label,
        it.child_eligible AND l.age <= it.child_max_age AS child
    FROM L l JOIN items it USING (ekey) WHERE NOT l.history
), tiers AS (
    SELECT j.bill_id, j.line_id, max_by(t.price, t.idx) AS tier_price, max_by(t.price_child, t.idx) AS tier_child,
        string_agg('时长' || cnt(j.duration_hours) || '小时＞' || t.over_text || '小时按' || yuan(t.price) || '元', '，' ORDER BY t.idx) AS tier_text
    FROM judged j JOIN r_tier t ON t.ekey = j.ekey AND j.duration_hours > t.over_hours
    GROUP BY j.bill_id, j.line_id
), priced AS (
    SELECT j.*, t.tier_text,
        CASE WHEN j.child THEN coalesce(t.tier_child, j.gp_child) ELSE coalesce(t.tier_price, j.gp) END AS expected
    FROM judged j LEFT JOIN tiers t USING (bill_id, line_id)
    WHERE j.gp IS NOT NULL
)
"""

SQL = {
    "PRICE_ABOVE_STANDARD": STANDARD + """SELECT bill_id, [line_id], ord, NULL, NULL,
    lbl || '单价' || yuan(unit_price) || '元，超过标准' || yuan(expected) || '元（' || grade_label || yuan(gp) || '元'
        || coalesce('，' || tier_text, '') || CASE WHEN child THEN '，' || age || '周岁儿童加收30%为' || yuan(expected) || '元' ELSE '' END
        || '），超出' || yuan(unit_price - expected) || '元×' || cnt(quantity) || '=' || yuan((unit_price - expected) * quantity) || '元',
    expected, unit_price, (unit_price - expected) * quantity, line_id, charged, idoc, iseq, price_basis
FROM priced WHERE unit_price > expected
""",
    "AMOUNT_MISMATCH": """
SELECT bill_id, [line_id], ord, NULL, NULL,
    lbl || '金额' || yuan(amount) || '元，不等于数量' || cnt(quantity) || '×单价' || yuan(unit_price) || '=' || yuan(computed) || '元',
    computed, amount, amount - computed, line_id, charged, doc, seq, '金额＝数量×单价'
FROM (SELECT *, CAST(quantity AS DECIMAL(38,4)) * unit_price AS computed FROM L WHERE NOT history AND amount IS NOT NULL)
WHERE amount <> computed AND round(amount, 2) <> round(computed, 2)
""",
}
