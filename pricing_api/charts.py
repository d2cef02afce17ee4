"""Bar charts as SVG geometry, for pages that must work without scripts from elsewhere (the pages'
CSP allows no inline script or style, and hospitals' networks often block CDNs).  Pure: numbers
in, rectangles out; the templates draw them with classes from app.css."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    kind: str  # the CSS class: which series
    title: str  # the tooltip: what the bar is, in words and numbers


@dataclass(frozen=True)
class Label:
    x: float
    y: float
    text: str
    anchor: str = "middle"


@dataclass
class Chart:
    width: int
    height: int
    bars: list[Bar] = field(default_factory=list)
    labels: list[Label] = field(default_factory=list)
    legend: list[tuple[str, str]] = field(default_factory=list)  # (kind, name)
    summary: str = ""  # the chart in one sentence, for screen readers


def stacked_columns(groups: list[tuple[str, list[tuple[str, str, int | Decimal]]]], *, width: int = 560,
                    height: int = 180, legend: list[tuple[str, str]] | None = None, unit: str = "条") -> Chart:
    """One column per group (e.g. a month), its segments stacked (e.g. 成立 / 不成立 / 误报).

    `groups`: [(label, [(kind, name, value), …]), …].  Columns share one scale: the largest
    total fills the plot's height.
    """
    chart = Chart(width, height, legend=legend or [])
    plot_top, plot_bottom, left = 14, height - 22, 8
    totals = [sum((v for _, _, v in segments), Decimal(0)) for _, segments in groups]
    top = max(totals, default=Decimal(0))
    if not groups or top <= 0:
        chart.summary = "没有数据"
        return chart
    slot = (width - left) / len(groups)
    column = min(48.0, slot * 0.7)
    scale = (plot_bottom - plot_top) / float(top)
    for index, ((label, segments), total) in enumerate(zip(groups, totals, strict=True)):
        x = left + index * slot + (slot - column) / 2
        y = float(plot_bottom)
        for kind, name, value in segments:
            if value <= 0:
                continue
            h = float(value) * scale
            y -= h
            chart.bars.append(Bar(round(x, 1), round(y, 1), round(column, 1), round(h, 1), kind,
                                  f"{label} {name} {value}{unit}"))
        chart.labels.append(Label(round(x + column / 2, 1), height - 6, label))
        chart.labels.append(Label(round(x + column / 2, 1), round(y - 3, 1), f"{total}"))
    chart.summary = "；".join(f"{label}共{total}{unit}" for (label, _), total in zip(groups, totals, strict=True))
    return chart


def horizontal_bars(rows: list[tuple[str, Decimal]], *, width: int = 560, row_height: int = 22, kind: str = "confirmed",
                    unit: str = "元") -> Chart:
    """One bar per row (e.g. money confirmed per rule), longest first as given."""
    label_width, gap = 200, 6
    chart = Chart(width, max(row_height * len(rows) + gap, row_height))
    top = max((v for _, v in rows), default=Decimal(0))
    if not rows or top <= 0:
        chart.summary = "没有数据"
        return chart
    span = width - label_width - 90
    for index, (label, value) in enumerate(rows):
        y = index * row_height + gap
        w = float(value) / float(top) * span if value > 0 else 0.0
        chart.labels.append(Label(label_width - 6, y + row_height * 0.65, label, "end"))
        if w:
            chart.bars.append(Bar(label_width, y, round(w, 1), row_height - 6, kind, f"{label} {value}{unit}"))
        chart.labels.append(Label(round(label_width + w + 4, 1), y + row_height * 0.65, f"{value}", "start"))
    chart.summary = "；".join(f"{label} {value}{unit}" for label, value in rows)
    return chart


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
