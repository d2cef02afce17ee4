"""The catalog compiled to relations: which entry prices a code on which days, and each item's
rules as rows (thresholds, the sentence they were read from, the describe() text).

The SQL rules read only these tables, so a revised notice changes what they do without a
change of code, exactly as it does for the Python engine.  Texts the Python rules build from
an item alone (descriptions, price bases, requirement lists) are built here by the same
functions, once per item, so both engines say the same thing.

Hours and money thresholds are compared with values given to 4 places; a threshold with more
places (25分钟 is 0.41666… hours) is rounded so that the comparison keeps its answer for every
such value (`_up`, `_down`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

import pyarrow as pa

from price_tables.catalog import Catalog, CatalogEntry
from price_tables.grades import Grade
from price_tables.item_rules import units_of
from price_tables.models import Item
from price_tables.money import child_price
from validators.reference import NO_REFERENCE, ReferenceData
from validators.rules.combination import _once_only, _repeats_by_design
from validators.rules.eligibility import _AGE_LIMITED, _CHILD_ONLY, _requirements
from validators.rules.identity import _aliases, _name_level, normalise
from validators.rules.price import _price_basis_text
from validators.spec import count

_FIRST = dt.date(1, 1, 1)
_END = dt.date(9999, 12, 31)
_DEC = pa.decimal128(18, 4)
_PLACES = Decimal("0.0001")


def _up(value: Decimal) -> Decimal:
    """For `x < value` (and `x >= value`) over values given to 4 places."""
    return value.quantize(_PLACES, ROUND_CEILING)


def _down(value: Decimal) -> Decimal:
    """For `x > value` (and `x <= value`) over values given to 4 places."""
    return value.quantize(_PLACES, ROUND_FLOOR)


def _spans(catalog: Catalog, keys: dict[int, int], foreign: Iterable[str]) -> list[dict]:
    """Per catalog code, maximal date ranges over which `catalog.entry_on` answers the same
    entry (or none: `ekey` NULL), covering every date, so the range join finds exactly one row
    for a catalog code with the catalog's own precedence.  Codes the rules name but no table
    prices (`foreign`) get one row over every date, outside the catalog."""
    rows: list[dict] = []
    for code in catalog.codes():
        entries = catalog.history(code)
        bounds = sorted({_FIRST} | {e.effective_from for e in entries}
                        | {e.effective_to + dt.timedelta(days=1) for e in entries if e.effective_to and e.effective_to < _END})
        for i, start in enumerate(bounds):
            end = bounds[i + 1] - dt.timedelta(days=1) if i + 1 < len(bounds) else _END
            entry = catalog.entry_on(code, start)
            key = keys[id(entry)] if entry is not None else None
            previous = rows[-1] if rows else None
            if previous and previous["code"] == code and previous["ekey"] == key:
                previous["valid_to"] = end
            else:
                rows.append({"code": code, "valid_from": start, "valid_to": end, "ekey": key, "in_catalog": True})
    for code in sorted(set(foreign) - set(catalog.codes())):
        rows.append({"code": code, "valid_from": _FIRST, "valid_to": _END, "ekey": None, "in_catalog": False})
    return rows


class _Line:
    """Just enough of a bill line for the Python helpers that describe an item's price basis."""

    def __init__(self, entry: CatalogEntry):
        self.item = entry.item
        self.entry = entry


def compile_catalog(catalog: Catalog, reference: ReferenceData = NO_REFERENCE) -> dict[str, pa.Table]:
    """Every relation the SQL rules read, as Arrow tables keyed by name: the catalog's, and the
    reference data's (the hospital registry's grade periods, the published code maps)."""
    entries = [entry for code in catalog.codes() for entry in catalog.history(code)]
    keys = {id(e): k for k, e in enumerate(entries)}
    tables: dict[str, list[dict]] = {name: [] for name in _COLUMNS if name not in ("spans", *_REFERENCE)}
    for key, entry in enumerate(entries):
        _item_rows(tables, key, entry)
    for index, code in enumerate(catalog.codes()):
        history = catalog.history(code)
        latest = history[-1]
        tables["codes"].append({
            "code": code, "cidx": index, "latest_name": latest.item.name, "latest_document": latest.document,
            "latest_seq": latest.item.source.seq,
            "periods": "；".join(f"{e.document}：{e.effective_from}至{e.effective_to or '今'}" for e in history)})
    out = {name: _table(rows, name) for name, rows in tables.items()}
    named = {row["code"] for name in ("r_excl_t", "r_incl_t", "r_addon_t") for row in tables[name] if row["code"]}
    named |= {row["code"] for row in tables["r_money_codes"]} | {row["first_code"] for row in tables["r_subseq"]}
    out["spans"] = _table(_spans(catalog, keys, named), "spans")
    out.update(_reference(reference))
    return out


def _reference(reference: ReferenceData) -> dict[str, pa.Table]:
    grades = [{"fixmedins_code": h.fixmedins_code, "grade": p.grade.value, "valid_from": p.effective_from,
               "valid_to": p.effective_to or _END} for h in reference.hospitals.values() for p in h.grades]
    # `reference.code_maps` is latest first: a map's place there is its rank among versions
    entries = [{"fixmedins_code": m.fixmedins_code, "effective_from": m.effective_from, "version_rank": rank,
                "via_rank": via_rank, "sent": sent, "item_code": item}
               for rank, m in enumerate(reference.code_maps)
               for via_rank, table in enumerate((m.by_hilist_code, m.by_hosplist_code)) for sent, item in table.items()]
    return {"hospital_grades": _table(grades, "hospital_grades"), "map_entries": _table(entries, "map_entries")}


def _item_rows(tables: dict[str, list[dict]], key: int, entry: CatalogEntry) -> None:
    item = entry.item
    prices = {g: item.price_for(g) for g in Grade}
    subsequent = item.rules_of("subsequent_session")
    once = _once_only(item)
    level = _name_level(item)
    tables["items"].append({
        "ekey": key, "code": item.code, "name": item.name, "name_norm": normalise(item.name), "unit": item.unit,
        "unit_norm": normalise(item.unit), "document": entry.document, "seq": item.source.seq,
        "p_grade_3a": prices[Grade.GRADE_3A], "p_grade_3b": prices[Grade.GRADE_3B],
        "p_grade_2_or_below": prices[Grade.GRADE_2_OR_BELOW],
        "c_grade_3a": _child(prices[Grade.GRADE_3A]), "c_grade_3b": _child(prices[Grade.GRADE_3B]),
        "c_grade_2_or_below": _child(prices[Grade.GRADE_2_OR_BELOW]),
        "child_eligible": item.child_markup.eligible, "child_max_age": item.child_markup.max_age,
        "price_basis": _price_basis_text(_Line(entry)) if prices[Grade.GRADE_3A] is not None else None,  # type: ignore[arg-type]
        "per_day_unit": item.unit == "日", "priced_by_hours": bool(item.rules_of("duration_price")),
        "hint_first_code": subsequent[0].first_code if subsequent else None,
        "hint_subsequent_code": subsequent[0].subsequent_code if subsequent else None,
        # NAME_MISMATCH: the names a bill may give, and the level where the tables composed the name
        "aliases_norm": sorted({normalise(a) for a in _aliases(item)}),
        "name_info": "本表据备注组成" if level is not None and item.source.derived_from
        else "分界存疑" if level is not None else None,
        # DUPLICATE_CHARGE, the same line twice: never for per-日 items or those repeated by design
        "twice_skip": item.unit == "日" or _repeats_by_design(item),
        "once_text": once.describe() if once else None, "once_basis": once.basis if once else None,
        "kinds": sorted(item.rule_kinds),
        # HOSPITAL_GRADE_UNKNOWN: a line whose price or eligibility depends on the grade
        "grade_dependent": len({prices[g] for g in Grade}) > 1 or bool(item.rules_of("grade_limit")),
    })
    _item_rules(tables, key, item)


def _child(price: Decimal | None) -> Decimal | None:
    return None if price is None else child_price(price)


def _item_rules(tables: dict[str, list[dict]], key: int, item: Item) -> None:
    def add(name: str, rules: tuple, row: Callable) -> None:
        for idx, rule in enumerate(rules):
            tables[name].append({"ekey": key, "idx": idx, "basis": rule.basis, **row(rule)})

    add("r_age", item.rules_of("age_limit"), lambda r: {
        "max_age": r.max_age, "min_age": r.min_age, "rule_text": r.describe(),
        "national": _CHILD_ONLY if r.max_age is not None and r.min_age is None else _AGE_LIMITED})
    add("r_sex", item.rules_of("sex_limit"), lambda r: {"sex": r.sex, "rule_text": r.describe()})
    add("r_grade", item.rules_of("grade_limit"), lambda r: {
        "allowed": [g.value for g in r.allowed], "rule_text": r.describe()})
    add("r_tier", item.rules_of("duration_price"), lambda r: {
        "over_hours": _down(r.over_hours), "over_text": count(r.over_hours), "price": r.price,
        "price_child": child_price(r.price)})
    add("r_dtier", item.rules_of("duration_tier"), lambda r: {
        "label": r.label, "min_hours": None if r.min_hours is None else _up(r.min_hours),
        "max_hours": None if r.max_hours is None else (_down(r.max_hours) if r.max_included else _up(r.max_hours)),
        "max_included": r.max_included, "range_text": r.range_text()})
    # A cap is said in the item's 计价单位 (24小时, 5个抗原), as the Python rule says it.
    add("r_freq", item.rules_of("frequency_cap"), lambda r: {
        "per": r.per, "max_count": r.max_count, "rule_text": r.describe_for(item.unit),
        "unit_suffix": units_of("", item.unit)})
    for idx, rule in enumerate(item.rules_of("money_cap")):
        cap_key = f"{'|'.join(rule.codes)}#{rule.max_amount}#{rule.per}"
        tables["r_money"].append({"ekey": key, "idx": idx, "basis": rule.basis, "cap_key": cap_key, "per": rule.per,
                                  "max_amount": rule.max_amount, "rule_text": rule.describe()})
        for pos, code in enumerate(rule.codes):
            tables["r_money_codes"].append({"ekey": key, "idx": idx, "pos": pos, "code": code})
    add("r_consumable", item.rules_of("consumable_cap"), lambda r: {
        "consumable": r.consumable, "max_amount": r.max_amount})
    add("r_excl", item.rules_of("mutually_exclusive"), lambda r: {"rule_text": r.describe(), "per": r.per})
    add("r_incl", item.rules_of("includes"), lambda r: {"same_day": r.same_day, "unless": r.unless})
    add("r_addon", item.rules_of("add_on"), lambda r: {
        "bases": "或".join([*r.base_codes, *r.base_names]), "has_names": bool(r.base_names),
        "guessed": not r.base_codes and r.source_field == "项目名称"})
    add("r_subseq", item.rules_of("subsequent_session"), lambda r: {
        "first_code": r.first_code, "subsequent_code": r.subsequent_code})
    add("r_minimum", item.rules_of("minimum_duration"), lambda r: {"min_hours": _up(r.min_hours), "rule_text": r.describe()})
    add("r_mat", item.rules_of("included_materials"), lambda r: {})
    for idx, rule in enumerate(item.rules_of("mutually_exclusive")):
        _targets(tables["r_excl_t"], key, idx, codes=rule.codes, names=rule.names)
    for idx, rule in enumerate(item.rules_of("includes")):
        _targets(tables["r_incl_t"], key, idx, codes=rule.codes, names=rule.names, prefixes=rule.code_prefixes)
    for idx, rule in enumerate(item.rules_of("add_on")):
        _targets(tables["r_addon_t"], key, idx, codes=rule.base_codes, names=rule.base_names)
    for idx, rule in enumerate(item.rules_of("duration_tier")):
        for pos, code in enumerate(rule.siblings):
            tables["r_dtier_sib"].append({"ekey": key, "idx": idx, "pos": pos, "code": code})
    for idx, rule in enumerate(item.rules_of("included_materials")):
        for pos, word in enumerate(rule.materials):
            tables["r_mat_words"].append({"ekey": key, "idx": idx, "pos": pos, "word": word, "word_norm": normalise(word)})
        for term in rule.exclusions:
            tables["r_mat_excl"].append({"ekey": key, "idx": idx, "term_norm": normalise(term)})
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


_REFERENCE = ("hospital_grades", "map_entries")
_TYPES: dict[str, pa.DataType] = {
    "ekey": pa.int32(), "idx": pa.int32(), "pos": pa.int32(), "seq": pa.int32(), "latest_seq": pa.int32(),
    "cidx": pa.int32(), "max_age": pa.int32(), "min_age": pa.int32(), "child_max_age": pa.int32(),
    "max_count": pa.int32(), "valid_from": pa.date32(), "valid_to": pa.date32(), "allowed": pa.list_(pa.string()),
    "effective_from": pa.date32(), "version_rank": pa.int32(), "via_rank": pa.int32(),
    "aliases_norm": pa.list_(pa.string()), "kinds": pa.list_(pa.string()),
    **{name: pa.bool_() for name in ("child_eligible", "per_day_unit", "priced_by_hours", "same_day", "has_names",
                                     "guessed", "in_catalog", "twice_skip", "max_included", "grade_dependent")},
    **{name: _DEC for name in ("p_grade_3a", "p_grade_3b", "p_grade_2_or_below", "c_grade_3a", "c_grade_3b",
                               "c_grade_2_or_below", "over_hours", "price", "price_child", "max_amount", "min_hours",
                               "max_hours")},
}
_COLUMNS: dict[str, tuple[str, ...]] = {
    "spans": ("code", "valid_from", "valid_to", "ekey", "in_catalog"),
    "codes": ("code", "cidx", "latest_name", "latest_document", "latest_seq", "periods"),
    "items": ("ekey", "code", "name", "name_norm", "unit", "unit_norm", "document", "seq", "p_grade_3a", "p_grade_3b",
              "p_grade_2_or_below", "c_grade_3a", "c_grade_3b", "c_grade_2_or_below", "child_eligible", "child_max_age",
              "price_basis", "per_day_unit", "priced_by_hours", "hint_first_code", "hint_subsequent_code", "aliases_norm",
              "name_info", "twice_skip", "once_text", "once_basis", "kinds", "grade_dependent"),
    "hospital_grades": ("fixmedins_code", "grade", "valid_from", "valid_to"),
    "map_entries": ("fixmedins_code", "effective_from", "version_rank", "via_rank", "sent", "item_code"),
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
    "r_dtier": ("ekey", "idx", "basis", "label", "min_hours", "max_hours", "max_included", "range_text"),
    "r_dtier_sib": ("ekey", "idx", "pos", "code"),
    "r_freq": ("ekey", "idx", "basis", "per", "max_count", "rule_text", "unit_suffix"),
    "r_money": ("ekey", "idx", "basis", "cap_key", "per", "max_amount", "rule_text"),
    "r_consumable": ("ekey", "idx", "basis", "consumable", "max_amount"),
    "r_excl": ("ekey", "idx", "basis", "rule_text", "per"),
    "r_incl": ("ekey", "idx", "basis", "same_day", "unless"),
    "r_addon": ("ekey", "idx", "basis", "bases", "has_names", "guessed"),
    "r_subseq": ("ekey", "idx", "basis", "first_code", "subsequent_code"),
    "r_minimum": ("ekey", "idx", "basis", "min_hours", "rule_text"),
    "r_mat": ("ekey", "idx", "basis"),
    "r_mat_words": ("ekey", "idx", "pos", "word", "word_norm"),
    "r_mat_excl": ("ekey", "idx", "term_norm"),
}


def _table(rows: list[dict], name: str) -> pa.Table:
    """A typed table even when empty (a catalog without a kind of rule still compiles)."""
    schema = pa.schema([(c, _TYPES.get(c, pa.string())) for c in _COLUMNS[name]])
    return pa.Table.from_pylist(rows, schema=schema)
