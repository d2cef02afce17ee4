"""Which items may be charged together: exclusions, duplicates (incl. what a 内涵 already
contains), add-ons without their base, later sessions without the first."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from price_tables.item_rules import FrequencyCap
from price_tables.models import Item
from validators.context import AnyLine, BillContext
from validators.findings import ZERO, Result
from validators.rules.identity import normalise
from validators.spec import RuleDoc, RuleSpec, count, yuan


def _names_match(line_name: str, wanted: str) -> bool:
    """A line named like the wanted item (names outside our tables are matched by name)."""
    a, b = normalise(line_name), normalise(wanted).removesuffix("项目")
    return bool(a) and bool(b) and (a == b or b in a)


def _lines_on(ctx: BillContext, line: AnyLine) -> list[AnyLine]:
    """The other service lines of the line's day (material and drug lines are no services: they
    neither stand in for a base item nor duplicate a service)."""
    return [ln for ln in ctx.on_day(line.day) if ln is not line and ln.service]


def _exclusive(spec: RuleSpec, ctx: BillContext):
    reported: set[frozenset[str]] = set()
    for line in ctx.with_rule("mutually_exclusive"):
        for rule in line.item.rules_of("mutually_exclusive"):
            for other in _lines_on(ctx, line):
                if line.in_history and other.in_history:
                    continue
                if not (other.code in rule.codes or any(_names_match(other.display_name, n) for n in rule.names)):
                    continue
                session = _same_session(line, other) if rule.per == "session" else True
                if session is False:
                    continue
                pair = frozenset((f"{line.in_history}{line.id}", f"{other.in_history}{other.id}"))
                if pair in reported:
                    continue
                reported.add(pair)
                bill_lines = [ln for ln in (line, other) if not ln.in_history]
                at_risk_line = min(bill_lines, key=lambda ln: ln.charged)
                if session is None:
                    yield spec.finding(
                        bill_lines, f"{line.label()}与{other.label()}于{line.day}同日收费：{rule.describe()}；"
                                    f"明细未注明次序（session_id），请核对是否为两次服务",
                        ctx.basis(line, rule.basis), charged=at_risk_line.charged, at_risk=at_risk_line.charged,
                        risk_line=at_risk_line, result=Result.SUSPECT)
                    continue
                yield spec.finding(
                    bill_lines, f"{line.label()}与{other.label()}于{line.day}同时收费：{rule.describe()}；"
                                f"至少{at_risk_line.label()}的{yuan(at_risk_line.charged)}元不应收取",
                    ctx.basis(line, rule.basis), charged=at_risk_line.charged, at_risk=at_risk_line.charged,
                    risk_line=at_risk_line)


def _same_session(a: AnyLine, b: AnyLine) -> bool | None:
    """Whether two same-day lines are one session: by their `session_id`s; None when a line
    gives none (the bill cannot tell)."""
    first, second = a.line.session_id, b.line.session_id
    if first is None or second is None:
        return None
    return first == second


def _included_by(rule, other: AnyLine) -> bool:
    return (other.code in rule.codes or any(other.code.startswith(p) for p in rule.code_prefixes)
            or any(_names_match(other.display_name, n) for n in rule.names))


def _duplicates(spec: RuleSpec, ctx: BillContext):
    history_ids = {(ln.id, ln.code) for ln in ctx.history}
    for line in ctx.lines:
        if (line.id, line.code) in history_ids:
            yield spec.finding(
                [line], f"{line.label()}明细 {line.id} 已在此前的收费中出现，重复收费{yuan(line.charged)}元",
                ctx.basis(line, "同一明细不得重复收费"), charged=line.charged, at_risk=line.charged)
    yield from _once_a_day(spec, ctx)
    yield from _same_line_twice(spec, ctx)
    yield from _contained(spec, ctx)
    yield from _materials_included(spec, ctx)


def _once_a_day(spec: RuleSpec, ctx: BillContext):
    """An item priced per 日 can be charged once a day."""
    per_day: dict[tuple, Decimal] = defaultdict(lambda: ZERO)
    daily = [ln for ln in ctx.all_lines if ln.item is not None and ln.item.unit == "日"]
    for line in sorted(daily, key=lambda ln: (ln.day, ln.order)):
        key = (line.code, line.day)
        before = per_day[key]
        per_day[key] = before + line.line.quantity
        over = max(ZERO, per_day[key] - 1) - max(ZERO, before - 1)
        if over > 0 and not line.in_history:
            yield spec.finding(
                [line], f"{line.label()}按日计价，{line.day}已收费{count(per_day[key])}日，重复{count(over)}日",
                ctx.basis(line, "计价单位：日"), charged=line.charged, at_risk=over * line.line.unit_price)


_ONCE_PER = ("day", "admission", "course", "week", "month")


def _same_line_twice(spec: RuleSpec, ctx: BillContext):
    """Two lines with the same code, date, quantity and price and nothing telling them apart
    (body site, course, session, duration): the commonest duplicate, the same surgery charged
    twice.  Suspect; a violation where the unit or a 备注 allows one a day at most.  Items
    priced per 日 are left to `_once_a_day`; items the notice allows several times a day (per
    小时, 每天不超过2次) repeat by design."""
    by_code_day: dict[tuple, list[AnyLine]] = {}
    for line in ctx.judged_all():
        by_code_day.setdefault((line.code, line.day), []).append(line)
    groups: dict[tuple, list[AnyLine]] = {}
    for lines in by_code_day.values():
        if len(lines) > 1:  # rare: only then is the full comparison worth making
            for line in lines:
                bill_line = line.line
                key = (line.code, line.day, bill_line.quantity, bill_line.unit_price, bill_line.body_site,
                       bill_line.course_id, bill_line.session_id, bill_line.duration_hours)
                groups.setdefault(key, []).append(line)
    history_ids = {(ln.id, ln.code) for ln in ctx.history}
    for same in groups.values():
        if len(same) < 2:
            continue
        first, item = same[0], same[0].item
        if item.unit == "日" or _repeats_by_design(item):
            continue
        once = _once_only(item)
        for line in same[1:]:
            if line.in_history or (line.id, line.code) in history_ids:
                continue
            shown = [line, *([first] if not first.in_history else [])]
            if once is not None:
                yield spec.finding(
                    shown, f"{line.label()}于{line.day}有两条相同的明细（{first.id}、{line.id}），"
                           f"{once.describe()}，同日不得再收{yuan(line.charged)}元",
                    ctx.basis(line, once.basis), charged=line.charged, at_risk=line.charged)
            else:
                yield spec.finding(
                    shown, f"{line.label()}于{line.day}有两条数量、单价相同的明细（{first.id}、{line.id}），未注明部位、"
                           f"疗程或次序（body_site、course_id、session_id），疑为重复收费{yuan(line.charged)}元，请核对",
                    ctx.basis(line, "同一项目同日两条相同明细，无部位、疗程或次序区分"),
                    charged=line.charged, at_risk=line.charged, result=Result.SUSPECT)


def _repeats_by_design(item: Item) -> bool:
    return item.unit == "小时" or any(c.per == "day" and c.max_count > 1 for c in item.rules_of("frequency_cap"))


def _once_only(item: Item) -> FrequencyCap | None:
    """The cap (from the 计价单位 or a 备注) that allows one unit a day at most, if any."""
    return next((c for c in item.rules_of("frequency_cap") if c.per in _ONCE_PER and c.max_count == 1), None)


def _contained(spec: RuleSpec, ctx: BillContext):
    for line in ctx.with_rule("includes"):
        for rule in line.item.rules_of("includes"):
            candidates = _lines_on(ctx, line) if rule.same_day else [ln for ln in ctx.all_lines
                                                                      if ln is not line and ln.service]
            for other in candidates:
                if other.in_history or other.code == line.code or not _included_by(rule, other):
                    continue
                if rule.unless:
                    yield spec.finding(
                        [other, *([line] if not line.in_history else [])],
                        f"{line.label()}的内涵已含{other.label()}，仅在“{rule.unless}”时可另收，请提供病历证明",
                        ctx.basis(line, rule.basis), charged=other.charged, at_risk=other.charged,
                        result=Result.SUSPECT, risk_line=other)
                else:
                    yield spec.finding(
                        [other, *([line] if not line.in_history else [])],
                        f"{line.label()}的项目内涵已包含{other.label()}（{rule.basis}），"
                        f"同日另收{yuan(other.charged)}元属重复收费",
                        ctx.basis(line, rule.basis), charged=other.charged, at_risk=other.charged, risk_line=other)


def _materials_included(spec: RuleSpec, ctx: BillContext):
    """A material or drug line named like a material an item's 内涵 includes, the same day as
    the item, and not in its 除外内容: the material is charged twice (医用耗材重复收费).  Suspect:
    names are matched, and the record shows whether it was used for this item."""
    if not ctx.materials:
        return
    reported: set[str] = set()
    for line in ctx.with_rule("included_materials"):
        for rule in line.item.rules_of("included_materials"):
            for other in ctx.on_day(line.day):
                if other.service or other.in_history or other.id in reported or not other.line.name:
                    continue
                word = _included_word(other.line.name, rule)
                if word is None:
                    continue
                reported.add(other.id)
                code = f"，耗材编码{other.line.material_code}" if other.line.material_code else ""
                yield spec.finding(
                    [other, *([line] if not line.in_history else [])],
                    f"{other.line.name}（{other.code}{code}）与{line.label()}于{line.day}同时收费：项目内涵已含"
                    f"“{word}”，且不在除外内容中，疑为重复收费{yuan(other.charged)}元",
                    ctx.basis(line, rule.basis), charged=other.charged, at_risk=other.charged,
                    result=Result.SUSPECT, risk_line=other)


def _included_word(name: str, rule) -> str | None:
    """The included material a line's name names, unless the name is one 除外内容 lets be billed."""
    sent = normalise(name)
    for term in rule.exclusions:
        term = normalise(term)
        if term in sent or sent in term:
            return None
    return next((w for w in rule.materials if normalise(w) in sent), None)


def _addon_without_base(spec: RuleSpec, ctx: BillContext):
    for line in ctx.judged_with_any("add_on", "subsequent_session"):
        for rule in line.item.rules_of("add_on"):
            same_day = _lines_on(ctx, line)
            if any(o.code in rule.base_codes or any(_names_match(o.display_name, n) for n in rule.base_names)
                   for o in same_day):
                continue
            bases = "或".join([*rule.base_codes, *rule.base_names])
            unnamed = [o for o in same_day if not o.display_name]
            if rule.base_names and unnamed:
                yield spec.finding(
                    [line], f"{line.label()}为加收项目，须与{bases}同时收费；同日有未注明名称的明细，无法确认，请核对",
                    ctx.basis(line, rule.basis), charged=line.charged, at_risk=line.charged, result=Result.SUSPECT)
            elif not rule.base_codes and rule.source_field == "项目名称":
                # The base was only guessed from the add-on's name and has no code in any table:
                # a differently named base line cannot be ruled out.
                yield spec.finding(
                    [line], f"{line.label()}为加收项目，{line.day}未见名称含“{bases}”的主项目；主项目仅据项目名称推定、"
                            f"无编码，请核对是否同日收取了主项目",
                    ctx.basis(line, rule.basis), charged=line.charged, at_risk=line.charged, result=Result.SUSPECT)
            else:
                yield spec.finding(
                    [line], f"{line.label()}为加收项目，{line.day}未见主项目{bases}，不得单独收费{yuan(line.charged)}元",
                    ctx.basis(line, rule.basis), charged=line.charged, at_risk=line.charged)
        for rule in line.item.rules_of("subsequent_session"):
            if rule.subsequent_code != line.code:
                continue
            course = ctx.course_of(line)
            first = [o for o in ctx.all_lines if o.code == rule.first_code and ctx.course_of(o) == course
                     and (o.day, o.order) < (line.day, line.order)]
            if not first:
                yield spec.finding(
                    [line], f"{line.label()}为第二次起的收费编码，疗程{course or '（未分疗程）'}中此前未见首次"
                            f"{rule.first_code}，不得按第二次起收费",
                    ctx.basis(line, rule.basis), charged=line.charged, at_risk=line.charged)


MUTUALLY_EXCLUSIVE = RuleSpec(
    "MUTUALLY_EXCLUSIVE", "GZ10000102012000", "不得同时收费的项目同时收费", Result.VIOLATION, _exclusive,
    doc=RuleDoc(catches="items a 备注 says may not be charged together, on the same day (神经外科机器人导航辅助 and "
                        "术中磁共振实时导航); two duration tiers of one service for one session (same `session_id`; "
                        "suspect when the lines give none)",
                clean="at most one of the excluded items a day; one tier per session, sessions told apart by "
                      "`session_id`"))
DUPLICATE_CHARGE = RuleSpec(
    "DUPLICATE_CHARGE", "GZ10000102012000", "重复收费（含项目内涵已包含的服务另行收费）", Result.VIOLATION, _duplicates,
    doc=RuleDoc(catches="a line resent from history; a per-日 item twice a day; the same line twice (same code, date, "
                        "quantity and price, no `body_site`, `course_id` or `session_id` telling them apart: suspect, "
                        "a violation where the unit or a 备注 allows one a day at most); a service another item's "
                        "内涵 already includes (ICU单元治疗 and 导尿 the same day); a material or drug line named like "
                        "a material the same-day item's 内涵 includes and its 除外内容 does not list (医用耗材重复收费: "
                        "suspect, an 一次性导尿管 beside 导尿)",
                clean="each service charged once, repeated services told apart by session, site or course; nothing "
                      "its companion's 内涵 already contains; materials billed only where 除外内容 allows them "
                      "(气囊导尿管 beside 导尿)"))
ADDON_WITHOUT_BASE = RuleSpec(
    "ADDON_WITHOUT_BASE", None, "加收项目或第二次起编码缺少主项目/首次收费", Result.VIOLATION, _addon_without_base,
    doc=RuleDoc(catches="a 加收 item without its base the same day (suspect where the base has no code and was "
                        "only guessed from the add-on's name); a second-session code without the first in its course",
                clean="the add-on beside its base item; the first-session code before any later-session code"))
