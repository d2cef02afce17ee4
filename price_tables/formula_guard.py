"""Keep spreadsheet programs from running text as a formula (CSV / formula injection).

A text cell starting with `=`, `+`, `-`, `@`, a tab or a carriage return is written with a
leading apostrophe, as OWASP recommends; Excel and LibreOffice then show it as text.  Reading
a file back takes the apostrophe off again, so an export uploaded again is the same table.
Numbers are never guarded: they stay numbers.
"""

from __future__ import annotations

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def guard(text: str) -> str:
    """`text` as it is safe to write into a spreadsheet cell."""
    return "'" + text if text.startswith(TRIGGERS) else text


def unguard(text: str) -> str:
    """The text a guarded cell stands for (other text is returned as it is)."""
    return text[1:] if text.startswith("'") and text[1:].startswith(TRIGGERS) else text
