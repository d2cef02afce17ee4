"""How often, and how much: counts per day / hour / admission / course / week / site / line,
and money caps per course or per consumable.  Earlier lines (`history`) count toward the
limits; only this bill's lines are reported."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable
from decimal import Decimal

from price_tables.item_rules import FrequencyCap, MoneyCap
from validators.context import AnyLine, BillContext, Judged
from validators.findings import ZERO, Result
from validators.spec import RuleDoc, RuleSpec, count, yuan

_GROUP_KEYS: dict[str, Callable[[BillContext, AnyLine], Hashable]] = {
    "day": lambda ctx, ln: ln.day,
    "admission": lambda ctx, ln: "",
    "course": lambda ctx, ln: ctx.course_of(ln),
    "week": lambda ctx, ln: tuple(ln.day.isocalendar())[:2],
    "month": lambda ctx, ln: (ln.day.year, ln.day.month),
}


def _period_words(cap: FrequencyCap, ctx: BillContext, line: AnyLine) -> str:
    if cap.per == "day":
        return f"{line.day}"
    if cap.per == "course":
        return f"疗程{ctx.course_of(line) or '（未分疗程）'}"
    if cap.per == "week":
        year, week, _ = line.day.isocalendar()
        return f"{year}年第{week}周"
    if cap.per == "month":
        return f"{line.day.year}年{line.day.month}月"
    return "本次住院" if ctx.bill.encounter.type == "inpatient" else "本次就诊"


def _same_code(ctx: BillContext, code: str) -> list[AnyLine]:
    return sorted(ctx.with_code(code), key=lambda ln: (ln.day, ln.order))


def _over_in_groups(lines: Iterable[AnyLine], limit: Decimal, key) -> Iterable[tuple[AnyLine, Decimal, Decimal]]:
    """(bill line, units of it beyond the limit, group total) walking each group in date order."""
    totals: dict[Hashable, Decimal] = defaultdict(lambda: ZERO)
    group_total: dict[Hashable, Decimal] = defaultdict(lambda: ZERO)
    lines = list(lines)
    for line in lines:
        group_total[key(line)] += line.line.quantity
    for line in lines:
        k = key(line)
        before = totals[k]
        totals[k] = before + line.line.quantity
        over = max(ZERO, totals[k] - limit) - max(ZERO, before - limit)
        if over > 0 and not line.in_history:
            yield line, over, group_total[k]


def _capped_codes(ctx: BillContext, kind: str) -> dict[str, Judged]:
    """Each code billed on this bill whose item has rules of `kind`, and its latest bill line."""
    latest: dict[str, Judged] = {}
    for line in ctx.judged_with(kind):
        latest[line.code] = line
    return latest


def _frequency(spec: RuleSpec, ctx: BillContext):
    for code, reference in _capped_codes(ctx, "frequency_cap").items():
        item = reference.item
        same = ctx.with_code(code)
        if len(same) == 1:  # the usual case: one line of the code, nothing to sort or count across
            lines, quantity = same, same[0].line.quantity
        else:
            lines, quantity = [ln for ln in _same_code(ctx, code) if ln.entry is not None], None
        first_session = item.rules_of("subsequent_session")
        for cap in item.rules_of("frequency_cap"):
            if quantity is not None and cap.per in _GROUP_KEYS and quantity <= cap.max_count:
                continue
            yield from _check_cap(spec, ctx, cap, lines, first_session)


def _check_cap(spec, ctx, cap: FrequencyCap, lines: list[AnyLine], first_session) -> Iterable:
    limit = Decimal(cap.max_count)
    if cap.per in _GROUP_KEYS:
        key_of = _GROUP_KEYS[cap.per]
        for line, over, total in _over_in_groups(lines, limit, lambda ln: key_of(ctx, ln)):
            hint = ""
            if first_session and cap.per == "course" and first_session[0].first_code == line.code:
                hint = f"；第二次起应按编码{first_session[0].subsequent_code}收费"
            yield spec.finding(
                [line], f"{line.label()}{_period_words(cap, ctx, line)}共收费{count(total)}次，"
                        f"超过“{cap.describe()}”的限定，本条超出{count(over)}次{hint}",
                ctx.basis(line, cap.basis), charged=line.charged, at_risk=over * line.line.unit_price)
    elif cap.per in ("line", "hour"):
        for line in lines:
            allowed = None if line.in_history else _units_allowed_on(line, cap)
            if allowed is not None and line.line.quantity > allowed:
                over = line.line.quantity - allowed
                yield spec.finding(
                    [line], _per_line_message(line, cap, allowed, over),
                    ctx.basis(line, cap.basis), charged=line.charged, at_risk=over * line.line.unit_price)
    elif cap.per == "site":
        yield from _site_weeks(spec, ctx, cap, lines)


def _units_allowed_on(line: AnyLine, cap: FrequencyCap) -> Decimal | None:
    """Units one line may carry: `max_count` per line, or per hour of the duration given (None
    when the line gives no duration: nothing to hold it against)."""
    if cap.per == "line":
        return Decimal(cap.max_count)
    hours = line.line.duration_hours
    return None if hours is None else Decimal(math.ceil(hours)) * cap.max_count


def _per_line_message(line: AnyLine, cap: FrequencyCap, allowed: Decimal, over: Decimal) -> str:
    quantity = count(line.line.quantity)
    if cap.per == "line":
        return f"{line.label()}本条数量{quantity}，超过{cap.describe()}，超出{count(over)}个计价单位不得收费"
    hours = line.line.duration_hours or Decimal(0)
    return (f"{line.label()}按小时计价，服务时长{count(hours)}小时最多{count(allowed)}小时，"
            f"收费{quantity}小时，超出{count(over)}小时")


def _site_weeks(spec, ctx: BillContext, cap: FrequencyCap, lines: list[AnyLine]):
    """同一部位最多不超过N周: weeks (ISO) in which a site was charged, counted per site."""
    weeks_by_site: dict[str, list[tuple]] = defaultdict(list)
    for line in lines:
        week = tuple(line.day.isocalendar())[:2]
        site = line.line.body_site or ""
        if week not in weeks_by_site[site]:
            weeks_by_site[site].append(week)
    for line in lines:
        if line.in_history:
            continue
        site = line.line.body_site or ""
        weeks = sorted(weeks_by_site[site])
        week = tuple(line.day.isocalendar())[:2]
        if weeks.index(week) >= cap.max_count:
            yield spec.finding(
                [line], f"{line.label()}部位“{site or '未注明'}”已累计计费{len(weeks)}周，{cap.describe()}，"
                        f"{line.day}所在周超出",
                ctx.basis(line, cap.basis), charged=line.charged, at_risk=line.charged)


def _money_caps(spec: RuleSpec, ctx: BillContext):
    seen: set[tuple] = set()
    for _, reference in _capped_codes(ctx, "money_cap").items():
        for cap in reference.item.rules_of("money_cap"):
            key = (cap.codes, cap.max_amount, cap.per)
            if key in seen:
                continue
            seen.add(key)
            yield from _check_money_cap(spec, ctx, cap)
    yield from _consumable_caps(spec, ctx)


def _check_money_cap(spec: RuleSpec, ctx: BillContext, cap: MoneyCap):
    lines = sorted((ln for code in cap.codes for ln in ctx.with_code(code)), key=lambda ln: (ln.day, ln.order))
    spent: dict[Hashable, Decimal] = defaultdict(lambda: ZERO)
    for line in lines:
        group = ctx.course_of(line) if cap.per == "course" else ""
        before = spent[group]
        spent[group] = before + line.charged
        over = max(ZERO, spent[group] - cap.max_amount) - max(ZERO, before - cap.max_amount)
        if over > 0 and not line.in_history:
            yield spec.finding(
                [line], f"{line.label()}疗程{group or '（未分疗程）'}累计收费{yuan(spent[group])}元，"
                        f"超过“{cap.describe()}”，本条超出{yuan(over)}元",
                ctx.basis(line, cap.basis), expected=cap.max_amount, charged=line.charged, at_risk=over)


def _consumable_caps(spec: RuleSpec, ctx: BillContext):
    attached_lines = [ln for ln in ctx.lines if ln.line.main_line_id is not None]
    if not attached_lines:
        return
    by_id = {ln.id: ln for ln in ctx.lines}
    consumables: dict[str, list[AnyLine]] = defaultdict(list)
    for line in attached_lines:
        if line.line.main_line_id in by_id:
            consumables[line.line.main_line_id].append(line)
    for main_id, attached in consumables.items():
        main = by_id[main_id]
        if main.entry is None:
            continue
        for cap in main.item.rules_of("consumable_cap"):
            total = ZERO
            for line in attached:
                purchase = line.line.purchase_price
                if purchase is not None and line.line.unit_price > purchase:
                    over = (line.line.unit_price - purchase) * line.line.quantity
                    yield spec.finding(
                        [line, main], f"{cap.consumable}应按采购价加收：单价{yuan(line.line.unit_price)}元高于"
                                      f"采购价{yuan(purchase)}元，超出{yuan(over)}元",
                        ctx.basis(main, cap.basis), expected=purchase, charged=line.line.unit_price,
                        at_risk=over, risk_line=line)
                before = total
                total += line.charged
                over = max(ZERO, total - cap.max_amount) - max(ZERO, before - cap.max_amount)
                if over > 0:
                    yield spec.finding(
                        [line, main], f"{main.label()}的{cap.consumable}加收合计{yuan(total)}元，"
                                      f"超过最高{yuan(cap.max_amount)}元，超出{yuan(over)}元",
                        ctx.basis(main, cap.basis), expected=cap.max_amount, charged=total,
                        at_risk=over, risk_line=line)


FREQUENCY_EXCEEDED = RuleSpec(
    "FREQUENCY_EXCEEDED", "GZ10000102014000", "医疗服务项目超限定频次收费", Result.VIOLATION, _frequency,
    doc=RuleDoc(catches="over a cap per day, hour, admission, course, week, month, site or line, stated in a 备注 or "
                        "by the 计价单位 (疗程: once a course; 次/月, 月: once a calendar month; 周: once an ISO week; "
                        "小时: the hours given); a first-session code twice in a course",
                clean="counts within every cap (呼气末二氧化碳分压测定 at most twice a day; 家庭腹膜透析治疗管理 once "
                      "a month)"))
TOTAL_CAP_EXCEEDED = RuleSpec(
    "TOTAL_CAP_EXCEEDED", "GZ10000102015000", "超疗程或耗材限定金额收费", Result.VIOLATION, _money_caps,
    doc=RuleDoc(catches="money over a cap per course, or per consumable (一次性超声刀头 ≤ 2500, at purchase price)",
                clean="a course's total within its cap; consumables at purchase price and within their cap"))
