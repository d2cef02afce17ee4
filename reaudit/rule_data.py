"""The catalog compiled to relations: which entry prices a code on which days, and each item's
rules as rows (thresholds, the sentence they were read from, the describe() text).

The SQL rules read only these tables, so a revised notice changes what they do without a
change of code, exactly as it does for the Python engine.  Texts the Python rules build from
an item alone (descriptions, price bases, requirement lists) are built here by the same
functions, once per item, so both engines say the same thing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import ROUND_CEILING, Decimal

import pyarrow as pa

from price_tables.catalog import Catalog, CatalogEntry
from price_tables.grades import Grade
from price_tables.money import child_price
from validators.rules.eligibility import _AGE_LIMITED, _CHILD_ONLY, _requirements
from validators.rules.identity import normalise
from validators.rules.price import _price_basis_text
from validators.spec import count

_END = dt.date(9999, 12, 31)
_DEC = pa.decimal128(18, 4)


def _entries(catalog: Catalog) -> list[CatalogEntry]:
    return [entry for code in catalog.codes() for entry in catalog.history(code)]


def _intervals(catalog: Catalog, keys: dict[int, int]) -> list[dict]:
    """Per code, maximal date ranges over which `catalog.entry_on` answers the same entry:
    the range join then finds at most one entry per line, with the catalog's own precedence."""
    rows: list[dict] = []
    for code in catalog.codes():
        entries = catalog.history(code)
        starts = sorted({e.effective_from for e in entries}
                        | {e.effective_to + dt.timedelta(days=1) for e in entries if e.effective_to and e.effective_to < _END})
        for i, start in enumerate(starts):
            end = starts[i + 1] - dt.timedelta(days=1) if i + 1 < len(starts) else _END
            entry = catalog.entry_on(code, start)
            if entry is None:
                continue
            key = keys[id(entry)]
            previous = rows[-1] if rows else None
            if previous and previous["code"] == code and previous["ekey"] == key \
                    and previous["valid_to"] == start - dt.timedelta(days=1):
                previous["valid_to"] = end
            else:
                rows.append({"code": code, "valid_from": start, "valid_to": end, "ekey": key})
    return rows


class _Line:
    """Just enough of a bill line for the Python helpers that describe an item's price basis."""

    def __init__(self, entry: CatalogEntry):
        self.item = entry.item
        self.entry = entry


def compile_catalog(catalog: Catalog) -> dict[str, pa.Table]:
    """Every relation the SQL rules read, as Arrow tables keyed by name."""
    entries = _entries(catalog)
    keys = {id(e): k for k, e in enumerate(entries)}
    tables: dict[str, list[dict]] = {name: [] for name in (
        "items", "codes", "r_age", "r_sex", "r_grade", "r_tier", "r_freq", "r_money", "r_money_codes",
        "r_consumable", "r_excl", "r_excl_t", "r_incl", "r_incl_t", "r_addon", "r_addon_t", "r_subseq",
        "r_consent", "r_minimum", "r_indication")}
    for key, entry in enumerate(entries):
        item = entry.item
        prices = {g: item.price_for(g) for g in Grade}
        subsequent = item.rules_of("subsequent_session")
        tables["items"].append({
            "ekey": key, "code": item.code, "name": item.name, "name_norm": normalise(item.name), "unit": item.unit,
            "unit_norm": normalise(item.unit), "document": entry.document, "seq": item.source.seq,
            "p_grade_3a": prices[Grade.GRADE_3A], "p_grade_3b": prices[Grade.GRADE_3B],
            "p_grade_2_or_below": prices[Grade.GRADE_2_OR_BELOW],
            "c_grade_3a": _child(prices[Grade.GRADE_3A]), "c_grade_3b": _child(prices[Grade.GRADE_3B]),
            "c_grade_2_or_below": _child(prices[Grade.GRADE_2_OR_BELOW]),
            "child_eligible": item.child_markup.eligible, "child_max_age": item.child_markup.max_age,
            "price_basis": _price_basis_text(_Line(entry)) if prices[Grade.GRADE_3A] is not None else None,  # type: ignore[arg-type]
            "per_day_unit": item.unit == "日",
            "hint_first_code": subsequent[0].first_code if subsequent else None,
            "hint_subsequent_code": subsequent[0].subsequent_code if subsequent else None,
        })
        _item_rules(tables, key, item)
    for code in catalog.codes():
        history = catalog.history(code)
        latest = history[-1]
        tables["codes"].append({
            "code": code, "latest_name": latest.item.name, "latest_document": latest.document,
            "latest_seq": latest.item.source.seq,
            "periods": "；".join(f"{e.document}：{e.effective_from}至{e.effective_to or '今'}" for e in history)})
    out = {name: _table(rows, name) for name, rows in tables.items()}
    out["intervals"] = _table(_intervals(catalog, keys), "intervals")
    return out


def _child(price: Decimal | None) -> Decimal | None:
    return None if price is None else child_price(price)


def _item_rules(tables: dict[str, list[dict]], key: int, item) -> None:
    def add(name: str, rules, row: Callable) -> None:
        for idx, rule in enumerate(rules):
            tables[name].append({"ekey": key, "idx": idx, "basis": rule.basis, **row(idx, rule)})

    add("r_age", item.rules_of("age_limit"), lambda i, r: {
        "max_age": r.max_age, "min_age": r.min_age, "rule_text": r.describe(),
        "national": _CHILD_ONLY if r.max_age is not None and r.min_age is None else _AGE_LIMITED})
    add("r_sex", item.rules_of("sex_limit"), lambda i, r: {"sex": r.sex, "rule_text": r.describe()})
    add("r_grade", item.rules_of("grade_limit"), lambda i, r: {
        "allowed": [g.value for g in r.allowed], "rule_text": r.describe()})
    add("r_tier", item.rules_of("duration_price"), lambda i, r: {
        "over_hours": r.over_hours, "over_text": count(r.over_hours), "price": r.price, "price_child": child_price(r.price)})
    add("r_freq", item.rules_of("frequency_cap"), lambda i, r: {
        "per": r.per, "max_count": r.max_count, "rule_text": r.describe()})
    for idx, rule in enumerate(item.rules_of("money_cap")):
        cap_key = f"{'|'.join(rule.codes)}#{rule.max_amount}#{rule.per}"
        tables["r_money"].append({"ekey": key, "idx": idx, "basis": rule.basis, "cap_key": cap_key, "per": rule.per,
                                  "max_amount": rule.max_amount, "rule_text": rule.describe()})
        for pos, code in enumerate(rule.codes):
            tables["r_money_codes"].append({"ekey": key, "idx": idx, "pos": pos, "code": code})
    add("r_consumable", item.rules_of("consumable_cap"), lambda i, r: {
        "consumable": r.consumable, "max_amount": r.max_amount})
    add("r_excl", item.rules_of("mutually_exclusive"), lambda i, r: {"rule_text": r.describe()})
    add("r_incl", item.rules_of("includes"), lambda i, r: {"same_day": r.same_day, "unless": r.unless})
    add("r_addon", item.rules_of("add_on"), lambda i, r: {
        "bases": "或".join([*r.base_codes, *r.base_names]), "has_names": bool(r.base_names)})
    add("r_subseq", item.rules_of("subsequent_session"), lambda i, r: {
        "first_code": r.first_code, "subsequent_code": r.subsequent_code})
    # 25分钟 is 0.41666… hours: rounded up to the hundredth of a per cent, `hours < min_hours` is
    # unchanged for hours given to 4 places (what the flat format reads)
    add("r_minimum", item.rules_of("minimum_duration"), lambda i, r: {
        "min_hours": r.min_hours.quantize(Decimal("0.0001"), ROUND_CEILING), "rule_text": r.describe()})
    for idx, rule in enumerate(item.rules_of("mutually_exclusive")):
        _targets(tables["r_excl_t"], key, idx, codes=rule.codes, names=rule.names)
    for idx, rule in enumerate(item.rules_of("includes")):
        _targets(tables["r_incl_t"], key, idx, codes=rule.codes, names=rule.names, prefixes=rule.code_prefixes)
    for idx, rule in enumerate(item.rules_of("add_on")):
        _targets(tables["r_addon_t"], key, idx, codes=rule.base_codes, names=rule.base_names)
    consent = item.rules_of("consent_required")
    if consent:
        basis = consent[0].basis + "；自主定价项目提供服务前应与患者或患者委托人签署书面协议（通知第四条）"
        tables["r_consent"].append({"ekey": key, "idx": 0, "basis": basis})
    limits, minimums = item.rules_of("documented_limit"), item.rules_of("minimum_duration")
    if limits or minimums:
        row: dict = {"ekey": key, "idx": 0, "basis": None}
        # What the record must show: the limits, and the minimums when the line gives no duration.
        row["needs_all"], row["basis_all"] = _requirements(limits + minimums)
        row["needs_limits"], row["basis_limits"] = _requirements(limits) if limits else (None, None)
        tables["r_indication"].append(row)


def _targets(rows: list[dict], key: int, idx: int, codes=(), names=(), prefixes=()) -> None:
    """What a rule points at: codes, code prefixes, or names matched as `_names_match` does."""
    for code in codes:
        rows.append({"ekey": key, "idx": idx, "code": code, "prefix": None, "name_norm": None})
    for prefix in prefixes:
        rows.append({"ekey": key, "idx": idx, "code": None, "prefix": prefix, "name_norm": None})
    for name in names:
        wanted = normalise(name).removesuffix("项目")
        if wanted:  # an empty wanted name never matches
            rows.append({"ekey": key, "idx": idx, "code": None, "prefix": None, "name_norm": wanted})


_TYPES: dict[str, pa.DataType] = {
    "ekey": pa.int32(), "idx": pa.int32(), "pos": pa.int32(), "seq": pa.int32(), "latest_seq": pa.int32(),
    "max_age": pa.int32(), "min_age": pa.int32(), "child_max_age": pa.int32(), "max_count": pa.int32(),
    "valid_from": pa.date32(), "valid_to": pa.date32(), "allowed": pa.list_(pa.string()),
    "child_eligible": pa.bool_(), "per_day_unit": pa.bool_(), "same_day": pa.bool_(), "has_names": pa.bool_(),
    **{name: _DEC for name in ("p_grade_3a", "p_grade_3b", "p_grade_2_or_below", "c_grade_3a", "c_grade_3b",
                               "c_grade_2_or_below", "over_hours", "price", "price_child", "max_amount", "min_hours")},
}
_COLUMNS: dict[str, tuple[str, ...]] = {
    "intervals": ("code", "valid_from", "valid_to", "ekey"),
    "codes": ("code", "latest_name", "latest_document", "latest_seq", "periods"),
    "r_excl_t": ("ekey", "idx", "code", "prefix", "name_norm"),
    "r_incl_t": ("ekey", "idx", "code", "prefix", "name_norm"),
    "r_addon_t": ("ekey", "idx", "code", "prefix", "name_norm"),
    "r_money_codes": ("ekey", "idx", "pos", "code"),
    "r_consent": ("ekey", "idx", "basis"),
    "r_indication": ("ekey", "idx", "basis", "needs_all", "basis_all", "needs_limits", "basis_limits"),
    "r_age": ("ekey", "idx", "basis", "max_age", "min_age", "rule_text", "national"),
    "r_sex": ("ekey", "idx", "basis", "sex", "rule_text"),
    "r_grade": ("ekey", "idx", "basis", "allowed", "rule_text"),
    "r_tier": ("ekey", "idx", "basis", "over_hours", "over_text", "price", "price_child"),
    "r_freq": ("ekey", "idx", "basis", "per", "max_count", "rule_text"),
    "r_money": ("ekey", "idx", "basis", "cap_key", "per", "max_amount", "rule_text"),
    "r_consumable": ("ekey", "idx", "basis", "consumable", "max_amount"),
    "r_excl": ("ekey", "idx", "basis", "rule_text"),
    "r_incl": ("ekey", "idx", "basis", "same_day", "unless"),
    "r_addon": ("ekey", "idx", "basis", "bases", "has_names"),
    "r_subseq": ("ekey", "idx", "basis", "first_code", "subsequent_code"),
    "r_minimum": ("ekey", "idx", "basis", "min_hours", "rule_text"),
    "items": ("ekey", "code", "name", "name_norm", "unit", "unit_norm", "document", "seq", "p_grade_3a", "p_grade_3b",
              "p_grade_2_or_below", "c_grade_3a", "c_grade_3b", "c_grade_2_or_below", "child_eligible", "child_max_age",
              "price_basis", "per_day_unit", "hint_first_code", "hint_subsequent_code"),
}


def _table(rows: list[dict], name: str) -> pa.Table:
    """A typed table even when empty (a catalog without a kind of rule still compiles)."""
    schema = pa.schema([(c, _TYPES.get(c, pa.string())) for c in _COLUMNS[name]])
    return pa.Table.from_pylist(rows, schema=schema)
