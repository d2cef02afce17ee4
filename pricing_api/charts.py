"""Charts drawn on the server as SVG geometry (the pages allow no inline script or style, and
load nothing from elsewhere): the template only places the bars computed here."""

from __future__ import annotations

from decimal import Decimal

BAR_AREA = 420  # px for the longest bar
ROW = 34  # px per item: two bars of 12 and a gap


def impact_chart(per_item: list[dict], top: int = 12) -> dict:
    """Bars per item, money at standard prices before (published) and after (draft)."""
    rows = per_item[:top]
    largest = max((max(Decimal(r["before"]), Decimal(r["after"])) for r in rows), default=Decimal(0))
    scale = Decimal(BAR_AREA) / largest if largest > 0 else Decimal(0)
    bars = [{"code": r["code"], "name": r["name"], "before": r["before"], "after": r["after"], "delta": r["delta"],
             "y": i * ROW, "before_width": int(Decimal(r["before"]) * scale), "after_width": int(Decimal(r["after"]) * scale)}
            for i, r in enumerate(rows)]
    return {"bars": bars, "height": max(ROW, len(bars) * ROW), "label_width": 220, "bar_area": BAR_AREA,
            "width": 220 + BAR_AREA + 140}
