"""Hospital grades as the notices price them, and the one parser for every way they are written."""

from __future__ import annotations

from enum import StrEnum


class Grade(StrEnum):
    """Hospital grade as the notices price it."""

    GRADE_3A = "grade_3a"
    GRADE_3B = "grade_3b"
    GRADE_2_OR_BELOW = "grade_2_or_below"

    @property
    def label(self) -> str:
        return GRADE_LABELS[self]


GRADE_LABELS = {Grade.GRADE_3A: "三甲", Grade.GRADE_3B: "三乙", Grade.GRADE_2_OR_BELOW: "二级及以下"}
GRADE_BY_LABEL = {label: grade for grade, label in GRADE_LABELS.items()}


def parse_grade(value: str) -> Grade:
    """Accept `grade_3a` / `grade_3b` / `grade_2_or_below` or 三甲 / 三乙 / 二级及以下."""
    text = value.strip()
    if text in GRADE_BY_LABEL:
        return GRADE_BY_LABEL[text]
    try:
        return Grade(text)
    except ValueError:
        allowed = ", ".join([*(g.value for g in Grade), *GRADE_BY_LABEL])
        raise ValueError(f"未知医院等级 {value!r}，可用: {allowed}") from None
