"""Read structured rules out of an item's 备注, 项目内涵, name and unit.

Each reader is one regular expression and the rules it yields, declared once in `READERS`.
Text that no reader consumes is returned, so the loader can report it as a warning instead
of silently dropping it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal

from price_tables.item_rules import (
    AddOn,
    AgeLimit,
    ConsentRequired,
    ConsumableCap,
    DocumentedLimit,
    DurationPrice,
    DurationTier,
    FrequencyCap,
    Grade,
    GradeLimit,
    IncludedMaterials,
    Includes,
    MinimumDuration,
    MoneyCap,
    MutualExclusion,
    Period,
    ReducedPrice,
    Rule,
    SubsequentSession,
    UnitMeaning,
)

SELF_PRICED = "自主定价"
_NUMBER = r"(\d+(?:\.\d+)?)"


@dataclass(frozen=True)
class ItemText:
    """What a reader may look at: the item's own cells."""

    code: str
    name: str
    connotation: str
    unit: str
    remarks: str


@dataclass(frozen=True)
class Reader:
    name: str
    field: str  # "备注" or "项目内涵"
    pattern: re.Pattern[str]
    build: Callable[[re.Match[str], ItemText], list[Rule]]


def _split_names(text: str) -> tuple[str, ...]:
    return tuple(n.strip() for n in re.split(r"[、，,]", text) if n.strip())


def _admission_cap(m, item):
    return [FrequencyCap(per="admission", max_count=int(m["n"]), basis=m[0])]


def _day_cap(m, item):
    return [FrequencyCap(per="day", max_count=int(m["n"]), basis=m[0])]


def _course_cap(m, item):
    return [FrequencyCap(per="course", max_count=int(m["n"]), basis=m[0])]


def _week_sites(m, item):
    return [FrequencyCap(per="week", max_count=int(m["n"]), basis=m[0])]


def _site_weeks(m, item):
    return [FrequencyCap(per="site", max_count=int(m["n"]), basis=m[0])]


def _line_cap(m, item):
    return [FrequencyCap(per="line", max_count=int(m["n"]), basis=m[0])]


def _duration_price(m, item):
    return [DurationPrice(over_hours=Decimal(m["hours"]), price=Decimal(m["price"]), basis=m[0])]


def _second_session(m, item):
    subsequent, cap = m["code"], Decimal(m["cap"])
    return [
        SubsequentSession(first_code=item.code, subsequent_code=subsequent, price=Decimal(m["price"]), basis=m[0]),
        FrequencyCap(per="course", max_count=1, basis=m[0]),
        MoneyCap(per="course", max_amount=cap, codes=(item.code, subsequent), basis=m[0]),
    ]


def _consumable_cap(m, item):
    return [ConsumableCap(consumable=m["what"], max_amount=Decimal(m["cap"]), basis=m[0])]


def _exclusive(m, item):
    return [MutualExclusion(names=_split_names(m["names"]), basis=m[0])]


def _half_price_removal(m, item):
    return [ReducedPrice(of_code=item.code, derived_code=m["code"], factor=Decimal("0.5"), basis=m[0])]


def _tertiary_only(m, item):
    rules: list[Rule] = [GradeLimit(allowed=(Grade.GRADE_3A, Grade.GRADE_3B), basis=m[0])]
    if m["more"]:
        rules.append(DocumentedLimit(category="qualification", requirement=m["more"], basis=m[0]))
    return rules


def _documented(category: str):
    def build(m, item):
        return [DocumentedLimit(category=category, requirement=m["what"].strip("；;，, "), basis=m[0])]
    return build


def _minimum_duration(m, item):
    hours = Decimal(m["n"]) / 60 if m["unit"] == "分钟" else Decimal(m["n"])
    return [MinimumDuration(min_hours=hours, basis=m[0])]


def _connotation_minimum(m, item):
    """A duration the 内涵 states for the service itself (持续俯卧位时间≥2小时, 留置25分钟及以上,
    需1-1.5小时: the lower bound): a shorter service is not the priced one."""
    hours = Decimal(m["n"]) / 60 if m["unit"] == "分钟" else Decimal(m["n"])
    return [MinimumDuration(min_hours=hours, basis=m[0], source_field="项目内涵")]


def _self_priced(m, item):
    return [ConsentRequired(basis=m[0])]


def _age_limit(m, item):
    return [AgeLimit(max_age=int(m["n"]), basis=m[0], source_field="项目内涵")]


def _scope_indication(m, item):
    return [DocumentedLimit(category="indication", requirement=m["what"], basis=m[0], source_field="项目内涵")]


def _activation_criteria(m, item):
    return [DocumentedLimit(category="indication", requirement="符合" + m["what"], basis=m[0], source_field="项目内涵")]


def _r(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


# Order matters: specific readers run before the general 限… reader, and each consumes its text.
READERS: tuple[Reader, ...] = (
    Reader("self_priced", "备注", _r(r"^自主定价$"), _self_priced),
    Reader("second_session", "备注",
           _r(r"第二次起按(?P<price>\d+)元/次，编码(?P<code>\d{11})，每疗程最高不超过(?P<cap>\d+)元"), _second_session),
    Reader("half_price_removal", "备注", _r(r"取出术减半收费，编码(?P<code>\d{11})"), _half_price_removal),
    Reader("consumable_cap", "备注", _r(r"(?P<what>[^。，；]+?)按采购价加收，最高加收不超过(?P<cap>\d+)元。?"), _consumable_cap),
    Reader("duration_price", "备注", _r(rf"大于(?P<hours>{_NUMBER[1:-1]})小时按(?P<price>\d+)元/(人次|次)"), _duration_price),
    Reader("admission_cap", "备注", _r(r"(一个|整个)住院过程(收费|计费)不超过(?P<n>\d+)次"), _admission_cap),
    Reader("day_cap", "备注", _r(r"(每天|一天|每日)(收费)?不(能)?超过(?P<n>\d+)次"), _day_cap),
    Reader("course_cap", "备注", _r(r"(同一|一个|每)疗程[^。，；]*?不超过(?P<n>\d+)次"), _course_cap),
    Reader("week_sites", "备注", _r(r"每周每人次最多按(?P<n>\d+)部位计价[，,]?"), _week_sites),
    Reader("site_weeks", "备注", _r(r"同一部位最多不超过(?P<n>\d+)周"), _site_weeks),
    Reader("line_cap", "备注", _r(r"一次[^。，；]*?数量超过(?P<n>\d+)个的，按(?P=n)个[^。，；]*?计费"), _line_cap),
    Reader("exclusive", "备注", _r(r"(?:不得与(?P<names>[^。；]+?)同时收费|与(?P<names2>[^。；]+?)不得同时收费)"),
           lambda m, item: [MutualExclusion(names=_split_names(m["names"] or m["names2"]), basis=m[0])]),
    Reader("tertiary_only", "备注", _r(r"限三级医院(?:且(?P<more>[^。；]+))?"), _tertiary_only),
    Reader("qualification", "备注", _r(r"资质要求：(?P<what>[^。；]+)"), _documented("qualification")),
    Reader("qualified_staff", "备注", _r(r"限(?P<what>[^。；]*?(医师|医生))"), _documented("qualification")),
    Reader("surgery_level", "备注", _r(r"限(?P<what>[三四、]+级手术(或腔镜手术)?)"), _documented("surgery_level")),
    Reader("equipment", "备注", _r(r"需使用(?P<what>[^。]+)"), _documented("equipment")),
    Reader("first_use_indication", "备注", _r(r"首次限(?P<what>[^。]+)。?"), _documented("indication")),
    Reader("stop_condition", "备注", _r(r"(?P<what>治疗后[^。]+停止收费)。?"), _documented("indication")),
    Reader("minimum_duration", "备注", _r(r"每次不少于(?P<n>\d+)(?P<unit>分钟|小时)"), _minimum_duration),
    Reader("unit_meaning", "备注", _r(r"单位“(?P<unit>[^”]+)”表示(?P<what>[^。；]+)"),
           lambda m, item: [UnitMeaning(unit=m["unit"], meaning=m["what"], basis=m[0])]),
    Reader("conditional_extra", "备注", _r(r"(?P<cond>[^。；]+?)时加收(?P<what>[^。；]+)"),
           lambda m, item: [Includes(names=(m["what"],), unless=m["cond"], basis=m[0])]),
    Reader("scope_limit", "备注", _r(r"限于(?P<what>[^。；]+)"), _documented("scope")),
    Reader("indication", "备注", _r(r"限(?P<what>[^。]+)。?"), _documented("indication")),
    Reader("age_limit", "项目内涵", _r(r"指(?P<n>\d+)周岁及以下"), _age_limit),
    Reader("scope_of_use", "项目内涵", _r(r"适用范围为(?P<what>[^。；]+)"), _scope_indication),
    Reader("activation_criteria", "项目内涵", _r(r"(?P<what>[^。；：]*启动标准)："), _activation_criteria),
    Reader("connotation_minimum", "项目内涵",
           _r(r"(?:持续[^。；，]*?≥|留置|(?:整个操作过程)?需|连续观测|产后严密观察)(?P<n>\d+(?:\.\d+)?)(?:[-～~至]\d+(?:\.\d+)?)?"
              r"(?P<unit>小时|分钟)(?:及以上)?"), _connotation_minimum),
)

_PUNCTUATION = re.compile(r"[\s。，；、,;：:（）()]+")


def _consume(text: str, readers: Iterator[Reader], item: ItemText) -> tuple[list[Rule], str]:
    rules: list[Rule] = []
    for reader in readers:
        while (m := reader.pattern.search(text)) is not None:
            rules.extend(reader.build(m, item))
            text = text[: m.start()] + "。" + text[m.end():]
    return rules, text


def read_rules(item: ItemText) -> tuple[list[Rule], list[str]]:
    """Rules stated in the item's cells, and the 备注 sentences that no reader understood."""
    rules, left = _consume(item.remarks, (r for r in READERS if r.field == "备注"), item)
    connotation_rules, _ = _consume(item.connotation, (r for r in READERS if r.field == "项目内涵"), item)
    rules.extend(connotation_rules)
    rules.extend(_name_and_unit_rules(item, rules))
    unread = [s for s in re.split(r"。", left) if _PUNCTUATION.sub("", s)]
    return rules, unread


#: A duration written in a name's brackets: （1.5小时及以上）, (≥2小时), （2小时以内）, (1.5小时).
_NAME_TIER = re.compile(r"[（(]\s*(?P<op>≥|≤)?\s*(?P<n>\d+(?:\.\d+)?)\s*(?P<unit>小时|分钟)\s*"
                        r"(?P<suffix>及以上|以上|以内|以下)?\s*[)）]")


def duration_tier_in(name: str) -> DurationTier | None:
    """The duration tier a name states, if any.  以上/以下/以内 include the number (the reading
    Chinese law gives them); a bare （1.5小时） starts at 1.5 hours, and the loader ends it where
    a sibling tier of the same service starts."""
    m = _NAME_TIER.search(name)
    if m is None:
        return None
    hours = Decimal(m["n"]) / 60 if m["unit"] == "分钟" else Decimal(m["n"])
    basis = f"项目名称：{name}"
    if m["op"] == "≤" or m["suffix"] in ("以内", "以下"):
        return DurationTier(label=m[0], max_hours=hours, basis=basis)
    return DurationTier(label=m[0], min_hours=hours, basis=basis)


#: A 计价单位 that is a period: one unit per that period (a course, a calendar month, an ISO week).
UNIT_PERIODS: dict[str, Period] = {"疗程": "course", "次/月": "month", "月": "month", "周": "week"}


def _name_and_unit_rules(item: ItemText, stated: list[Rule]) -> list[Rule]:
    rules: list[Rule] = []
    if "加收" in item.name:
        base = item.name.split("加收")[0]
        rules.append(AddOn(base_names=(base,), basis=item.name, source_field="项目名称"))
    tier = duration_tier_in(item.name)
    if tier is not None:
        rules.append(tier)
    period = UNIT_PERIODS.get(item.unit)
    if period is not None and not any(isinstance(r, FrequencyCap) and r.per == period for r in stated):
        # A unit of 疗程 (次/月, 周) is charged once per course (month, week).  Where a 备注 states
        # its own count for that period (同一疗程修改次数不超过2次), the 备注 governs.
        rules.append(FrequencyCap(per=period, max_count=1, basis=f"计价单位：{item.unit}", source_field="计价单位"))
    if item.unit == "小时":
        # An hourly item is charged for the hours actually given: at most one unit per hour,
        # and so at most 24 a day.
        rules.append(FrequencyCap(per="hour", max_count=1, basis="计价单位：小时", source_field="计价单位"))
        rules.append(FrequencyCap(per="day", max_count=24, basis="计价单位：小时", source_field="计价单位"))
    return rules


#: How a consumable's name ends (气, 水, 膏, 料, 管, 袋, 器, 贴 …): in a 含… list of the 内涵 it tells
#: a material (含氧气、湿化用水) from a service step (含冠脉造影, 含会阴消毒).
_MATERIAL_ENDINGS = tuple("气水油膏料管袋器贴针垫纱布线带套剂粉液帽夹")
_INCLUDES = re.compile(r"(?<!不)含(?P<list>[^，,。；;：:]+)")
_LIST_SEPARATORS = re.compile(r"[、，,；;]|及|和|与|或")


def materials_in(connotation: str) -> tuple[str, ...]:
    """The materials a 内涵 says its price includes, read from its 含… lists: every item of a list
    that ends 等材料, else the items named like a consumable.  Used when a table has no 内涵耗材
    column; the bundled tables record the words (and their corrections) in that column."""
    words: list[str] = []
    for m in _INCLUDES.finditer(connotation):
        listed = m["list"]
        all_materials = listed.endswith("等材料")
        for part in _LIST_SEPARATORS.split(listed.removesuffix("等材料")):
            word = part.strip().removesuffix("等")
            if not word or "材料" in word or word.startswith("其"):
                continue
            if all_materials or word.endswith(_MATERIAL_ENDINGS):
                words.append(word)
    return tuple(dict.fromkeys(words))


def exclusion_terms(exclusions: str) -> tuple[str, ...]:
    """The things 除外内容 lets a hospital bill separately, one term each (with and without
    一次性, which bills often leave out)."""
    terms: list[str] = []
    for part in _LIST_SEPARATORS.split(exclusions):
        term = part.strip().strip("（）()")
        if term:
            terms.append(term)
            for prefix in ("一次性使用", "一次性"):
                if term.startswith(prefix) and len(term) > len(prefix):
                    terms.append(term.removeprefix(prefix))
                    break
    return tuple(dict.fromkeys(terms))


def included_materials(connotation: str, exclusions: str, words: tuple[str, ...]) -> IncludedMaterials | None:
    """The rule for an item whose 内涵 includes `words`, quoting the 内涵 sentence that says so."""
    if not words:
        return None
    clauses = [c for c in re.split(r"[。；;，,]", connotation) if c.strip()]
    basis = next((c for c in clauses if "含" in c and any(w in c for w in words)), None)
    basis = basis or next((c for c in clauses if "材料" in c), None) or connotation or "内涵耗材"
    return IncludedMaterials(materials=words, exclusions=exclusion_terms(exclusions), basis=basis.strip())


def is_self_priced(remarks: str, price_cells: list[str]) -> bool:
    return remarks.strip() == SELF_PRICED or any(c.strip() == SELF_PRICED for c in price_cells)
