"""The rules as SQL, keyed by the registry's rule id (one module per family, as in
`validators/rules/`).  Each query reads the judged lines `L` and the rule data of
`reaudit.rule_data`, and yields the finding columns of `FINDING_SELECT` in that order."""

from reaudit.sql.combination import SQL as _COMBINATION
from reaudit.sql.coverage import SQL as _COVERAGE
from reaudit.sql.eligibility import SQL as _ELIGIBILITY
from reaudit.sql.frequency import SQL as _FREQUENCY
from reaudit.sql.identity import SQL as _IDENTITY
from reaudit.sql.lines import FINDING_COLUMNS, LINES_SQL, MACROS
from reaudit.sql.price import SQL as _PRICE

# Issue 13 changed what these rules say (sessions, the same line twice, consumables in 内涵, name
# aliases, monthly caps); until their SQL follows, they run through the Python fallback.
_STALE = {"NAME_MISMATCH", "FREQUENCY_EXCEEDED", "MUTUALLY_EXCLUSIVE", "DUPLICATE_CHARGE", "ADDON_WITHOUT_BASE"}
SQL_RULES: dict[str, str] = {rule: sql for rule, sql in {
    **_COVERAGE, **_IDENTITY, **_PRICE, **_ELIGIBILITY, **_FREQUENCY, **_COMBINATION}.items() if rule not in _STALE}

__all__ = ["FINDING_COLUMNS", "LINES_SQL", "MACROS", "SQL_RULES"]
