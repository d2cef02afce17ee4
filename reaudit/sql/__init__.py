"""The rules as SQL, keyed by the registry's rule id (one module per family, as in
`validators/rules/`).  Each rule's query reads the judged lines `L` and the rule data of
`reaudit.rule_data`, and yields `FINDING_COLUMNS` in that order; it also says which lines it
reads (`SqlRule`), so the one scan of the claims keeps just those."""

from reaudit.sql.combination import RULES as _COMBINATION
from reaudit.sql.coverage import RULES as _COVERAGE
from reaudit.sql.eligibility import RULES as _ELIGIBILITY
from reaudit.sql.frequency import RULES as _FREQUENCY
from reaudit.sql.hospital import RULES as _HOSPITAL
from reaudit.sql.identity import RULES as _IDENTITY
from reaudit.sql.lines import FINDING_COLUMNS, LINES_SQL, MACROS, SqlRule
from reaudit.sql.price import RULES as _PRICE

SQL_RULES: dict[str, SqlRule] = {**_COVERAGE, **_HOSPITAL, **_IDENTITY, **_PRICE, **_ELIGIBILITY, **_FREQUENCY,
                                  **_COMBINATION}

__all__ = ["FINDING_COLUMNS", "LINES_SQL", "MACROS", "SQL_RULES", "SqlRule"]
