"""An immutable snapshot of every published notice: which price applies to a code on a date.

The rule (issue: service foundation): for a code, the latest published notice that covers it
and whose effective period contains the date.  "Latest" is the notice with the later
`effective_from`; between notices that start the same day, the one published later.
The bill validator and the look-up API both read prices only through this.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pypinyin import Style, lazy_pinyin

from price_tables.models import Item, Notice


@dataclass(frozen=True)
class NoticeVersion:
    """A published notice with its identity in storage and its publication order."""

    notice_id: int
    notice: Notice
    published_order: int  # larger = published later

    @property
    def effective_from(self) -> dt.date:
        return self.notice.meta.effective_from

    @property
    def effective_to(self) -> dt.date | None:
        return self.notice.meta.effective_to

    def covers(self, on: dt.date) -> bool:
        return self.effective_from <= on and (self.effective_to is None or on <= self.effective_to)


@dataclass(frozen=True, slots=True)
class CatalogEntry:
    """One item as published by one notice, with that notice's period."""

    item: Item
    version: NoticeVersion
    effective_from: dt.date = field(init=False)
    effective_to: dt.date | None = field(init=False)
    document: str = field(init=False)

    def __post_init__(self) -> None:
        # Copied out of the notice: `covers` runs for every bill line, `document` is in every finding.
        object.__setattr__(self, "effective_from", self.version.effective_from)
        object.__setattr__(self, "effective_to", self.version.effective_to)
        object.__setattr__(self, "document", self.version.notice.meta.document)

    @property
    def notice_id(self) -> int:
        return self.version.notice_id

    def covers(self, on: dt.date) -> bool:
        return self.effective_from <= on and (self.effective_to is None or on <= self.effective_to)


def _unconverted(chars: str) -> Any:
    """Characters without pinyin (letters, digits, signs) stay as they are, one per syllable
    (pypinyin accepts a list here; its annotation says str)."""
    return list(chars)


def pinyin_keys(name: str) -> tuple[str, str]:
    """(initials, full pinyin) of a name, lower case, letters and digits only: 搭桥 → ("dq", "daqiao")."""
    syllables = lazy_pinyin(name, style=Style.NORMAL, errors=_unconverted)
    initials = "".join(s[0] for s in syllables if s and s[0].isalnum()).lower()
    full = "".join(c for s in syllables for c in s if c.isalnum()).lower()
    return initials, full


@dataclass(frozen=True)
class _SearchKey:
    code: str
    name: str
    initials: str
    full_pinyin: str


class _Haystack:
    """Many strings joined into one, so a substring search runs in C over the whole catalog."""

    _SEPARATOR = "\x00"

    def __init__(self, texts: list[str]):
        self._blob = self._SEPARATOR.join(texts)
        self._starts: list[int] = []
        position = 0
        for text in texts:
            self._starts.append(position)
            position += len(text) + 1

    def find_all(self, needle: str) -> Iterator[tuple[int, bool]]:
        """(index of the text containing `needle`, whether it starts there) for each match."""
        if not needle or self._SEPARATOR in needle:
            return
        last = -1
        at = self._blob.find(needle)
        while at >= 0:
            index = bisect.bisect_right(self._starts, at) - 1
            if index != last:
                yield index, at == self._starts[index]
                last = index
            at = self._blob.find(needle, at + 1)


@dataclass
class Catalog:
    """Read-only after construction; build a new one when a notice is published."""

    versions: tuple[NoticeVersion, ...]
    version_tag: str = ""
    _by_code: dict[str, list[CatalogEntry]] = field(default_factory=dict, init=False, repr=False)
    _keys: dict[str, _SearchKey] = field(default_factory=dict, init=False, repr=False)
    _codes_sorted: list[str] = field(default_factory=list, init=False, repr=False)
    _names: _Haystack = field(init=False, repr=False)
    _initials: _Haystack = field(init=False, repr=False)
    _pinyin: _Haystack = field(init=False, repr=False)
    memo: dict[Hashable, Any] = field(default_factory=dict, init=False, repr=False, compare=False)
    """Values worked out once per item of this snapshot by a reader (the bill engine's per-item
    texts and prices), keyed by the reader; they live and die with the snapshot."""

    def __post_init__(self) -> None:
        for version in self.versions:
            for item in version.notice.items:
                self._by_code.setdefault(item.code, []).append(CatalogEntry(item, version))
        for entries in self._by_code.values():
            # Latest first: later effective_from, then later publication.
            entries.sort(key=lambda e: (e.effective_from, e.version.published_order), reverse=True)
        for code, entries in self._by_code.items():
            name = entries[0].item.name
            initials, full = pinyin_keys(name)
            self._keys[code] = _SearchKey(code, name, initials, full)
        self._codes_sorted = sorted(self._by_code)
        keys = [self._keys[c] for c in self._codes_sorted]
        self._names = _Haystack([k.name for k in keys])
        self._initials = _Haystack([k.initials for k in keys])
        self._pinyin = _Haystack([k.full_pinyin for k in keys])

    @classmethod
    def of(cls, versions: Iterable[NoticeVersion], version_tag: str = "") -> Catalog:
        return cls(versions=tuple(versions), version_tag=version_tag)

    def __contains__(self, code: str) -> bool:
        return code in self._by_code

    def entries_by_code(self) -> Mapping[str, Sequence[CatalogEntry]]:
        """Every code's entries, latest first (read-only: for readers that resolve many codes)."""
        return self._by_code

    def entry_on(self, code: str, on: dt.date) -> CatalogEntry | None:
        """The entry whose price applies to `code` on `on`, or None."""
        for entry in self._by_code.get(code, ()):
            if entry.covers(on):
                return entry
        return None

    def latest(self, code: str) -> CatalogEntry | None:
        """The most recent entry for `code`, whatever its period."""
        entries = self._by_code.get(code)
        return entries[0] if entries else None

    def history(self, code: str) -> list[CatalogEntry]:
        """Every published entry of `code`, oldest first."""
        return list(reversed(self._by_code.get(code, [])))

    def codes(self) -> list[str]:
        return list(self._codes_sorted)

    def search(self, q: str | None = None, *, on: dt.date | None = None, document: str | None = None) -> list[CatalogEntry]:
        """Entries matching `q`, best matches first.

        `q` matches a code prefix, a name substring, pinyin initials or full pinyin (letters
        compared case-insensitively, spaces ignored).  With `on`, only entries in effect that
        day; without it, each code's latest entry.  With `document`, only that notice's items.
        """
        query = (q or "").strip()
        ranks = self._ranks(query)
        ranked = sorted(ranks.items(), key=lambda r: (r[1], r[0]))
        result = []
        for index, _ in ranked:
            entry = self._pick(self._codes_sorted[index], on, document)
            if entry is not None:
                result.append(entry)
        return result

    def _ranks(self, query: str) -> dict[int, int]:
        """Index into the sorted codes → best rank (0 best) for every code that matches."""
        if not query:
            return {i: 0 for i in range(len(self._codes_sorted))}
        ranks: dict[int, int] = {}

        def offer(index: int, rank: int) -> None:
            if rank < ranks.get(index, 99):
                ranks[index] = rank

        start = bisect.bisect_left(self._codes_sorted, query)
        end = bisect.bisect_left(self._codes_sorted, query + "\uffff")
        for index in range(start, end):
            offer(index, 0)
        for index, _ in self._names.find_all(query):
            offer(index, 1)
        letters = "".join(query.split()).lower()
        if letters and letters.isascii():
            for index, at_start in self._initials.find_all(letters):
                offer(index, 2 if at_start else 3)
            for index, at_start in self._pinyin.find_all(letters):
                offer(index, 4 if at_start else 5)
        return ranks

    def _pick(self, code: str, on: dt.date | None, document: str | None) -> CatalogEntry | None:
        for entry in self._by_code[code]:
            if document is not None and entry.document != document:
                continue
            if on is None or entry.covers(on):
                return entry
        return None
