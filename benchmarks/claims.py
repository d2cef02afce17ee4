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

MONTH = dt.date(2022, 3, 1)
HOSPITALS = [(f"H33080{k:04d}", grade) for k, grade in enumerate(
    [Grade.GRADE_3A] * 3 + [Grade.GRADE_3B] * 3 + [Grade.GRADE_2_OR_BELOW] * 6)]


def _items(catalog: Catalog, on: dt.date):
    return [e.item for code in catalog.codes() if (e := catalog.entry_on(code, on)) is not None]


def tripping_bills(catalog: Catalog, bills: int, seed: int = 14) -> list[dict]:
    """Random bills that, together, trip every rule of the registry."""
    rng = random.Random(seed)
    codes = catalog.codes()
    names = [catalog.latest(c).item.name for c in codes] + ["呼吸机辅助呼吸", "小肠镜检查", "腹腔镜手术", "气管镜检查", ""]
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
            for field, values in (("duration_hours", ["0.5", "1", "1.5", "2", "4.5", "6", "30"]), ("course_id", ["C1", "C2"]),
                                  ("body_site", ["左膝", "腰", "颈"]), ("consent_signed", [True, False])):
                if rng.random() < 0.3:
                    line[field] = rng.choice(values)
            if lines and rng.random() < 0.08:
                line["main_line_id"] = rng.choice(lines)["line_id"]
                line["purchase_price"] = str(Decimal(line["unit_price"]) * rng.choice([Decimal("0.8"), Decimal(1)]))
            if any(ln["line_id"] == line["line_id"] for ln in lines):
                line["line_id"] += "x"
            lines.append(line)
            if rng.random() < 0.15:  # an earlier line of the encounter, sometimes resent
                earlier = dict(line, line_id=line["line_id"] if rng.random() < 0.5 else f"H{k}")
                earlier.pop("main_line_id", None)
                history.append(earlier)
        out.append({
            "bill_id": f"M{b:06d}", "fixmedins_code": hospital, "hospital": {"grade": grade.value},
            "patient": {"birth_date": birth.isoformat(), "sex": rng.choice("MF")},
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
        n_bills = max(1, min(20_000, (lines - written) // 45 + 1))
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
    sizes = rng.integers(10, 81, n_bills)
    total = int(sizes.sum())
    bill_of_line = np.repeat(np.arange(n_bills), sizes)
    hospital = rng.integers(0, len(HOSPITALS), n_bills)
    grade = np.array([HOSPITALS[h][1].value for h in hospital])
    inpatient = rng.random(n_bills) < 0.6
    admitted = rng.integers(0, 20, n_bills)
    stay = np.where(inpatient, rng.integers(1, 10, n_bills), 0)
    child = rng.random(n_bills) < 0.1
    age_days = np.where(child, rng.integers(400, 6 * 365, n_bills), rng.integers(20 * 365, 85 * 365, n_bills))
    sex = np.where(rng.random(n_bills) < 0.5, "M", "F")
    start = np.datetime64(MONTH)
    admitted_day = start + admitted.astype("timedelta64[D]")
    birth = admitted_day - age_days.astype("timedelta64[D]")

    pick = rng.integers(0, len(clean), total)
    broken = rng.random(total) < violation_rate
    kind = rng.integers(0, 5, total)
    uses_rule_item = broken & (kind == 3)
    pool = clean + with_rules
    item_index = np.where(uses_rule_item, len(clean) + rng.integers(0, len(with_rules), total), pick)
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
    offset = rng.integers(0, 1 << 30, total) % (stay[bill_of_line] + 1)
    offset = np.where(broken & (kind == 2) & inpatient[bill_of_line], -2, offset)  # before admission
    day = admitted_day[bill_of_line] + offset.astype("timedelta64[D]")
    names = np.where(broken & (kind == 4), names[rng.permutation(total)], names)  # another item's name
    line_no = np.arange(total) - np.repeat(np.cumsum(sizes) - sizes, sizes) + 1
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
