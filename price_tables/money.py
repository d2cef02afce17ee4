"""Money: parsing price cells and the one rounding rule for children's prices."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CHILD_MARKUP_RATE = Decimal("1.3")
_TENTH = Decimal("0.1")
_YUAN = Decimal("1")
_TWENTY = Decimal("20")
CENT = Decimal("0.01")
#: The largest price a table may state: ten million yuan.  Anything above is a typo or an
#: attack, and it keeps every price within the database column (NUMERIC(14, 2)).
MAX_PRICE = Decimal("10000000")


def round_child_price(amount: Decimal) -> Decimal:
    """Round a child price as Zhejiang has since 2017: half-up to 0.1 yuan when the result is
    20 yuan or less, and to whole yuan above 20.

    "The result" is read as the unrounded price: 15.4 × 1.3 = 20.02 is above 20 and becomes 20.
    """
    step = _TENTH if amount <= _TWENTY else _YUAN
    return amount.quantize(step, rounding=ROUND_HALF_UP)


def child_price(adult_price: Decimal) -> Decimal:
    """The price for a child of 6周岁 or under: adult price × 1.3, rounded by `round_child_price`.

    A markup never lowers a price: below 0.34 yuan, rounding to 0.1 could fall under the adult
    price (0.11 × 1.3 = 0.143 → 0.1), and then the adult price stands.
    """
    return max(round_child_price(adult_price * CHILD_MARKUP_RATE), adult_price)


def parse_money(text: str) -> Decimal:
    """A price cell as Decimal; raises ValueError with the reason when it is not a positive amount."""
    cleaned = text.strip().replace(",", "").replace("，", "")
    if cleaned.endswith("元"):
        cleaned = cleaned[:-1]
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(f"不是金额: {text!r}") from None
    if not value.is_finite():
        raise ValueError(f"不是金额: {text!r}")
    if value <= 0:
        raise ValueError(f"价格必须大于0: {text!r}")
    if value > MAX_PRICE:
        raise ValueError(f"价格超过上限 {MAX_PRICE:,} 元: {text[:30]!r}")
    if value != value.quantize(CENT):
        raise ValueError(f"价格最多两位小数: {text!r}")
    return value


def to_cents(amount: Decimal) -> Decimal:
    """Money for display and comparison: two decimal places, half-up."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)
