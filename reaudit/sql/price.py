"""PRICE_ABOVE_STANDARD, AMOUNT_MISMATCH, DURATION_TIER_MISMATCH as SQL (see validators/rules/price.py).

The standard: the grade's price, then the last duration tier the hours exceed, then the child
price (precomputed per item with price_tables.money.child_price) when the patient qualifies."""

from reaudit.sql.lines import SqlRule


def standard(rows: str, key: str) -> str:
    """CTEs ending in `priced`: each row of `rows` (a relation with `pekey`, the item to price
    it with, and `grade`, `duration_hours`, `age`; `key` its unique columns) with its
    standard unit price `expected`, how it was reached (`gp`, `grade_label`, `tier_text`,
    `child`) and the item's document, seq and price basis.  Rows of a self-priced item are left out."""
    return f"""
judged AS (
    SELECT r.*, it.document AS idoc, it.seq AS iseq, it.price_basis, it.name AS iname,
        grade_price(r.grade, it.p_grade_3a, it.p_grade_3b, it.p_grade_2_or_below) AS gp,
        grade_price(r.grade, it.c_grade_3a, it.c_grade_3b, it.c_grade_2_or_below) AS gp_child,
        grade_label(r.grade) AS grade_label,
        it.child_eligible AND r.age <= it.child_max_age AS child
    FROM ({rows}) r JOIN items it ON it.ekey = r.pekey
), tiers AS (
    SELECT {', '.join('j.' + k for k in key.split(', '))}, max_by(t.price, t.idx) AS tier_price,
        max_by(t.price_child, t.idx) AS tier_child,
        string_agg('时长' || cnt(j.duration_hours) || '小时＞' || t.over_text || '小时按' || yuan(t.price) || '元', '，' ORDER BY t.idx) AS tier_text
    FROM judged j JOIN r_tier t ON t.ekey = j.pekey AND j.duration_hours > t.over_hours
    GROUP BY {', '.join('j.' + k for k in key.split(', '))}
), priced AS (
    SELECT j.*, t.tier_text,
        CASE WHEN j.child THEN coalesce(t.tier_child, j.gp_child) ELSE coalesce(t.tier_price, j.gp) END AS expected
    FROM judged j LEFT JOIN tiers t USING ({key})
    WHERE j.gp IS NOT NULL
)"""


# The rule's own explanation of the standard, as validators.rules.price.explain_standard writes it
# (priced at 三甲, the highest, when the grade is not known: the message says so).
_HOW = """CASE WHEN grade_known THEN '' ELSE '医院等级未知，按最高的' END || grade_label || yuan(gp) || '元'
        || coalesce('，' || tier_text, '')
        || CASE WHEN child THEN '，' || age || '周岁儿童加收30%为' || yuan(expected) || '元' ELSE '' END"""

# A tier holds the hours when they are at least its minimum and below (or up to) its maximum.
_HOLDS = """coalesce({h} >= {t}.min_hours, true)
    AND ({t}.max_hours IS NULL OR CASE WHEN {t}.max_included THEN {h} <= {t}.max_hours ELSE {h} < {t}.max_hours END)"""

RULES = {
    # Read: a line over the grade's price (over the child's, for a child), or priced by the
    # hours it gives (a tier may lower the price).
    "PRICE_ABOVE_STANDARD": SqlRule(
        keep="""NOT l.history AND ((l.unit_price > grade_price(l.hospital_grade, it.p_grade_3a, it.p_grade_3b, it.p_grade_2_or_below)
                AND (NOT it.child_eligible OR l.unit_price > grade_price(l.hospital_grade, it.c_grade_3a, it.c_grade_3b, it.c_grade_2_or_below)
                     OR age_on(l.birth_date, l.service_date) > it.child_max_age))
            OR (it.priced_by_hours AND l.duration_hours IS NOT NULL))""",
        query="WITH " + standard("SELECT *, ekey AS pekey FROM L WHERE NOT history AND ekey IS NOT NULL"
                                 " AND kept_by(kept, 'PRICE_ABOVE_STANDARD')", "rid") + f"""
SELECT bill_id, [line_id], nk, NULL, NULL,
    lbl || '单价' || yuan(unit_price) || '元，超过标准' || yuan(expected) || '元（' || {_HOW}
        || '），超出' || yuan(unit_price - expected) || '元×' || cnt(quantity) || '=' || yuan((unit_price - expected) * quantity) || '元',
    expected, unit_price, (unit_price - expected) * quantity, line_id, charged, code, idoc, iseq, price_basis
FROM priced WHERE unit_price > expected
"""),
    "AMOUNT_MISMATCH": SqlRule(
        keep="NOT l.history AND l.amount <> l.quantity * l.unit_price",
        query="""
SELECT bill_id, [line_id], nk, NULL, NULL,
    lbl || '金额' || yuan(amount) || '元，不等于数量' || cnt(quantity) || '×单价' || yuan(unit_price) || '=' || yuan(computed) || '元',
    computed, amount, amount - computed, line_id, charged, code, doc, seq, '金额＝数量×单价'
FROM (SELECT *, quantity * unit_price AS computed FROM L WHERE NOT history AND amount IS NOT NULL)
WHERE amount <> computed AND round(amount, 2) <> round(computed, 2)
"""),
    # Without hours the tier cannot be checked (suspect); hours outside it: the first sibling
    # tier in effect that holds them and has a price says what should have been charged.
    "DURATION_TIER_MISMATCH": SqlRule(
        kinds=("duration_tier",),
        query="""
WITH tiered AS (
    SELECT l.*, t.idx AS tidx, t.label, t.min_hours, t.max_hours, t.max_included, t.range_text, t.basis AS tbasis,
        l.lbl || '服务时长' || cnt(l.duration_hours) || '小时，不在本档' || t.label || '（' || t.range_text || '）内' AS given
    FROM L l JOIN r_dtier t ON t.ekey = l.ekey WHERE NOT l.history
), outside AS (
    SELECT * FROM tiered t WHERE duration_hours IS NOT NULL AND NOT (""" + _HOLDS.format(h="t.duration_hours", t="t") + """)
), rows AS (
    SELECT o.*, s.pos, s.code AS sib_code, sp.ekey AS pekey
    FROM outside o JOIN r_dtier_sib s ON s.ekey = o.ekey AND s.idx = o.tidx
    JOIN spans sp ON sp.code = s.code AND o.service_date BETWEEN sp.valid_from AND sp.valid_to
    WHERE sp.ekey IS NOT NULL AND EXISTS (
        SELECT 1 FROM r_dtier h WHERE h.ekey = sp.ekey AND """ + _HOLDS.format(h="o.duration_hours", t="h") + """)
), """ + standard("SELECT * FROM rows", "rid, tidx, pos") + """, fits AS (
    SELECT *, greatest(unit_price - expected, 0) * quantity AS over FROM priced
    QUALIFY row_number() OVER (PARTITION BY rid, tidx ORDER BY pos) = 1
)
SELECT bill_id, [line_id], nk, NULL, 'suspect',
    lbl || '按名称为' || label || '档（服务时长' || range_text || '），明细未注明服务时长（duration_hours），须有记录证明时长',
    NULL, charged, charged, line_id, charged, code, doc, seq, tbasis
FROM tiered WHERE duration_hours IS NULL
UNION ALL
SELECT bill_id, [line_id], nk, NULL, NULL,
    given || '，应按' || iname || '（' || sib_code || '）收费' || yuan(expected) || '元，'
        || CASE WHEN over > 0 THEN '多收' || yuan(over) || '元' ELSE '该档价格不低于本档，未多收' END,
    expected, unit_price, over, line_id, charged, code, doc, seq, tbasis
FROM fits
UNION ALL
SELECT o.bill_id, [o.line_id], o.nk, NULL, NULL,
    o.given || '；已加载的价格表中没有该时长的档次，本条' || yuan(o.charged) || '元不应按此档收费',
    NULL, o.unit_price, o.charged, o.line_id, o.charged, o.code, o.doc, o.seq, o.tbasis
FROM outside o ANTI JOIN fits f ON f.rid = o.rid AND f.tidx = o.tidx
"""),
}
