"""A bill as hospitals send it: the request shape of `POST /v1/bills/validate`.

Field names follow the clean JSON shape; the national platform's 3101 interface names
(`hilist_code`, `cnt`, `pric`, `sumamt`, `brdy`, `gend`, …) are accepted beside them.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import AliasChoices, BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from price_tables.grades import Grade, parse_grade

MAX_LINES = 5000
MAX_HISTORY_LINES = 20000

_SEX_CODES = {"1": "M", "2": "F", "男": "M", "女": "F", "m": "M", "f": "F"}
#: Ways of saying "not known": the national gend dictionary's 0 未知 and 9 未说明, and the like.
_UNKNOWN_SEX = {"0", "9", "u", "unknown", "未知", "未说明", ""}


def _grade(value):
    return parse_grade(value) if isinstance(value, str) else value


def _sex(value):
    if isinstance(value, (int, str)):
        text = str(value).strip()
        if text.lower() in _UNKNOWN_SEX:
            return None
        return _SEX_CODES.get(text, _SEX_CODES.get(text.lower(), text))
    return value


#: 3101 目录类别 (hilist_type) and 收费类别 (chrg_type) → the line's category (values as the
#: national dictionaries list them; a value not listed leaves the category unset: a service).
_HILIST_TYPES = {"201": "service", "501": "service", "301": "material", "101": "drug", "102": "drug", "106": "drug"}
_CHRG_TYPES = {**{f"{n:02d}": "service" for n in (1, 2, 3, 4, 5, 6, 7, 12, 13)},
               "08": "material", "09": "drug", "10": "drug", "11": "drug"}


def category_of(hilist_type: str | None, chrg_type: str | None) -> str | None:
    """A line's category from the 3101 目录类别 and 收费类别 (None: not said, a service)."""
    category = _HILIST_TYPES.get(hilist_type.strip()) if hilist_type is not None else None
    if category is None and chrg_type is not None:
        category = _CHRG_TYPES.get(chrg_type.strip())
    return category


def _category_from_national(data):
    """`category` from the 3101 names (`hilist_type`, `chrg_type`, accepted as aliases) when the
    line does not give it."""
    if not isinstance(data, dict) or ("hilist_type" not in data and "chrg_type" not in data):
        return data
    data = dict(data)
    hilist, charge = data.pop("hilist_type", None), data.pop("chrg_type", None)
    if data.get("category") is None:
        category = category_of(None if hilist is None else str(hilist), None if charge is None else str(charge))
        if category is not None:
            data["category"] = category
    return data


def _code(value):
    if isinstance(value, int):
        raise ValueError("项目编码应为字符串（如 \"33150700500\"），不能是数字")
    return value


Money = Annotated[Decimal, Field(ge=0, max_digits=14, decimal_places=4, allow_inf_nan=False)]
Quantity = Annotated[Decimal, Field(gt=0, max_digits=12, decimal_places=4, allow_inf_nan=False,
                                    description="Units charged; must be positive")]


class _Input(BaseModel):
    # Unknown fields are refused: a misspelled "amout" must not let a wrong amount pass unchecked.
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, str_strip_whitespace=True)


class Hospital(_Input):
    grade: Annotated[Grade | None, BeforeValidator(_grade)] = Field(
        None, description="grade_3a | grade_3b | grade_2_or_below, or 三甲 | 三乙 | 二级及以下.  The hospital "
                          "registry's grade, when `fixmedins_code` is registered, is used instead (a different grade "
                          "here is a finding); with neither, grade-dependent checks are made at the highest grade's "
                          "price and the answer says so")
    fixmedins_code: str | None = Field(None, min_length=1, max_length=30, description="定点医药机构编号 (the registry's key)")


class Patient(_Input):
    birth_date: dt.date = Field(validation_alias=AliasChoices("birth_date", "brdy"))
    sex: Annotated[Literal["M", "F"] | None, BeforeValidator(_sex)] = Field(
        None, validation_alias=AliasChoices("sex", "gend"),
        description="M | F (3101 gend 1/2 accepted); absent, null or 0/9 (未知/未说明): sex checks are skipped, with an info "
                    "finding")


class Encounter(_Input):
    type: Literal["inpatient", "outpatient"]
    admitted_on: dt.date | None = Field(None, validation_alias=AliasChoices("admitted_on", "adm_date"))
    discharged_on: dt.date | None = Field(None, validation_alias=AliasChoices("discharged_on", "dscg_date"))

    @model_validator(mode="after")
    def _stay_in_order(self):
        if self.admitted_on and self.discharged_on and self.discharged_on < self.admitted_on:
            raise ValueError("出院日期早于入院日期")
        return self


class LineValues:
    """What a bill line says beyond its fields: shared by the contract's model and the fast
    decoder's struct (`pricing_api.bill_decoder.FastLine`), so both say it the same way."""

    __slots__ = ()
    if TYPE_CHECKING:  # declared by each class that uses it (annotations here would become model fields)
        code: str | None
        hilist_code: str | None
        hosplist_code: str | None
        category: str | None
        amount: Decimal | None
        quantity: Decimal
        unit_price: Decimal

    @property
    def sent_code(self) -> str:
        """The code the line carries (its `code`, else its national code, else the hospital's)."""
        return self.code or self.hilist_code or self.hosplist_code or ""

    @property
    def is_service(self) -> bool:
        return self.category is None or self.category == "service"

    @property
    def charged(self) -> Decimal:
        """What the line charges: its amount, or quantity × unit price when no amount is given."""
        return self.amount if self.amount is not None else self.quantity * self.unit_price


class BillLine(LineValues, _Input):
    line_id: str = Field(min_length=1, max_length=64)
    code: Annotated[str | None, BeforeValidator(_code)] = Field(
        None, min_length=1, max_length=40, description="项目编码 of the price tables (or any code the hospital uses)")
    hilist_code: str | None = Field(None, min_length=1, max_length=50, description="医保项目编码 (national code)")
    hosplist_code: str | None = Field(None, min_length=1, max_length=50, description="医院项目编码 (the hospital's own)")
    name: str | None = Field(None, max_length=200, validation_alias=AliasChoices("name", "hilist_name"))
    service_date: dt.date = Field(validation_alias=AliasChoices("service_date", "drord_begn_date"))
    quantity: Quantity = Field(validation_alias=AliasChoices("quantity", "cnt"))
    unit: str | None = Field(None, max_length=40)
    unit_price: Money = Field(validation_alias=AliasChoices("unit_price", "pric"))
    amount: Money | None = Field(None, validation_alias=AliasChoices("amount", "sumamt"))
    duration_hours: Annotated[Decimal, Field(ge=0, le=10000, allow_inf_nan=False)] | None = None
    course_id: str | None = Field(None, max_length=64)
    session_id: str | None = Field(None, max_length=64, description=(
        "One sitting of a service: two same-day lines of an item with different session ids are two services, "
        "with the same id one"))
    body_site: str | None = Field(None, max_length=100)
    consent_signed: bool | None = None
    purchase_price: Money | None = None
    main_line_id: str | None = Field(None, max_length=64)
    category: Literal["service", "material", "drug"] | None = Field(None, description=(
        "service (a 医疗服务 item, the default), material (医用耗材) or drug; 3101 hilist_type / chrg_type are "
        "mapped. Material and drug lines are outside the service price tables and count only for the rules "
        "that refer to them"))
    material_code: str | None = Field(None, max_length=64, description="The consumable's own code (耗材编码), if any")

    _national_category = model_validator(mode="before")(_category_from_national)

    @model_validator(mode="after")
    def _some_code(self):
        if not (self.code or self.hilist_code or self.hosplist_code):
            raise ValueError("缺少项目编码：code、hilist_code、hosplist_code 至少填一个")
        return self



class Bill(_Input):
    bill_id: str = Field(min_length=1, max_length=64)
    hospital: Hospital
    patient: Patient
    encounter: Encounter
    lines: list[BillLine] = Field(min_length=1, max_length=MAX_LINES)
    history: list[BillLine] = Field(default_factory=list, max_length=MAX_HISTORY_LINES,
                                    description="Earlier lines of the same encounter: counted, not reported on")

    @model_validator(mode="after")
    def _consistent(self):
        seen: set[str] = set()
        for line in self.lines:
            if line.line_id in seen:
                raise ValueError(f"line_id {line.line_id!r} 重复：每条明细须有唯一的 line_id")
            seen.add(line.line_id)
        for line in self.lines:
            if line.main_line_id is not None and line.main_line_id not in seen:
                raise ValueError(f"明细 {line.line_id} 的 main_line_id {line.main_line_id!r} 不在本单据中")
        first = min(ln.service_date for ln in self.lines)
        if self.patient.birth_date > first:
            # The birth date itself is patient data: the answer names the field, never its value.
            raise ValueError(f"出生日期晚于最早的服务日期 {first}")
        return self


#: Each field of a bill in Chinese, for error answers that name the field (第1条明细的单价).
#: Every field and alias of the models above has one (a test holds them together).
FIELD_LABELS: dict[str, str] = {
    "bill_id": "单据号", "hospital": "医院", "grade": "医院等级", "fixmedins_code": "定点医药机构编号",
    "patient": "患者", "birth_date": "出生日期", "brdy": "出生日期", "sex": "性别", "gend": "性别",
    "encounter": "就诊", "type": "就诊类型", "admitted_on": "入院日期", "adm_date": "入院日期",
    "discharged_on": "出院日期", "dscg_date": "出院日期", "lines": "明细", "history": "既往明细",
    "line_id": "明细号", "code": "项目编码", "hilist_code": "医保项目编码", "hosplist_code": "医院项目编码",
    "name": "项目名称", "hilist_name": "项目名称", "service_date": "服务日期", "drord_begn_date": "服务日期",
    "quantity": "数量", "cnt": "数量", "unit": "计价单位", "unit_price": "单价", "pric": "单价",
    "amount": "金额", "sumamt": "金额", "duration_hours": "服务时长（小时）", "course_id": "疗程号",
    "session_id": "服务场次号", "body_site": "部位", "consent_signed": "是否签署书面协议",
    "purchase_price": "采购价", "main_line_id": "主项目明细号", "category": "类别", "material_code": "耗材编码",
    "hilist_type": "目录类别", "chrg_type": "收费类别",
}
