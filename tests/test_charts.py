"""Bar charts drawn as SVG geometry: heights in proportion, nothing drawn for nothing."""

from __future__ import annotations

from decimal import Decimal

from pricing_api.charts import horizontal_bars, stacked_columns


def test_stacked_columns_share_one_scale_and_stack_in_order():
    chart = stacked_columns([("2021-09", [("confirmed", "成立", 6), ("false_positive", "误报", 2)]),
                             ("2021-10", [("confirmed", "成立", 2), ("false_positive", "误报", 0)])], height=180)
    september = [b for b in chart.bars if b.title.startswith("2021-09")]
    october = [b for b in chart.bars if b.title.startswith("2021-10")]
    assert [b.kind for b in september] == ["confirmed", "false_positive"] and len(october) == 1  # no zero-height bar
    full = sum(b.height for b in september)
    assert abs(full - 144) < 0.5  # the largest total fills the plot (180 − 14 − 22)
    assert abs(october[0].height - full / 4) < 0.5
    assert september[1].y + september[1].height == september[0].y  # stacked on top
    assert "2021-09共8条" in chart.summary


def test_horizontal_bars_in_proportion_and_an_empty_chart():
    chart = horizontal_bars([("价格超标", Decimal("1000.00")), ("超频次", Decimal("250.00"))])
    assert chart.bars[1].width * 4 == chart.bars[0].width
    empty = stacked_columns([("2021-09", [("confirmed", "成立", 0)])])
    assert empty.bars == [] and empty.summary == "没有数据"
