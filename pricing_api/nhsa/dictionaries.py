"""The national dictionaries the adapter needs, with where each value comes from.

Sourced from public HIS code (see the README's "Integrating a HIS"): gend 1 男 2 女 (0 未知,
9 未说明); med_mdtrt_type 1 门诊 2 住院 3 购药 4 其他; sev_deg 1 明确违规 2 高度可疑 3 轻度可疑;
vola_item_type 1 违规项 2 涉及项; hilist_type 201 医疗服务项目, 101/102/106 药品, 301 医用耗材;
chrg_type 08 卫材, 09–11 药品.  Not sourced for this interface, so configurable: which
`medins_lv` value means which grade, `vola_bhvr_type`, `vola_amt_stas`.  Every value can be
overridden with a setting (`PRICING_NHSA_*`, JSON).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from price_tables.grades import Grade

#: medins_lv → grade.  The nearest public list is the national 医院等级 (hosp_lv) dictionary
#: used for 异地就医备案: 01 三级特等 02 三级甲等 03 三级乙等 04 三级丙等 05–07 二级 08–10 一级
#: 11 无等级; samples also send a bare level ("1", "2").  A level that does not say 甲/乙
#: ("3") is left unknown rather than guessed.
DEFAULT_MEDINS_LV_GRADES: dict[str, str] = {
    "01": "grade_3a", "02": "grade_3a", "03": "grade_3b", "04": "grade_3b",
    **{f"{n:02d}": "grade_2_or_below" for n in range(5, 12)},
    "1": "grade_2_or_below", "2": "grade_2_or_below",
}
DEFAULT_SEV_DEG = {"violation": "1", "suspect": "2", "info": "3"}
#: Not sourced: "1" when the money at risk was worked out, "0" when the finding puts none at risk.
DEFAULT_VOLA_AMT_STAS = {"computed": "1", "none": "0"}
#: Not sourced: one value for every rule unless a rule id is given its own.
DEFAULT_VOLA_BHVR_TYPE = {"default": "1"}


@dataclass(frozen=True)
class Dictionaries:
    medins_lv_grades: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_MEDINS_LV_GRADES))
    inpatient_types: tuple[str, ...] = ("2",)
    sev_deg: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_SEV_DEG))
    vola_amt_stas: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_VOLA_AMT_STAS))
    vola_bhvr_type: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_VOLA_BHVR_TYPE))

    def grade_of(self, medins_lv: str | None) -> Grade | None:
        value = self.medins_lv_grades.get(medins_lv or "")
        return Grade(value) if value else None

    def behaviour_of(self, rule: str) -> str:
        return self.vola_bhvr_type.get(rule, self.vola_bhvr_type.get("default", "1"))
