"""HOSPITAL_GRADE_UNKNOWN, HOSPITAL_GRADE_CONFLICT as SQL (see validators/rules/hospital.py).

Their bills are read whole (`reaudit.sql.bills.REGRADED_SQL`): every line is in `L`."""

from reaudit.sql.lines import SqlRule

RULES = {
    # One finding per bill over every line whose price or eligibility depends on the grade.
    "HOSPITAL_GRADE_UNKNOWN": SqlRule(query="""
SELECT l.bill_id, list(l.line_id ORDER BY l.okey), min(l.nk), NULL, NULL,
    '医院等级未知（' || CASE WHEN any_value(l.fixmedins_code) IS NOT NULL
                              THEN '医院 ' || any_value(l.fixmedins_code) || ' 不在医院名录中'
                              ELSE '单据未提供医院编号 fixmedins_code' END
        || '，单据也未给出等级）：' || count(*) || ' 条明细的价格因等级而不同，已按最高的三甲价格检查，'
        || '低于三甲价格的收费是否超标无法判断，须核实本院等级',
    NULL, NULL, 0, arg_min(l.line_id, l.okey), arg_min(l.charged, l.okey), arg_min(l.code, l.okey), NULL, NULL,
    '医院名录；各等级价格'
FROM L l JOIN items it USING (ekey)
WHERE NOT l.history AND NOT l.grade_known AND it.grade_dependent
GROUP BY l.bill_id
"""),
    # On the bill's first line: the registry's grade was used, not the bill's.
    "HOSPITAL_GRADE_CONFLICT": SqlRule(query="""
SELECT bill_id, [line_id], nk, NULL, NULL,
    '单据填写的医院等级为' || grade_label(hospital_grade) || '，医院名录中医院 ' || fixmedins_code || ' 此时为'
        || grade_label(registry_grade) || '：已按名录的' || grade_label(registry_grade) || '价格检查',
    NULL, NULL, 0, line_id, charged, code, NULL, NULL, '医院名录：' || fixmedins_code || ' ' || grade_label(registry_grade)
FROM L
WHERE NOT history AND hospital_grade IS NOT NULL AND registry_grade IS NOT NULL AND hospital_grade <> registry_grade
QUALIFY row_number() OVER (PARTITION BY bill_id ORDER BY okey) = 1
"""),
}
