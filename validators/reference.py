"""Reference data beside the prices: which grade a hospital held on a date, and how a
hospital's own item codes map to the priced items (对码).  Immutable snapshots, like the
catalog; the service builds them from what is published."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from price_tables.grades import Grade


@dataclass(frozen=True)
class GradePeriod:
    grade: Grade
    effective_from: dt.date
    effective_to: dt.date | None = None

    def covers(self, day: dt.date) -> bool:
        return self.effective_from <= day and (self.effective_to is None or day <= self.effective_to)


@dataclass(frozen=True)
class Hospital:
    fixmedins_code: str
    name: str
    admdvs: str = ""
    grades: tuple[GradePeriod, ...] = ()

    def grade_on(self, day: dt.date) -> Grade | None:
        """The grade held on `day` (the latest period that covers it)."""
        covering = [p for p in self.grades if p.covers(day)]
        return max(covering, key=lambda p: p.effective_from).grade if covering else None


@dataclass(frozen=True)
class CodeMap:
    """One published version of a code map: the hospital's (None: the province's) codes → items."""

    map_id: int
    fixmedins_code: str | None
    effective_from: dt.date
    published_order: int
    by_hilist_code: dict[str, str] = field(default_factory=dict)
    by_hosplist_code: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class CodeMapping:
    """How a line's code was found: the item code, and where the map came from."""

    item_code: str
    via: str  # "hilist_code" | "hosplist_code"
    sent: str  # the code the line carried
    map_id: int
    hospital_map: bool


@dataclass(frozen=True)
class ReferenceData:
    hospitals: dict[str, Hospital] = field(default_factory=dict)
    code_maps: tuple[CodeMap, ...] = ()
    version_tag: str = ""

    @classmethod
    def of(cls, hospitals: Iterable[Hospital], code_maps: Iterable[CodeMap], version_tag: str = "") -> ReferenceData:
        maps = sorted(code_maps, key=lambda m: (m.effective_from, m.published_order), reverse=True)
        return cls({h.fixmedins_code: h for h in hospitals}, tuple(maps), version_tag)

    def grade_of(self, fixmedins_code: str | None, day: dt.date) -> Grade | None:
        hospital = self.hospitals.get(fixmedins_code or "")
        return hospital.grade_on(day) if hospital else None

    def mapped(self, fixmedins_code: str | None, hilist_code: str | None, hosplist_code: str | None,
               day: dt.date) -> CodeMapping | None:
        """The item a line's codes map to on `day`: the hospital's maps first (by 医保项目编码, then
        医院项目编码), then the province-wide maps; among versions, the latest in effect wins."""
        for hospital_map in (True, False):
            for code_map in self.code_maps:
                if code_map.effective_from > day:
                    continue
                if hospital_map != (code_map.fixmedins_code is not None):
                    continue
                if hospital_map and code_map.fixmedins_code != fixmedins_code:
                    continue
                for via, sent, table in (("hilist_code", hilist_code, code_map.by_hilist_code),
                                         ("hosplist_code", hosplist_code, code_map.by_hosplist_code)):
                    if sent and sent in table:
                        return CodeMapping(table[sent], via, sent, code_map.map_id, hospital_map)
        return None


NO_REFERENCE = ReferenceData()
