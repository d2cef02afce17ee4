"""NAME_MISMATCH, UNIT_MISMATCH as SQL (see validators/rules/identity.py).

Names are normalised (`norm`) only where they differ from the item's as sent."""

from reaudit.sql.lines import SqlRule

RULES = {
    # A name the tables composed or marked 存疑 cannot accuse a hospital of 串换: info there.  A line
    # found through a code map carries the hospital's own name (checked when the map was uploaded).
    "NAME_MISMATCH": SqlRule(
        keep="NOT l.history AND l.name <> it.name",
        query="""
SELECT l.bill_id, [l.line_id], l.nk, NULL, CASE WHEN it.name_info IS NOT NULL THEN 'info' END,
    CASE WHEN it.name_info IS NOT NULL
         THEN '明细名称“' || l.name || '”与编码 ' || l.code || ' 在本表中的名称“' || it.name || '”不同；该名称为' || it.name_info || '，仅作提示'
         ELSE '明细名称“' || l.name || '”与编码 ' || l.code || ' 的项目名称“' || it.name || '”不符，可能串换项目，请核对' END,
    NULL, l.charged, 0, l.line_id, l.charged, l.code, it.document, it.seq, it.code || ' ' || it.name
FROM L l JOIN items it USING (ekey)
WHERE NOT l.history AND NOT l.mapped AND l.name <> it.name AND norm(l.name) <> it.name_norm
  AND NOT list_contains(it.aliases_norm, norm(l.name))
"""),
    "UNIT_MISMATCH": SqlRule(
        keep="NOT l.history AND l.unit <> it.unit",
        query="""
SELECT l.bill_id, [l.line_id], l.nk, NULL, NULL,
    l.lbl || '计价单位为“' || it.unit || '”，明细填写“' || l.unit || '”，数量口径不一致',
    NULL, l.charged, 0, l.line_id, l.charged, l.code, it.document, it.seq, '计价单位：' || it.unit
FROM L l JOIN items it USING (ekey)
WHERE NOT l.history AND l.unit IS NOT NULL AND l.unit <> it.unit AND norm(l.unit) <> it.unit_norm
"""),
}
