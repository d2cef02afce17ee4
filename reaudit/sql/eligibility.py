"""AGE_RESTRICTED, SEX_RESTRICTED, GRADE_RESTRICTED, CONSENT_REQUIRED, INDICATION_REQUIRED as SQL
(see validators/rules/eligibility.py)."""

from reaudit.sql.lines import SqlRule

RULES = {
    "AGE_RESTRICTED": SqlRule(
        kinds=("age_limit",),
        query="""
SELECT l.bill_id, [l.line_id], l.nk, r.national, NULL,
    l.lbl || r.rule_text || '，患者服务日 ' || l.service_date || ' 为' || l.age || '周岁，不得收费' || yuan(l.charged) || '元',
    NULL, l.charged, l.charged, l.line_id, l.charged, l.code, l.doc, l.seq, r.basis
FROM L l JOIN r_age r USING (ekey)
WHERE NOT l.history AND (l.age > r.max_age OR l.age < r.min_age)
"""),
    # An unknown sex skips the check, saying so (info).
    "SEX_RESTRICTED": SqlRule(
        kinds=("sex_limit",),
        query="""
SELECT l.bill_id, [l.line_id], l.nk, NULL, CASE WHEN l.sex IS NULL THEN 'info' END,
    CASE WHEN l.sex IS NULL THEN l.lbl || r.rule_text || '；患者性别未知（未提供或为“未知/未说明”），未做性别限定检查'
         ELSE l.lbl || r.rule_text || '，患者为' || CASE l.sex WHEN 'M' THEN '男性' ELSE '女性' END || '，不得收费'
              || yuan(l.charged) || '元' END,
    NULL, l.charged, CASE WHEN l.sex IS NULL THEN 0 ELSE l.charged END, l.line_id, l.charged, l.code, l.doc, l.seq, r.basis
FROM L l JOIN r_sex r USING (ekey)
WHERE NOT l.history AND (l.sex IS NULL OR r.sex <> l.sex)
"""),
    # An unknown grade cannot pass a grade limit: suspect, the record to show the hospital's grade.
    "GRADE_RESTRICTED": SqlRule(
        kinds=("grade_limit",),
        query="""
SELECT l.bill_id, [l.line_id], l.nk, NULL, CASE WHEN NOT l.grade_known THEN 'suspect' END,
    CASE WHEN NOT l.grade_known THEN l.lbl || r.rule_text || '；医院等级未知（医院名录与单据均未给出），须核实本院等级'
         ELSE l.lbl || r.rule_text || '，本院为' || grade_label(l.grade) || '，不得收费' || yuan(l.charged) || '元' END,
    NULL, l.charged, l.charged, l.line_id, l.charged, l.code, l.doc, l.seq, r.basis
FROM L l JOIN r_grade r USING (ekey)
WHERE NOT l.history AND (NOT l.grade_known OR NOT list_contains(r.allowed, l.grade))
"""),
    # consent_signed false: the line says no agreement (violation); absent: ask for it (suspect).
    "CONSENT_REQUIRED": SqlRule(
        kinds=("consent_required",),
        query="""
SELECT l.bill_id, [l.line_id], l.nk, NULL, CASE WHEN l.consent_signed IS NULL THEN 'suspect' END,
    CASE WHEN l.consent_signed IS NULL THEN l.lbl || '为自主定价项目，须提供与患者签署的书面协议（明细未注明 consent_signed）'
         ELSE l.lbl || '为自主定价项目，明细标明未签署书面协议，收费' || yuan(l.charged) || '元' END,
    NULL, l.charged, l.charged, l.line_id, l.charged, l.code, l.doc, l.seq, r.basis
FROM L l JOIN r_consent r USING (ekey)
WHERE NOT l.history AND (l.consent_signed IS NULL OR NOT l.consent_signed)
"""),
    # A stated minimum not met is a violation; what the bill cannot prove is one suspect per line.
    "INDICATION_REQUIRED": SqlRule(
        kinds=("documented_limit", "minimum_duration"),
        query="""
SELECT l.bill_id, [l.line_id], l.nk, NULL, 'violation',
    l.lbl || '要求' || m.rule_text || '，明细时长' || cnt(l.duration_hours) || '小时，不足',
    NULL, l.charged, l.charged, l.line_id, l.charged, l.code, l.doc, l.seq, m.basis
FROM L l JOIN r_minimum m USING (ekey)
WHERE NOT l.history AND l.duration_hours < m.min_hours
UNION ALL
SELECT bill_id, [line_id], nk, NULL, NULL, lbl || '限定条件需病历等资料证明：' || needs,
    NULL, charged, charged, line_id, charged, code, doc, seq, basis_text
FROM (SELECT l.*, CASE WHEN l.duration_hours IS NULL THEN r.needs_all ELSE r.needs_limits END AS needs,
             CASE WHEN l.duration_hours IS NULL THEN r.basis_all ELSE r.basis_limits END AS basis_text
      FROM L l JOIN r_indication r USING (ekey) WHERE NOT l.history)
WHERE needs IS NOT NULL
"""),
}
