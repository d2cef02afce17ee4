"""Every rule the engine applies, in the order findings are listed.  This tuple is the whole
list: a rule not here does not run."""

from validators.rules.combination import ADDON_WITHOUT_BASE, DUPLICATE_CHARGE, MUTUALLY_EXCLUSIVE
from validators.rules.coverage import CHARGE_OUTSIDE_STAY, ITEM_NOT_COVERED, NOT_IN_EFFECT
from validators.rules.eligibility import (
    AGE_RESTRICTED,
    CONSENT_REQUIRED,
    GRADE_RESTRICTED,
    INDICATION_REQUIRED,
    SEX_RESTRICTED,
)
from validators.rules.frequency import FREQUENCY_EXCEEDED, TOTAL_CAP_EXCEEDED
from validators.rules.identity import NAME_MISMATCH, UNIT_MISMATCH
from validators.rules.price import AMOUNT_MISMATCH, PRICE_ABOVE_STANDARD
from validators.spec import RuleSpec

RULES: tuple[RuleSpec, ...] = (
    ITEM_NOT_COVERED,       # —                 info: code in no loaded table
    NOT_IN_EFFECT,          # —                 service date outside the item's period
    CHARGE_OUTSIDE_STAY,    # GZ10000201008000  service date outside admission–discharge
    NAME_MISMATCH,          # —                 suspect: name differs (possible 串换)
    UNIT_MISMATCH,          # —                 unit differs from the 计价单位
    PRICE_ABOVE_STANDARD,   # GZ10000102001000  unit price above the standard
    AMOUNT_MISMATCH,        # GZ10000201002000  amount ≠ quantity × unit price
    AGE_RESTRICTED,         # GZ10000102006000 / GZ10000302003000
    SEX_RESTRICTED,         # GZ10000302004000
    GRADE_RESTRICTED,       # GZ10000102011000
    FREQUENCY_EXCEEDED,     # GZ10000102014000
    TOTAL_CAP_EXCEEDED,     # GZ10000102015000
    MUTUALLY_EXCLUSIVE,     # GZ10000102012000
    DUPLICATE_CHARGE,       # GZ10000102012000
    ADDON_WITHOUT_BASE,     # —
    CONSENT_REQUIRED,       # —
    INDICATION_REQUIRED,    # GZ10000102007000  suspect
)

RULES_BY_ID = {rule.id: rule for rule in RULES}
