"""NAME_MISMATCH, UNIT_MISMATCH as SQL (see validators/rules/identity.py)."""

SQL = {
    "NAME_MISMATCH": """
SELECT l.bill_id, [l.line_id], l.ord, NULL, NULL,
    '明细名称“' || l.name || '”与编码 ' || l.code || ' 的项目名称“' || it.name || '”不符，可能串换项目，请核对',
    NULL, l.charged, 0, l.line_id, l.charged, it.document, it.seq, it.code || ' ' || it.name
FROM L l JOIN items it USING (ekey)
WHERE NOT l.history AND l.name IS NOT NULL AND CASE WHEN l.name <> it.name THEN norm(l.name) <> it.name_norm ELSE false END
""",
    "UNIT_MISMATCH": """
SELECT l.bill_id, [l.line_id], l.ord, NULL, NULL,
    l.lbl || '计价单位为“' || it.unit || '”，明细填写“' || l.unit || '”，数量口径不一致',
    NULL, l.charged, 0, l.line_id, l.charged, it.document, it.seq, '计价单位：' || it.unit
FROM L l JOIN items it USING (ekey)
WHERE NOT l.history AND l.unit IS NOT NULL AND CASE WHEN l.unit <> it.unit THEN norm(l.unit) <> it.unit_norm ELSE false END
""",
}
