"""Item look-up for auditors: which item and price applies, by code or by search."""

from __future__ import annotations

import datetime as dt
import difflib

from price_tables.catalog import Catalog, CatalogEntry
from price_tables.grades import Grade
from price_tables.periods import price_periods as periods_of
from pricing_api.errors import NotFound
from pricing_api.schemas.items import ItemDetail, ItemPage, ItemSummary, PriceHistoryEntry, PricePeriodOut


def find_entry(catalog: Catalog, code: str, as_of: dt.date | None) -> CatalogEntry:
    """The entry for `code` on `as_of` (or its latest version); NotFound says which case failed."""
    if code not in catalog:
        raise NotFound(f"项目编码 {code} 不在任何已发布的价格表中")
    if as_of is None:
        entry = catalog.latest(code)
    else:
        entry = catalog.entry_on(code, as_of)
    if entry is None:
        periods = "；".join(
            f"{e.document} {e.effective_from}至{e.effective_to or '今'}" for e in catalog.history(code))
        raise NotFound(f"项目编码 {code} 在 {as_of} 没有生效的价格（已发布的期间：{periods}）")
    return entry


def item_detail(catalog: Catalog, code: str, *, as_of: dt.date | None = None, grade: Grade | None = None) -> ItemDetail:
    return ItemDetail.of_entry(find_entry(catalog, code, as_of), grade)


def price_history(catalog: Catalog, code: str) -> list[PriceHistoryEntry]:
    if code not in catalog:
        raise NotFound(f"项目编码 {code} 不在任何已发布的价格表中")
    return [PriceHistoryEntry.of(e) for e in catalog.history(code)]


def price_periods(catalog: Catalog, code: str, on: dt.date) -> list[PricePeriodOut]:
    """The code's price periods as they really applied, the one containing `on` marked."""
    periods = periods_of(catalog, code)
    if not periods:
        raise NotFound(f"项目编码 {code} 不在任何已发布的价格表中")
    return [PricePeriodOut.of_period(p, on) for p in periods]


def near_matches(catalog: Catalog, code: str, limit: int = 8) -> list[ItemSummary]:
    """Items an unknown code may have meant: what a search for it finds (a partial code, a name,
    pinyin), then codes a digit or two away (a typo, a transposition)."""
    text = code.strip()[:100]
    codes = [e.item.code for e in catalog.search(text)[:limit]] if text else []
    codes += difflib.get_close_matches(text, catalog.codes(), n=limit, cutoff=0.75)
    entries = [catalog.latest(c) for c in dict.fromkeys(codes)]
    return [ItemSummary.of_entry(e) for e in entries if e is not None][:limit]


def notice_documents(catalog: Catalog) -> list[str]:
    """The 文号 of every published notice, oldest first (to list items by notice)."""
    versions = sorted(catalog.versions, key=lambda v: (v.effective_from, v.published_order))
    return list(dict.fromkeys(v.notice.meta.document for v in versions))


def search_items(catalog: Catalog, *, q: str | None = None, grade: Grade | None = None, as_of: dt.date | None = None,
                 document: str | None = None, limit: int = 20, offset: int = 0) -> ItemPage:
    entries = catalog.search(q, on=as_of, document=document)
    page = entries[offset: offset + limit]
    return ItemPage(items=[_cached_summary(catalog, e, grade) for e in page], total=len(entries), limit=limit, offset=offset)


def _cached_summary(catalog: Catalog, entry: CatalogEntry, grade: Grade | None) -> ItemSummary:
    """An entry's summary, built once per catalog snapshot and grade: building it reads the
    item through pydantic (~50 µs), and a search page lists twenty.  The snapshot's memo keeps
    its entries alive, so their ids stay theirs; at most `_SUMMARIES_KEPT` per grade are kept."""
    built = catalog.memo.setdefault(("ItemSummary", grade), {})
    summary = built.get(id(entry))
    if summary is None:
        summary = ItemSummary.of_entry(entry, grade)
        if len(built) < _SUMMARIES_KEPT:
            built[id(entry)] = summary
    return summary


_SUMMARIES_KEPT = 5_000
