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

SQL_RULES: dict[str, str] = {**_COVERAGE, **_IDENTITY, **_PRICE, **_ELIGIBILITY, **_FREQUENCY, **_COMBINATION}

__all__ = ["FINDING_COLUMNS", "LINES_SQL", "MACROS", "SQL_RULES"]
