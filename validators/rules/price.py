"""Is the unit price within the standard, and does the amount add up?"""

from __future__ import annotations

from decimal import Decimal

from price_tables.grades import Grade
from price_tables.item_rules import DurationTier
from price_tables.models import Item
from price_tables.money import child_price
from validators.context import BillContext, Judged
from validators.findings import Result
from validators.spec import RuleDoc, RuleSpec, cents, count, yuan


def standard_unit_price(line: Judged, grade: Grade) -> Decimal | None:
    """The highest unit price the line may charge; None if self-priced.

    Order: the grade's price, then the duration tier (大于4小时按1500元), then the children's
    markup for an eligible item when the patient is at most its age on the service date.
    """
    return _standard(line.item, line.line.duration_hours, line.age, grade, explain=None)


def _standard(item: Item, hours: Decimal | None, age: int, grade: Grade, explain: list[str] | None) -> Decimal | None:
    price = item.price_for(grade)
    if price is None:
        return None
    if explain is not None:
        explain.append(f"{grade.label}{yuan(price)}元")
    if hours is not None:
        for tier in item.rules_of("duration_price"):
            if hours > tier.over_hours:
                price = tier.price
                if explain is not None:
                    explain.append(f"时长{count(hours)}小时＞{count(tier.over_hours)}小时按{yuan(price)}元")
    if item.child_markup.eligible and age <= item.child_markup.max_age:
        price = child_price(price)
        if explain is not None:
            explain.append(f"{age}周岁儿童加收30%为{yuan(price)}元")
    return price


def explain_standard(line: Judged, grade: Grade) -> str:
    """How the standard price was reached, for the finding's message."""
    steps: list[str] = []
    _standard(line.item, line.line.duration_hours, line.age, grade, explain=steps)
    return "，".join(steps)


def _price_basis_text(line: Judged) -> str:
    item = line.item
    p = item.prices
    if item.single_price:
        text = f"{item.name} {_listed(p.grade_3a)}元/{item.unit}"
    else:
        text = (f"{item.name} 三甲{_listed(p.grade_3a)}、三乙{_listed(p.grade_3b)}、"
                f"二级及以下{_listed(p.grade_2_or_below)}元/{item.unit}")
    if item.child_markup.eligible:
        text += f"；{item.child_markup.basis}"
    return text


def _listed(price: Decimal | None) -> str:
    """A listed price (a self-priced item lists none and never reaches the price check)."""
    return "—" if price is None else yuan(price)


def _grade_prices(item: Item, grade: Grade) -> tuple[Decimal | None, Decimal | None, int, bool]:
    """(adult price, child price or None, child age limit, priced by duration) of an item for a
    grade: the same for every line of the item, so worked out once per catalog snapshot."""
    adult = item.price_for(grade)
    child = child_price(adult) if adult is not None and item.child_markup.eligible else None
    return adult, child, item.child_markup.max_age, bool(item.rules_of("duration_price"))


def _price_above(spec: RuleSpec, ctx: BillContext):
    grade = ctx.grade
    memo = ctx.catalog.memo.setdefault(("PRICE_ABOVE_STANDARD", grade), {})  # id(item) → its prices
    texts = ctx.catalog.memo.setdefault("PRICE_ABOVE_STANDARD", {})  # id(item) → the prices as printed
    for line in ctx.judged():
        item = line.item
        prices = memo.get(id(item))
        if prices is None:
            prices = memo[id(item)] = _grade_prices(item, grade)
        adult, child, child_age, by_duration = prices
        if by_duration and line.line.duration_hours is not None:
            expected = _standard(item, line.line.duration_hours, line.age, grade, None)
        elif child is not None and line.age <= child_age:
            expected = child
        else:
            expected = adult
        charged = line.line.unit_price
        if expected is not None and charged > expected:
            how = explain_standard(line, ctx.grade)
            if not ctx.grade_known:
                how = "医院等级未知，按最高的" + how
            over = (charged - expected) * line.line.quantity
            yield spec.finding(
                [line], f"{line.label()}单价{yuan(charged)}元，超过标准{yuan(expected)}元（{how}），"
                        f"超出{yuan(charged - expected)}元×{count(line.line.quantity)}={yuan(over)}元",
                ctx.basis(line, texts.get(id(item)) or texts.setdefault(id(item), _price_basis_text(line))),
                expected=expected, charged=charged, at_risk=over)


def _amount_mismatch(spec: RuleSpec, ctx: BillContext):
    for line in ctx.lines:
        amount = line.line.amount
        if amount is None:
            continue
        computed = line.line.quantity * line.line.unit_price
        if amount != computed and cents(amount) != cents(computed):
            yield spec.finding(
                [line], f"{line.label()}金额{yuan(amount)}元，不等于数量{count(line.line.quantity)}×"
                        f"单价{yuan(line.line.unit_price)}={yuan(computed)}元",
                ctx.basis(line, "金额＝数量×单价"), expected=computed, charged=amount, at_risk=amount - computed)


def _tier_mismatch(spec: RuleSpec, ctx: BillContext):
    memo = ctx.catalog.memo
    for line in ctx.judged_with("duration_tier"):
        hours = line.line.duration_hours
        for tier in line.item.rules_of("duration_tier"):
            if hours is None:
                key = ("DURATION_TIER_MISMATCH", id(tier))
                asks = memo.get(key)
                if asks is None:
                    asks = memo[key] = (f"按名称为{tier.label}档（服务时长{tier.range_text()}），明细未注明服务时长"
                                        f"（duration_hours），须有记录证明时长")
                yield spec.finding([line], line.label() + asks, ctx.basis(line, tier.basis), charged=line.charged,
                                   at_risk=line.charged, result=Result.SUSPECT)
            elif not tier.contains(hours):
                yield _wrong_tier(spec, ctx, line, tier, hours)


def _wrong_tier(spec: RuleSpec, ctx: BillContext, line: Judged, tier: DurationTier, hours: Decimal):
    """The tier that fits the hours given (a sibling in the tables, or none), and the difference."""
    charged = line.line.unit_price
    given = f"{line.label()}服务时长{count(hours)}小时，不在本档{tier.label}（{tier.range_text()}）内"
    for code in tier.siblings:
        entry = ctx.catalog.entry_on(code, line.day)
        fits = entry is not None and any(t.contains(hours) for t in entry.item.rules_of("duration_tier"))
        if entry is None or not fits:
            continue
        expected = _standard(entry.item, hours, line.age, ctx.grade, None)
        if expected is None:
            continue
        over = max(charged - expected, Decimal(0)) * line.line.quantity
        return spec.finding(
            [line], f"{given}，应按{entry.item.name}（{code}）收费{yuan(expected)}元，"
                    f"{'多收' + yuan(over) + '元' if over else '该档价格不低于本档，未多收'}",
            ctx.basis(line, tier.basis), expected=expected, charged=charged, at_risk=over)
    return spec.finding(
        [line], f"{given}；已加载的价格表中没有该时长的档次，本条{yuan(line.charged)}元不应按此档收费",
        ctx.basis(line, tier.basis), charged=charged, at_risk=line.charged)


PRICE_ABOVE_STANDARD = RuleSpec(
    "PRICE_ABOVE_STANDARD", "GZ10000102001000", "医疗服务项目超限定单价收费", Result.VIOLATION, _price_above,
    doc=RuleDoc(catches="a unit price above the grade's price after child markup and duration tier "
                        "(人工全髋关节置换术 at 4592 in a 三乙 hospital)",
                clean="the grade's price or less (政府指导价 is a ceiling)"))
DURATION_TIER_MISMATCH = RuleSpec(
    "DURATION_TIER_MISMATCH", None, "名称所示时长档次与服务时长不符", Result.VIOLATION, _tier_mismatch,
    doc=RuleDoc(catches="a duration tier whose range does not hold `duration_hours` (介入治疗的超声心动图监视加收(≥2小时) "
                        "for 1.7 hours: the (1.5小时) tier fits, the difference is at risk; no tier in the tables fits: "
                        "the line is); without `duration_hours` a suspect asking for the record",
                clean="`duration_hours` on every tiered line, inside the tier charged"))
AMOUNT_MISMATCH = RuleSpec(
    "AMOUNT_MISMATCH", "GZ10000201002000", "结算明细金额不等于数量×单价", Result.VIOLATION, _amount_mismatch,
    doc=RuleDoc(catches="an amount ≠ quantity × unit price",
                clean="amount = quantity × unit price (to the cent), or no amount"))
