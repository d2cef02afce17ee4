"""Generated months of claims from the real tables (synthetic load, never real patients).

- `tripping_bills`: bills over the whole catalog with the perturbations that trip every rule
  (history resends, consumables, courses, sites, durations, odd names) — for differential tests.
- `write_month`: N flat lines as Parquet, a realistic mix: several hospitals of each grade,
  inpatient and outpatient bills of 10–80 lines, items at their standard price, and about
  `violation_rate` of lines breaking some rule.  Vectorised, so 20 M lines take seconds.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from price_tables.catalog import Catalog
from price_tables.grades import Grade
from price_tables.money import child_price
from validators.reference import CodeMap, GradePeriod, Hospital, ReferenceData

MONTH = dt.date(2022, 3, 1)
HOSPITALS = [(f"H33080{k:04d}", grade) for k, grade in enumerate(
    [Grade.GRADE_3A] * 3 + [Grade.GRADE_3B] * 3 + [Grade.GRADE_2_OR_BELOW] * 6)]


def _items(catalog: Catalog, on: dt.date):
    return [e.item for code in catalog.codes() if (e := catalog.entry_on(code, on)) is not None]


def reference_for(catalog: Catalog) -> ReferenceData:
    """A hospital registry and code maps for the generated hospitals (synthetic): the first
    hospitals registered at the grade their bills give, one at another grade (and another before
    2022), the rest unregistered; hospital H330800000 maps its own codes `HX-<item code>` and
    national codes `N<item code>`, and the province maps `PROV-<item code>` from 2022-03-10."""
    grades = {code: grade for code, grade in HOSPITALS}
    hospitals = [Hospital(code, f"医院{k}", grades=(GradePeriod(grades[code], dt.date(2022, 1, 1)),))
                 for k, code in enumerate(["H330800000", "H330800001", "H330800004", "H330800006"])]
    hospitals.append(Hospital("H330800007", "医院7", grades=(GradePeriod(Grade.GRADE_3A, dt.date(2020, 1, 1)),)))
    codes = catalog.codes()[::3]
    maps = [CodeMap(1, "H330800000", dt.date(2021, 1, 1), 1, by_hilist_code={f"N{c}": c for c in codes},
                    by_hosplist_code={f"HX-{c}": c for c in codes}),
            CodeMap(2, None, dt.date(2022, 3, 10), 2, by_hosplist_code={f"PROV-{c}": c for c in codes})]
    return ReferenceData.of(hospitals, maps, version_tag="generated")


def tripping_bills(catalog: Catalog, bills: int, seed: int = 14) -> list[dict]:
    """Random bills that, together, trip every rule of the registry (with `reference_for`'s
    registry and code maps: hospitals' own codes, bills without a grade or a sex)."""
    rng = random.Random(seed)
    codes = catalog.codes()
    names = [catalog.latest(c).item.name for c in codes] + ["呼吸机辅助呼吸", "小肠镜检查", "腹腔镜手术", "气管镜检查", ""]
    items = [catalog.latest(c).item for c in codes]  # type: ignore[union-attr]
    # consumables named like what a 内涵 includes, or what its 除外内容 lets be billed, or neither
    included = [r for i in items for r in i.rules_of("included_materials")]
    materials = sorted({w for r in included for w in r.materials} | {t for r in included for t in r.exclusions}) + ["纱布"]
    material_names = [*materials, *(f"一次性{w}" for w in materials[:6]), "医用氧气"]
    tier_pairs = [(i.code, sibling) for i in items for r in i.rules_of("duration_tier") for sibling in r.siblings]
    out = []
    for b in range(bills):
        hospital, grade = rng.choice(HOSPITALS)
        admitted = MONTH + dt.timedelta(days=rng.randint(0, 20)) if rng.random() < 0.9 else dt.date(2023, 8, 28)
        stay = rng.randint(0, 12)
        child = rng.random() < 0.2
        birth = admitted - dt.timedelta(days=rng.randint(200, 6 * 365) if child else rng.randint(20 * 365, 80 * 365))
        lines: list[dict] = []
        history: list[dict] = []
        for k in range(rng.randint(1, 14)):
            code = rng.choice(codes) if rng.random() < 0.93 else rng.choice(["25010100100", "C0001"])
            entry = catalog.latest(code)
            early, late = (-1 if rng.random() < 0.05 else 0), (1 if rng.random() < 0.05 else 0)
            day = admitted + dt.timedelta(days=rng.randint(early, stay + late))
            price = (entry.item.price_for(grade) if entry and entry.item.price_for(grade) else Decimal(rng.randint(5, 900)))
            price = price * rng.choice([Decimal(1), Decimal(1), Decimal(1), Decimal("1.1"), Decimal("0.9"), Decimal("1.3")])
            quantity = rng.choice([Decimal(1)] * 6 + [Decimal(2), Decimal(3), Decimal("0.5"), Decimal(9), Decimal(25)])
            line = {"line_id": str(k + 1) if rng.random() < 0.8 else f"L{k}-{rng.randint(1, 9)}", "code": code,
                    "service_date": day.isoformat(), "quantity": str(quantity),
                    "unit_price": str(price.quantize(Decimal("0.01")))}
            if rng.random() < 0.6:
                exact = quantity * Decimal(line["unit_price"])
                line["amount"] = str(exact if rng.random() < 0.9 else Decimal(rng.randint(1, 999)))
            if rng.random() < 0.7:
                line["name"] = entry.item.name if entry and rng.random() < 0.8 else rng.choice(names)
            if rng.random() < 0.5:
                line["unit"] = entry.item.unit if entry and rng.random() < 0.85 else rng.choice(["次", "日", "小时", "人次"])
            for field, values in (("duration_hours", ["0.5", "1", "1.5", "1.7", "2", "4.5", "6", "30"]),
                                  ("course_id", ["C1", "C2"]), ("session_id", ["S1", "S2"]),
                                  ("body_site", ["左膝", "腰", "颈"]), ("consent_signed", [True, False])):
                if rng.random() < 0.3:
                    line[field] = rng.choice(values)
            if lines and rng.random() < 0.08:
                line["main_line_id"] = rng.choice(lines)["line_id"]
                line["purchase_price"] = str(Decimal(line["unit_price"]) * rng.choice([Decimal("0.8"), Decimal(1)]))
            if any(ln["line_id"] == line["line_id"] for ln in lines):
                line["line_id"] += "x"
            if rng.random() < 0.1:  # a hospital's own code, a national code, or both beside the item code
                own = rng.choice([{"hosplist_code": f"HX-{code}"}, {"hilist_code": f"N{code}"},
                                  {"hosplist_code": f"PROV-{code}"}, {"hosplist_code": "HX-UNKNOWN"}])
                if rng.random() < 0.7:
                    del line["code"]
                line.update(own)
            lines.append(line)
            extra: list[dict] = []
            if rng.random() < 0.06:  # the same line twice
                extra.append({k: v for k, v in line.items() if k != "main_line_id"} | {"line_id": f"{line['line_id']}d"})
            if rng.random() < 0.08:  # a consumable or drug the same day, perhaps one a 内涵 includes
                extra.append({"line_id": f"{line['line_id']}m", "code": rng.choice(["C0001", "HC0123", code]),
                              "category": rng.choice(["material", "material", "drug"]), "name": rng.choice(material_names),
                              "service_date": day.isoformat(), "quantity": "1", "unit_price": "12.50",
                              **({"material_code": "C1910"} if rng.random() < 0.5 else {})})
            if tier_pairs and rng.random() < 0.05:  # two duration tiers of one service the same day
                pair = rng.choice(tier_pairs)
                sessions = rng.choice([("S1", "S1"), ("S1", "S2"), (None, "S1"), (None, None)])
                for n, (tier_code, session) in enumerate(zip(pair, sessions, strict=True)):
                    tier = {"line_id": f"{line['line_id']}t{n}", "code": tier_code, "service_date": day.isoformat(),
                            "quantity": "1", "unit_price": "50", "duration_hours": rng.choice(["1.5", "1.7", "2.5"])}
                    extra.append(tier | ({"session_id": session} if session else {}))
            for added in extra:
                if all(ln["line_id"] != added["line_id"] for ln in lines):
                    lines.append(added)
            if rng.random() < 0.15:  # an earlier line of the encounter, sometimes resent
                earlier = dict(line, line_id=line["line_id"] if rng.random() < 0.5 else f"H{k}")
                earlier.pop("main_line_id", None)
                history.append(earlier)
        out.append({
            "bill_id": f"M{b:06d}", "hospital": {"fixmedins_code": hospital, "grade": grade.value}
            if rng.random() < 0.85 else rng.choice([{"fixmedins_code": hospital}, {}]),
            "patient": {"birth_date": birth.isoformat(), "sex": rng.choice("MFMFMF9")},
            "encounter": ({"type": "inpatient", "admitted_on": admitted.isoformat(),
                           "discharged_on": (admitted + dt.timedelta(days=stay)).isoformat()}
                          if rng.random() < 0.7 else {"type": "outpatient"}),
            "lines": lines, "history": history})
    return out


def write_month(catalog: Catalog, path: Path, lines: int, seed: int = 14, violation_rate: float = 0.05,
                row_group: int = 1 << 20) -> int:
    """Write about `lines` flat lines to Parquet; returns the number written."""
    rng = np.random.default_rng(seed)
    items = [i for i in _items(catalog, MONTH) if not i.self_priced]
    clean = [i for i in items if not i.rules]  # priced items whose only rule is their price
    with_rules = [i for i in items if i.rules]
    writer: pq.ParquetWriter | None = None
    written, bill_no = 0, 0
    while written < lines:
        n_bills = max(1, min(20_000, (lines - written) // 30 + 1))
        table = _bills_batch(rng, clean, with_rules, n_bills, bill_no, violation_rate)
        if written + table.num_rows > lines:
            table = _cut_at_bill(table, lines - written)
        if writer is None:
            writer = pq.ParquetWriter(path, table.schema, compression="zstd")
        writer.write_table(table, row_group_size=row_group)
        written += table.num_rows
        bill_no += n_bills
    if writer is not None:
        writer.close()
    return written


def _cut_at_bill(table: pa.Table, rows: int) -> pa.Table:
    ids = table.column("bill_id").to_pylist()
    cut = rows
    while 0 < cut < len(ids) and ids[cut] == ids[cut - 1]:
        cut += 1
    return table.slice(0, cut)


def _bills_batch(rng: np.random.Generator, clean: list, with_rules: list, n_bills: int, first_bill: int,
                 violation_rate: float) -> pa.Table:
    hospital = rng.integers(0, len(HOSPITALS), n_bills)
    grade = np.array([HOSPITALS[h][1].value for h in hospital])
    inpatient = rng.random(n_bills) < 0.6
    admitted = rng.integers(0, 20, n_bills)
    stay = np.where(inpatient, rng.integers(1, 10, n_bills), 0)
    # inpatient bills of 10–80 lines over their stay, outpatient visits of 5–30 lines in a day
    sizes = np.where(inpatient, np.minimum(rng.integers(10, 81, n_bills), 30 * (stay + 1)), rng.integers(5, 31, n_bills))
    total = int(sizes.sum())
    bill_of_line = np.repeat(np.arange(n_bills), sizes)
    child = rng.random(n_bills) < 0.1
    age_days = np.where(child, rng.integers(400, 6 * 365, n_bills), rng.integers(20 * 365, 85 * 365, n_bills))
    sex = np.where(rng.random(n_bills) < 0.5, "M", "F")
    start = np.datetime64(MONTH)
    admitted_day = start + admitted.astype("timedelta64[D]")
    birth = admitted_day - age_days.astype("timedelta64[D]")

    broken = rng.random(total) < violation_rate
    kind = rng.integers(0, 6, total)
    offset = rng.integers(0, 1 << 30, total) % (stay[bill_of_line] + 1)
    # A bill charges an item at most once a day (as hospitals do: a second unit is a larger
    # quantity): items taken in turn from a rotation of the rule-free items, per bill and day.
    order = np.lexsort((np.arange(total), offset, bill_of_line))
    day_key = bill_of_line[order] * 64 + offset[order]
    group_start = np.r_[0, np.flatnonzero(np.diff(day_key)) + 1]
    rank_sorted = np.arange(total) - np.repeat(group_start, np.diff(np.r_[group_start, total]))
    rank = np.empty(total, dtype=np.int64)
    rank[order] = rank_sorted
    pick = (rng.integers(0, len(clean), n_bills)[bill_of_line] + offset * 7 + rank) % len(clean)
    uses_rule_item = broken & (kind == 3)
    pool = clean + with_rules
    item_index = np.where(uses_rule_item, len(clean) + rng.integers(0, len(with_rules), total), pick)
    line_no = np.arange(total) - np.repeat(np.cumsum(sizes) - sizes, sizes) + 1
    # the same line twice: a copy of the bill's previous line (same item, day, quantity, price)
    twice = broken & (kind == 5) & (line_no > 1)
    source = np.where(twice, np.arange(total) - 1, np.arange(total))
    item_index, offset = item_index[source], offset[source]
    codes = np.array([i.code for i in pool])[item_index]
    names = np.array([i.name for i in pool])[item_index]
    units = np.array([i.unit for i in pool])[item_index]
    # the standard unit price in cents per item, grade and child/adult, as the engine reckons it
    cents = np.array([[[_cents(i, g, child) for child in (False, True)] for g in Grade] for i in pool], dtype=np.int64)
    line_grade = grade[bill_of_line]
    grade_index = np.array([list(Grade).index(g) for _, g in HOSPITALS])[hospital][bill_of_line]
    price = cents[item_index, grade_index, child[bill_of_line].astype(int)]
    price = np.where(broken & (kind == 0), price * 11 // 10 + 1, price)  # over the standard
    amount = np.where(broken & (kind == 1), price + 100, price)  # amount ≠ quantity × price
    offset = np.where(broken & (kind == 2) & inpatient[bill_of_line], -2, offset)  # before admission
    day = admitted_day[bill_of_line] + offset.astype("timedelta64[D]")
    names = np.where(broken & (kind == 4), names[rng.permutation(total)], names)  # another item's name
    bill_ids = np.char.add("B", (first_bill + bill_of_line).astype(str))
    encounter = np.where(inpatient, "inpatient", "outpatient")
    discharged = admitted_day + stay.astype("timedelta64[D]")
    return pa.table({
        "bill_id": pa.array(bill_ids),
        "fixmedins_code": pa.array(np.array([h for h, _ in HOSPITALS])[hospital][bill_of_line]),
        "hospital_grade": pa.array(line_grade),
        "birth_date": pa.array(birth[bill_of_line]).cast(pa.date32()),
        "sex": pa.array(sex[bill_of_line]),
        "encounter_type": pa.array(encounter[bill_of_line]),
        "admitted_on": pa.array(np.where(inpatient, admitted_day, np.datetime64("NaT"))[bill_of_line]).cast(pa.date32()),
        "discharged_on": pa.array(np.where(inpatient, discharged, np.datetime64("NaT"))[bill_of_line]).cast(pa.date32()),
        "line_id": pa.array(line_no.astype(str)),
        "code": pa.array(codes),
        "name": pa.array(names),
        "service_date": pa.array(day).cast(pa.date32()),
        "quantity": pa.array([Decimal(1)] * total, pa.decimal128(18, 4)),
        "unit": pa.array(units),
        "unit_price": _money(price),
        "amount": _money(amount),
    })


def _cents(item, grade: Grade, child: bool) -> int:
    price = item.price_for(grade)
    if child and item.child_markup.eligible:
        price = child_price(price)
    return int(price * 100)


def _money(cents: np.ndarray) -> pa.Array:
    return pc.multiply(pa.array(cents).cast(pa.decimal128(20, 0)), pa.scalar(Decimal("0.01"))).cast(pa.decimal128(18, 4))
