"""The vocabulary of structured rules that the notices state for an item.

Each rule keeps the sentence it was read from (`basis`) and the column that sentence is in
(`source_field`), so a finding on a bill can quote the notice.  `describe()` gives the rule
as one plain Chinese sentence for auditors.  Thresholds live here, in data; the bill
validator reads them and never hard-codes them.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from price_tables.grades import Grade

SourceField = Literal["备注", "项目内涵", "项目名称", "计价单位", "通知正文", "项目性质"]
Period = Literal["day", "hour", "admission", "course", "week", "month", "site", "line"]
PERIOD_LABELS: dict[str, str] = {
    "day": "每日", "hour": "每小时", "admission": "一个住院过程", "course": "每疗程",
    "week": "每周", "month": "每自然月", "site": "同一部位", "line": "每条收费明细",
}


class _Rule(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    basis: str = Field(description="The source sentence, verbatim.")
    source_field: SourceField = "备注"

    def describe(self) -> str:  # pragma: no cover - every subclass overrides
        raise NotImplementedError


class FrequencyCap(_Rule):
    """At most `max_count` units per period.  For `site`, `max_count` counts distinct weeks
    (同一部位最多不超过8周); for `hour`, units per hour of the stated duration; `week` is the
    ISO week, `month` the calendar month, `course` the line's `course_id`."""

    kind: Literal["frequency_cap"] = "frequency_cap"
    per: Period
    max_count: int = Field(gt=0)

    def describe(self) -> str:
        if self.per == "site":
            return f"同一部位最多计费{self.max_count}周"
        if self.per == "hour":
            return f"按实际时长计费，每小时最多{self.max_count}个计价单位"
        return f"{PERIOD_LABELS[self.per]}最多收费{self.max_count}次"


class AgeLimit(_Rule):
    """Completed years (周岁) on the service date, bounds inclusive."""

    kind: Literal["age_limit"] = "age_limit"
    max_age: int | None = None
    min_age: int | None = None

    def describe(self) -> str:
        if self.max_age is not None and self.min_age is None:
            return f"仅限{self.max_age}周岁及以下患者"
        if self.min_age is not None and self.max_age is None:
            return f"仅限{self.min_age}周岁及以上患者"
        return f"仅限{self.min_age}至{self.max_age}周岁患者"


class SexLimit(_Rule):
    kind: Literal["sex_limit"] = "sex_limit"
    sex: Literal["F", "M"]

    def describe(self) -> str:
        return "仅限女性患者" if self.sex == "F" else "仅限男性患者"


class GradeLimit(_Rule):
    kind: Literal["grade_limit"] = "grade_limit"
    allowed: tuple[Grade, ...]

    def describe(self) -> str:
        return "仅限" + "、".join(g.label for g in self.allowed) + "医院收费"


class MutualExclusion(_Rule):
    """May not be charged together with these items.  Items outside the loaded tables are
    named by name (`names`) and matched against the bill line's name.  `per`: the same day, or
    the same session (sibling duration tiers: two sessions the same day are two services)."""

    kind: Literal["mutually_exclusive"] = "mutually_exclusive"
    codes: tuple[str, ...] = ()
    names: tuple[str, ...] = ()
    per: Literal["day", "session"] = "day"

    def describe(self) -> str:
        together = "同一次服务中同时收费" if self.per == "session" else "同时收费"
        return "不得与" + "、".join([*self.codes, *self.names]) + together


class Includes(_Rule):
    """The item's 内涵 already includes these services: charging them beside it is a duplicate."""

    kind: Literal["includes"] = "includes"
    codes: tuple[str, ...] = ()
    code_prefixes: tuple[str, ...] = ()
    names: tuple[str, ...] = ()
    same_day: bool = Field(True, description="Only on the same service date (per-day items).")
    unless: str | None = Field(None, description="A condition under which charging both is allowed; "
                               "the bill cannot show it, so a reviewer must check the record.")

    def describe(self) -> str:
        parts = [*self.codes, *(f"编码{p}开头的项目" for p in self.code_prefixes), *self.names]
        if self.unless:
            return f"一般不得另收{'、'.join(parts)}；{self.unless}时可加收"
        return "已含" + "、".join(parts) + "，不得另行收费"


class AddOn(_Rule):
    """A 加收 item: only chargeable with one of its base items in the same encounter."""

    kind: Literal["add_on"] = "add_on"
    base_codes: tuple[str, ...] = ()
    base_names: tuple[str, ...] = ()

    def describe(self) -> str:
        return "加收项目，须与" + "或".join([*self.base_codes, *self.base_names]) + "同时收费"


class DurationPrice(_Rule):
    """Longer service, other price: above `over_hours` the unit price is `price`."""

    kind: Literal["duration_price"] = "duration_price"
    over_hours: Decimal
    price: Decimal

    def describe(self) -> str:
        return f"时长大于{self.over_hours}小时按{self.price}元收费"


class SubsequentSession(_Rule):
    """A second-and-later session code: the first session code is charged once per course,
    this code for every later session, each at `price`."""

    kind: Literal["subsequent_session"] = "subsequent_session"
    first_code: str
    subsequent_code: str
    price: Decimal

    def describe(self) -> str:
        return f"首次按{self.first_code}收费，第二次起按{self.subsequent_code}收费{self.price}元/次"


class MoneyCap(_Rule):
    """Total money across `codes` may not exceed `max_amount` per period."""

    kind: Literal["money_cap"] = "money_cap"
    per: Literal["course", "admission"]
    max_amount: Decimal
    codes: tuple[str, ...]

    def describe(self) -> str:
        return f"{PERIOD_LABELS[self.per]}{'、'.join(self.codes)}合计最高不超过{self.max_amount}元"


class ConsumableCap(_Rule):
    """A consumable billed beside the procedure at its purchase price, up to `max_amount`."""

    kind: Literal["consumable_cap"] = "consumable_cap"
    consumable: str
    max_amount: Decimal

    def describe(self) -> str:
        return f"{self.consumable}按采购价加收，最高不超过{self.max_amount}元"


class ReducedPrice(_Rule):
    """A derived code priced as a fraction of another item (取出术减半收费)."""

    kind: Literal["reduced_price"] = "reduced_price"
    of_code: str
    derived_code: str
    factor: Decimal

    def describe(self) -> str:
        return f"{self.derived_code}按{self.of_code}价格的{self.factor}倍收费"


class ConsentRequired(_Rule):
    """自主定价: the patient (or proxy) signs a written agreement before the service."""

    kind: Literal["consent_required"] = "consent_required"

    def describe(self) -> str:
        return "自主定价项目，提供服务前须与患者或其委托人签署书面协议"


class DocumentedLimit(_Rule):
    """An indication, qualification, equipment or surgery-level limit that a bill cannot prove:
    a reviewer needs the medical record."""

    kind: Literal["documented_limit"] = "documented_limit"
    category: Literal["indication", "qualification", "surgery_level", "equipment", "scope"]
    requirement: str

    def describe(self) -> str:
        return f"须有病历等资料证明：{self.requirement}"


class UnitMeaning(_Rule):
    """What one 计价单位 counts (单位“支”表示每支吻合血管): guidance for the quantity."""

    kind: Literal["unit_meaning"] = "unit_meaning"
    unit: str
    meaning: str

    def describe(self) -> str:
        return f"计价单位“{self.unit}”指{self.meaning}"


class MinimumDuration(_Rule):
    kind: Literal["minimum_duration"] = "minimum_duration"
    min_hours: Decimal

    def describe(self) -> str:
        minutes = self.min_hours * 60
        return f"每次不少于{minutes.normalize():f}分钟" if minutes < 60 else f"每次不少于{self.min_hours.normalize():f}小时"


class IncludedMaterials(_Rule):
    """Materials the 内涵 says the price includes (含石蜡油、注射器、尿管、引流袋等材料): a material
    or drug line of one of them beside the item the same day is charged twice (医用耗材重复收费)
    unless 除外内容 lists it.  `materials` are recorded in the table (column 内涵耗材) so pricing
    staff can correct them; `exclusions` are the 除外内容 terms."""

    kind: Literal["included_materials"] = "included_materials"
    source_field: SourceField = "项目内涵"
    materials: tuple[str, ...]
    exclusions: tuple[str, ...] = ()

    def describe(self) -> str:
        text = "项目内涵已含" + "、".join(self.materials) + "，不得另收"
        return text + (f"（除外内容可另收：{'、'.join(self.exclusions)}）" if self.exclusions else "")


class NameAlias(_Rule):
    """Other names a bill may give the item: a derived item the notice does not name is called
    in several honest ways, none of which is 串换."""

    kind: Literal["name_alias"] = "name_alias"
    names: tuple[str, ...]

    def describe(self) -> str:
        return "明细名称亦可写作" + "、".join(f"“{n}”" for n in self.names)


def _hours(value: Decimal) -> str:
    return f"{value.normalize():f}"


class DurationTier(_Rule):
    """The item is one duration tier of a service: its name says how long the session lasts
    (（1.5小时及以上）, (≥2小时), （2小时以内）, (1.5小时)).  `min_hours` is included; `max_hours`
    is included when `max_included`, else it is where the next tier starts.  `siblings` are the
    other tiers of the same service in the table (same first nine digits, another range)."""

    kind: Literal["duration_tier"] = "duration_tier"
    source_field: SourceField = "项目名称"
    label: str = Field(description="The tier as printed in the name, brackets included")
    min_hours: Decimal | None = None
    max_hours: Decimal | None = None
    max_included: bool = True
    siblings: tuple[str, ...] = ()

    def contains(self, hours: Decimal) -> bool:
        if self.min_hours is not None and hours < self.min_hours:
            return False
        if self.max_hours is None:
            return True
        return hours <= self.max_hours if self.max_included else hours < self.max_hours

    def range_text(self) -> str:
        low = f"{_hours(self.min_hours)}小时及以上" if self.min_hours is not None else ""
        if self.max_hours is None:
            return low
        high = f"{_hours(self.max_hours)}小时以内" if self.max_included else f"不足{_hours(self.max_hours)}小时"
        return f"{low}、{high}" if low else high

    def describe(self) -> str:
        return f"按时长分档：本档{self.label}为服务时长{self.range_text()}"


Rule = Annotated[
    FrequencyCap | AgeLimit | SexLimit | GradeLimit | MutualExclusion | Includes | AddOn | DurationPrice
    | SubsequentSession | MoneyCap | ConsumableCap | ReducedPrice | ConsentRequired | DocumentedLimit
    | MinimumDuration | UnitMeaning | DurationTier | NameAlias | IncludedMaterials,
    Field(discriminator="kind"),
]
