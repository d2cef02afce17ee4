from decimal import Decimal

import pytest

from price_tables.money import child_price, parse_money, percent_change, round_child_price


@pytest.mark.parametrize(("adult", "child"), [
    ("5", "6.5"),          # 5 × 1.3 = 6.5, to 0.1 yuan
    ("7", "9.1"),
    ("13.5", "17.6"),      # 17.55 rounds half-up to 17.6
    ("15.38", "20.0"),     # 19.994 is ≤ 20: to 0.1 yuan
    ("15.4", "20"),        # 20.02 is above 20: to whole yuan
    ("18", "23"),          # 23.4 → 23
    ("4592", "5970"),      # 5969.6 → 5970
    ("764", "993"),        # 993.2 → 993
    ("382", "497"),        # 496.6 → 497
])
def test_child_price_is_adult_times_1_3_rounded_by_the_provincial_rule(adult, child):
    assert child_price(Decimal(adult)) == Decimal(child)


def test_rounding_is_half_up_not_bankers():
    assert round_child_price(Decimal("6.25")) == Decimal("6.3")
    assert round_child_price(Decimal("22.5")) == Decimal("23")


@pytest.mark.parametrize("bad", ["abc", "-5", "0", "1.234", "NaN", "Infinity", ""])
def test_parse_money_refuses_what_is_not_a_positive_amount(bad):
    with pytest.raises(ValueError):
        parse_money(bad)


def test_parse_money_accepts_a_yuan_suffix_and_thousands_separator():
    assert parse_money("1,500元") == Decimal("1500")


def test_the_markup_never_lowers_a_tiny_price():
    assert child_price(Decimal("0.11")) == Decimal("0.11")   # 0.143 would round to 0.1


@pytest.mark.parametrize(("old", "new", "percent"), [
    ("4592", "4800", "4.5"),      # 208 / 4592 = 4.53 %
    ("3254", "3400", "4.5"),      # 4.487 % rounds half-up
    ("100", "99.95", "-0.1"),     # -0.05 % rounds away from zero at the half
    ("2746", "2746", "0.0"),
])
def test_a_price_change_in_percent_has_one_decimal_half_up(old, new, percent):
    assert percent_change(Decimal(old), Decimal(new)) == Decimal(percent)
