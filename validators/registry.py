"""Every rule the engine applies, in the order findings are listed.  This tuple is the whole
list: a rule not here does not run.  Each rule's national code and documentation are declared
with the rule; `python -m validators.rule_table` renders them into the README."""

from validators.rules.combination import ADDON_WITHOUT_BASE, DUPLICATE_CHARGE, MUTUALLY_EXCLUSIVE
from validators.rules.coverage import CHARGE_OUTSIDE_STAY, CODE_UNMAPPED, ITEM_NOT_COVERED, NOT_IN_EFFECT
from validators.rules.eligibility import (
    AGE_RESTRICTED,
    CONSENT_REQUIRED,
    GRADE_RESTRICTED,
    INDICATION_REQUIRED,
    SEX_RESTRICTED,
)
from validators.rules.frequency import FREQUENCY_EXCEEDED, TOTAL_CAP_EXCEEDED
from validators.rules.hospital import HOSPITAL_GRADE_CONFLICT, HOSPITAL_GRADE_UNKNOWN
from validators.rules.identity import NAME_MISMATCH, UNIT_MISMATCH
from validators.rules.price import AMOUNT_MISMATCH, DURATION_TIER_MISMATCH, PRICE_ABOVE_STANDARD
from validators.spec import RuleSpec

RULES: tuple[RuleSpec, ...] = (
    ITEM_NOT_COVERED,
    CODE_UNMAPPED,
    NOT_IN_EFFECT,
    CHARGE_OUTSIDE_STAY,
    HOSPITAL_GRADE_UNKNOWN,
    HOSPITAL_GRADE_CONFLICT,
    NAME_MISMATCH,
    UNIT_MISMATCH,
    PRICE_ABOVE_STANDARD,
    AMOUNT_MISMATCH,
    DURATION_TIER_MISMATCH,
    AGE_RESTRICTED,
    SEX_RESTRICTED,
    GRADE_RESTRICTED,
    FREQUENCY_EXCEEDED,
    TOTAL_CAP_EXCEEDED,
    MUTUALLY_EXCLUSIVE,
    DUPLICATE_CHARGE,
    ADDON_WITHOUT_BASE,
    CONSENT_REQUIRED,
    INDICATION_REQUIRED,
)

RULES_BY_ID = {rule.id: rule for rule in RULES}
