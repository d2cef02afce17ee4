"""The bill rule engine: a bill and an immutable price snapshot in, findings out.

No HTTP and no database here; `validate(bill, catalog)` is the whole interface.
"""

from validators.engine import validate

__all__ = ["validate"]
