"""Catalogs for benchmarks: the real bundled tables, and a generated one of any size.

The generated catalog is synthetic load, not price data: names are built from the real
names' characters, codes are numbered, prices are arbitrary.  It never reaches the database.
"""

from __future__ import annotations

import random
from decimal import Decimal

from price_tables.catalog import Catalog, NoticeVersion
from price_tables.loader import bundled_notices
from price_tables.models import Notice


def real_catalog() -> Catalog:
    return Catalog.of(NoticeVersion(i + 1, n, i + 1) for i, n in enumerate(bundled_notices()))


def generated_catalog(size: int = 10_000, seed: int = 7) -> Catalog:
    rng = random.Random(seed)
    real = [i for n in bundled_notices() for i in n.items if not i.self_priced]
    template = bundled_notices()[1]
    items = []
    for k in range(size):
        base = rng.choice(real)
        name = "".join(rng.sample(base.name, len(base.name))) + str(k % 97)
        price = Decimal(rng.randint(5, 20000))
        items.append(base.model_copy(update={
            "code": f"9{k:010d}", "name": name,
            "prices": base.prices.model_copy(update={"grade_3a": price, "grade_3b": price, "grade_2_or_below": price}),
        }))
    notice = Notice(meta=template.meta, items=tuple(items))
    return Catalog.of([NoticeVersion(1, notice, 1)])
