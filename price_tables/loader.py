"""Check a price table (bundled or uploaded) and build its items, rules and report.

One loader for both: the bundled notices in `data/` and the files pricing staff upload go
through `check_table`, so an upload is held to exactly the standard of the bundled data.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from pathlib import Path

from pydantic import TypeAdapter, ValidationError

from price_tables.grades import Grade
from price_tables.item_rules import (
    AddOn,
    ConsentRequired,
    MutualExclusion,
    NameAlias,
    ReducedPrice,
    Rule,
    SubsequentSession,
)
from price_tables.models import (
    FIELD_LABELS,
    CheckIssue,
    ChildMarkup,
    ChildMarkupPolicy,
    IncompleteRow,
    Item,
    Notice,
    NoticeMeta,
    PriceSet,
    Provenance,
)
from price_tables.money import parse_money, to_cents
from price_tables.remark_parser import (
    SELF_PRICED,
    ItemText,
    included_materials,
    is_self_priced,
    materials_in,
    read_rules,
)
from price_tables.table_file import RawTable, read_table
from price_tables.units import KNOWN_UNITS

DATA_DIR = Path(__file__).parent / "data"
BUNDLED = ("qybl-2021-11", "qybl-2021-12")
_RULE = TypeAdapter(Rule)
_PLAIN_CODE = re.compile(r"^\d{11}$")
_GRADE_COLUMNS = tuple(g.value for g in Grade)


@dataclass(frozen=True)
class Judgement:
    """A rule the notice implies but does not print as a sentence (e.g. a sex restriction by
    the nature of the item), with the reason it was added."""

    code: str
    rule: Rule
    reason: str


@dataclass
class LoadResult:
    notice: Notice | None
    issues: list[CheckIssue] = field(default_factory=list)

    @property
    def errors(self) -> list[CheckIssue]:
        return [i for i in self.issues if i.level == "error"]

    @property
    def warnings(self) -> list[CheckIssue]:
        return [i for i in self.issues if i.level == "warning"]

    @property
    def ok(self) -> bool:
        return not self.errors


class TableRejected(ValueError):
    """A table with errors; `issues` names each file, row, column and value."""

    def __init__(self, issues: list[CheckIssue]):
        self.issues = issues
        super().__init__("\n".join(str(i) for i in issues if i.level == "error"))


class _RowChecker:
    """Collects issues for one file while rows are built."""

    def __init__(self, file: str):
        self.file = file
        self.issues: list[CheckIssue] = []

    def error(self, row: int | None, column: str | None, value: str | None, message: str) -> None:
        self.issues.append(CheckIssue(level="error", file=self.file, row=row, column=column, value=value, message=message))

    def error_count(self) -> int:
        return sum(1 for i in self.issues if i.level == "error")

    def warning(self, row: int | None, column: str | None, value: str | None, message: str) -> None:
        self.issues.append(CheckIssue(level="warning", file=self.file, row=row, column=column, value=value, message=message))


def _parse_uncertain(text: str) -> dict[str, str]:
    """`存疑` cell: "项目内涵：理由 | 备注：理由" → {"connotation": 理由, "remarks": 理由}."""
    label_to_field = {label: name for name, label in FIELD_LABELS.items()}
    result: dict[str, str] = {}
    for part in filter(None, (p.strip() for p in text.split(" | "))):
        label, _, reason = part.partition("：")
        result[label_to_field.get(label.strip(), label.strip())] = reason.strip()
    return result


def _read_prices(row: dict[str, str], file_row: int, check: _RowChecker) -> tuple[PriceSet, bool, bool] | None:
    """(prices, single_price, self_priced) or None after reporting why the cells are unusable."""
    single = row.get("price", "")
    graded = {g: row.get(g, "") for g in _GRADE_COLUMNS}
    cells = [single, *graded.values()]
    if is_self_priced(row.get("remarks", ""), cells):
        stray = [c for c in cells if c and c != SELF_PRICED]
        if stray:
            check.error(file_row, "价格", stray[0], "自主定价项目不应同时填写价格")
            return None
        return PriceSet(), False, True
    if single and any(graded.values()):
        check.error(file_row, "价格", single, "同时填写了“价格”和分等级价格，只能二选一")
        return None
    if single:
        try:
            amount = parse_money(single)
        except ValueError as exc:
            check.error(file_row, "价格", single, str(exc))
            return None
        return PriceSet(**{g: amount for g in _GRADE_COLUMNS}), True, False
    filled = [g for g, v in graded.items() if v]
    if not filled:
        check.error(file_row, "价格", "", "没有价格：填写“价格”（各等级同价）或三甲、三乙、二级及以下，或写“自主定价”")
        return None
    if len(filled) < 3:
        missing = [FIELD_LABELS[g] for g in _GRADE_COLUMNS if g not in filled]
        check.error(file_row, FIELD_LABELS[filled[0]], graded[filled[0]],
                    f"{'、'.join(missing)}未填写：不推测其他等级的价格；各等级同价时请填写“价格”列")
        return None
    amounts: dict[str, Decimal] = {}
    for g, text in graded.items():
        try:
            amounts[g] = parse_money(text)
        except ValueError as exc:
            check.error(file_row, FIELD_LABELS[g], text, str(exc))
    if len(amounts) < 3:
        return None
    if not amounts["grade_3a"] >= amounts["grade_3b"] >= amounts["grade_2_or_below"]:
        check.error(file_row, "三甲", graded["grade_3a"],
                    "价格应为 三甲 ≥ 三乙 ≥ 二级及以下，实为 "
                    f"{graded['grade_3a']} / {graded['grade_3b']} / {graded['grade_2_or_below']}")
        return None
    return PriceSet(**amounts), False, False


def child_markup_for(code: str, policy: ChildMarkupPolicy | None) -> ChildMarkup:
    """Whether the +30% children's price applies to `code` under the notice's policy, and why."""
    if policy is None:
        return ChildMarkup(eligible=False, basis="本通知未规定儿童加收")
    if code in policy.exempt_codes:
        return ChildMarkup(eligible=False, basis=f"列入不加收编码：{policy.basis}", max_age=policy.max_age)
    if code.startswith("31"):
        if code in policy.invasive_codes_31:
            return ChildMarkup(eligible=True, basis=f"属有创活检和探查项目：{policy.basis}", max_age=policy.max_age)
        return ChildMarkup(eligible=False, basis="31类中不属有创活检和探查的项目，不加收", max_age=policy.max_age)
    if any(code.startswith(p) for p in policy.code_prefixes):
        return ChildMarkup(eligible=True, basis=policy.basis, max_age=policy.max_age)
    return ChildMarkup(eligible=False, basis="不属儿童加收类别（一般检查治疗、有创活检和探查、临床手术类）",
                       max_age=policy.max_age)


def _resolve_names(rules: list[Rule], name_to_code: dict[str, str]) -> list[Rule]:
    """Items named in a 不得…同时收费 sentence, or as an add-on's base, that are in the same
    table also get their code."""
    resolved: list[Rule] = []
    for rule in rules:
        if isinstance(rule, MutualExclusion):
            codes = tuple(name_to_code[n.removesuffix("项目")] for n in rule.names if n.removesuffix("项目") in name_to_code)
            rule = rule.model_copy(update={"codes": tuple(dict.fromkeys(rule.codes + codes))})
        elif isinstance(rule, AddOn):
            codes = tuple(name_to_code[n] for n in rule.base_names if n in name_to_code)
            if codes:
                rule = rule.model_copy(update={"base_codes": tuple(dict.fromkeys(rule.base_codes + codes))})
        resolved.append(rule)
    return resolved


def _times(price: Decimal | None, factor: Decimal) -> Decimal | None:
    return None if price is None else to_cents(price * factor)


def _link_duration_tiers(items: list[Item]) -> list[Item]:
    """Tiers of one service (same first nine digits, another duration range) know each other:
    each open-ended tier ends where the next one starts, and two tiers of one service may not
    be charged for one session."""
    tiers = {i.code: rule for i in items for rule in i.rules_of("duration_tier")}
    by_service: dict[str, list[str]] = {}
    for code in tiers:
        by_service.setdefault(code[:9], []).append(code)
    names = {i.code: i.name for i in items}
    linked: list[Item] = []
    for item in items:
        tier = tiers.get(item.code)
        siblings = tuple(c for c in by_service.get(item.code[:9], ()) if tier is not None and
                         (tiers[c].min_hours, tiers[c].max_hours) != (tier.min_hours, tier.max_hours))
        if tier is None or not siblings:
            linked.append(item)
            continue
        update: dict[str, object] = {"siblings": siblings}
        starts = [tiers[c].min_hours for c in siblings]
        higher = [h for h in starts if h is not None and tier.min_hours is not None and h > tier.min_hours]
        if tier.max_hours is None and higher:
            update.update(max_hours=min(higher), max_included=False)
        exclusive = MutualExclusion(
            codes=siblings, per="session", source_field="项目名称",
            basis=f"项目名称：{item.name}与{'、'.join(names[c] for c in siblings)}为同一服务的时长分档")
        rules = tuple(tier.model_copy(update=update) if r is tier else r for r in item.rules) + (exclusive,)
        linked.append(item.model_copy(update={"rules": rules}))
    return linked


def _derived_items(parent: Item, meta: NoticeMeta) -> list[Item]:
    """Billable codes that a 备注 defines: later sessions and the half-price removal."""
    derived: list[Item] = []
    rules: tuple[Rule, ...]
    for rule in parent.rules:
        if isinstance(rule, SubsequentSession):
            code, (name, aliases) = rule.subsequent_code, _later_session_names(parent.name)
            prices, single = PriceSet(**{g: rule.price for g in _GRADE_COLUMNS}), True
            rules = tuple(r for r in parent.rules if r.kind in ("subsequent_session", "money_cap"))
            how = "将“首次”换作备注的“第二次起”" if "首次" in parent.name else "加备注的“第二次起”"
        elif isinstance(rule, ReducedPrice):
            code, name = rule.derived_code, f"{parent.name}（取出术减半收费）"
            aliases = (parent.name.replace("置入术", "取出术"),) if "置入术" in parent.name else ()
            prices = PriceSet(**{g: _times(parent.price_for(Grade(g)), rule.factor) for g in _GRADE_COLUMNS})
            single, rules = parent.single_price, (rule,)
            how = "加备注用语“取出术减半收费”"
        else:
            continue
        if aliases:
            rules += (NameAlias(names=aliases, basis=rule.basis),)
        derived.append(Item(
            code=code, name=name, unit=parent.unit, prices=prices, single_price=single,
            remarks=parent.remarks, rules=rules,
            child_markup=child_markup_for(code, meta.child_markup),
            uncertain_fields={"name": f"原文未给出名称：取{parent.code}的名称“{parent.name}”，{how}（备注“{rule.basis}”）"},
            source=parent.source.model_copy(update={"derived_from": parent.code}),
        ))
    return derived


def _later_session_names(first: str) -> tuple[str, tuple[str, ...]]:
    """The later-session item's name and aliases from the first session's printed name: the
    remark's 第二次起 takes the place of 首次 (a name saying both would contradict itself)."""
    if "首次" not in first:
        return f"{first}（第二次起）", ()
    name = first.replace("首次", "第二次起")
    plain = first.replace("，首次", "").replace("（首次）", "").replace("(首次)", "").replace("首次", "")
    return name, tuple(dict.fromkeys(a for a in (plain, f"{plain}（第二次起）") if a != name))


def check_table(raw: RawTable, meta: NoticeMeta, judgements: tuple[Judgement, ...] = (),
                incomplete_seqs: frozenset[int] = frozenset()) -> LoadResult:
    """Check every row of `raw` and build the notice; errors name file, row, column and value.

    Rows listed in `incomplete_seqs` (the source lacks their code or name) become
    `IncompleteRow`s; anywhere else a missing code or name is an error.  Three steps: each row's
    cells are checked (`_check_row`), the rules are read out of its text (`_read_item_rules`),
    and a finishing pass works across rows (`_finish`: judgements, names, derived codes).
    """
    check = _RowChecker(raw.file)
    for header in raw.unknown_headers:
        check.warning(1, header, None, "未知的列，已忽略")
    if not raw.rows:
        check.error(None, None, None, "表中没有任何项目行")
    items: list[Item] = []
    incomplete: list[IncompleteRow] = []
    first_row_of_code: dict[str, int] = {}
    for file_row, row in raw.rows:
        checked = _check_row(file_row, row, meta, incomplete_seqs, first_row_of_code, check)
        if isinstance(checked, IncompleteRow):
            incomplete.append(checked)
        elif checked is not None:
            rules = _read_item_rules(checked, judgements, check)
            items.append(checked.item(rules, child_markup_for(checked.code, meta.child_markup)))
    return _finish(items, incomplete, first_row_of_code, judgements, meta, check)


@dataclass(frozen=True)
class _CheckedRow:
    """A row whose cells passed the row checks: what the item is built from."""

    file_row: int
    row: dict[str, str]
    code: str
    name: str
    unit: str
    prices: PriceSet
    single_price: bool
    self_priced: bool
    provenance: Provenance

    @property
    def text(self) -> ItemText:
        return ItemText(code=self.code, name=self.name, connotation=self.row.get("connotation", ""), unit=self.unit,
                        remarks=self.row.get("remarks", ""))

    def item(self, rules: list[Rule], child_markup: ChildMarkup) -> Item:
        return Item(
            code=self.code, name=self.name, connotation=self.row.get("connotation", ""),
            exclusions=self.row.get("exclusions", ""), unit=self.unit, prices=self.prices,
            single_price=self.single_price, self_priced=self.self_priced, remarks=self.row.get("remarks", ""),
            rules=tuple(rules), child_markup=child_markup,
            uncertain_fields=_parse_uncertain(self.row.get("uncertain", "")), source=self.provenance,
        )


def _check_row(file_row: int, row: dict[str, str], meta: NoticeMeta, incomplete_seqs: frozenset[int],
               first_row_of_code: dict[str, int], check: _RowChecker) -> _CheckedRow | IncompleteRow | None:
    """The row checks: 序号, code, name, unit, prices and code uniqueness.  None after
    reporting why the row cannot become an item."""
    errors_before = check.error_count()
    seq_text = row.get("seq", "")
    seq: int | None = None
    if seq_text:
        if seq_text.isdigit():
            seq = int(seq_text)
        else:
            check.error(file_row, "序号", seq_text, "序号应为正整数")
    code, name, unit = row.get("code", ""), row.get("name", ""), row.get("unit", "")
    priced = _read_prices(row, file_row, check)
    provenance = Provenance(document=meta.document, seq=seq, file=check.file, file_row=file_row)
    if seq is not None and seq in incomplete_seqs:
        if not priced:
            return None
        missing = tuple(label for label, v in (("项目编码", code), ("项目名称", name)) if not v)
        return IncompleteRow(seq=seq, unit=unit, prices=priced[0], missing=missing, note=row.get("uncertain", ""),
                             source=provenance)
    if not code:
        check.error(file_row, "项目编码", code, "项目编码为空")
    elif re.search(r"\s", code):
        check.error(file_row, "项目编码", code, "项目编码含空白字符")
    elif not _PLAIN_CODE.match(code):
        check.warning(file_row, "项目编码", code, "项目编码不是11位数字，按原文保留")
    if not name:
        check.error(file_row, "项目名称", name, "项目名称为空")
    if not unit:
        check.error(file_row, "计价单位", unit, "计价单位为空")
    elif unit not in KNOWN_UNITS:
        check.error(file_row, "计价单位", unit, "未知的计价单位（可用单位见 price_tables/units.py）")
    if code and code in first_row_of_code:
        check.error(file_row, "项目编码", code, f"编码重复（第{first_row_of_code[code]}行已有）")
    elif code:
        first_row_of_code[code] = file_row
    if check.error_count() > errors_before or priced is None:
        return None
    prices, single, self_priced = priced
    return _CheckedRow(file_row=file_row, row=row, code=code, name=name, unit=unit, prices=prices,
                       single_price=single, self_priced=self_priced, provenance=provenance)


def _read_item_rules(row: _CheckedRow, judgements: tuple[Judgement, ...], check: _RowChecker) -> list[Rule]:
    """The rules the row's text states (备注, 内涵, name, unit, the materials its 内涵 includes),
    plus the judgements recorded for its code.  A 备注 sentence no reader understands is a
    warning, never dropped silently."""
    rules, unread = read_rules(row.text)
    for sentence in unread:
        check.warning(row.file_row, "备注", sentence, "备注中这句话未能转换为结构化规则，请人工核对")
    materials = included_materials(row.text.connotation, row.row.get("exclusions", ""), _material_words(row.row))
    if materials is not None:
        rules.append(materials)
    if row.self_priced and not any(r.kind == "consent_required" for r in rules):
        rules.append(ConsentRequired(basis="价格：自主定价", source_field="通知正文"))
    judged = [j.rule for j in judgements if j.code == row.code]
    if any(r.kind == "add_on" for r in judged):
        # A judgement names the base item; the guess from the name gives way to it.
        rules = [r for r in rules if not (r.kind == "add_on" and r.source_field == "项目名称")]
    rules.extend(judged)
    return rules


def _material_words(row: dict[str, str]) -> tuple[str, ...]:
    """The materials the 内涵 includes: the 内涵耗材 column where the table has it (words
    separated by 、, recorded so pricing staff can correct them), else read from the 内涵."""
    if "included_materials" in row:
        return tuple(dict.fromkeys(w.strip() for w in re.split(r"[、，,]", row["included_materials"]) if w.strip()))
    return materials_in(row.get("connotation", ""))


def _finish(items: list[Item], incomplete: list[IncompleteRow], first_row_of_code: dict[str, int],
            judgements: tuple[Judgement, ...], meta: NoticeMeta, check: _RowChecker) -> LoadResult:
    """The pass across rows: judgements must name codes of the table and `name_basis` its names;
    names in a rule that are items of the same table get their code; duration tiers of one
    service are linked; the codes a 备注 defines become items."""
    for j in judgements:
        if j.code not in first_row_of_code:
            check.error(None, "judgements", j.code, "判定规则引用了表中不存在的编码")
    names = {i.code: i.name for i in items}
    for basis in meta.name_basis:
        if names.get(basis.code) != basis.name:
            check.error(first_row_of_code.get(basis.code), "项目名称", names.get(basis.code),
                        f"元数据 name_basis 记录的名称为“{basis.name}”（编码{basis.code}），与表中不一致")
    if check.error_count():
        return LoadResult(notice=None, issues=check.issues)
    name_to_code = {i.name: i.code for i in items}
    items = [i.model_copy(update={"rules": tuple(_resolve_names(list(i.rules), name_to_code))}) for i in items]
    items = _link_duration_tiers(items)
    for parent in list(items):
        for child in _derived_items(parent, meta):
            if child.code in first_row_of_code:
                check.error(parent.source.file_row, "备注", child.code, "备注派生的编码与表中已有编码重复")
            else:
                items.append(child)
    if check.error_count():
        return LoadResult(notice=None, issues=check.issues)
    notice = Notice(meta=meta, items=tuple(items), incomplete_rows=tuple(incomplete),
                    warnings=tuple(i for i in check.issues if i.level == "warning"))
    return LoadResult(notice=notice, issues=check.issues)


def read_meta(path: Path) -> tuple[NoticeMeta, tuple[Judgement, ...], frozenset[int]]:
    """The notice's metadata file: metadata, judgement rules, and the incomplete rows' numbers."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    judgements_raw = data.pop("judgements", [])
    incomplete = frozenset(data.pop("incomplete_seqs", []))
    try:
        meta = NoticeMeta.model_validate(data)
        judgements = tuple(
            Judgement(code=j["code"], rule=_RULE.validate_python(j["rule"]), reason=j["reason"])
            for j in judgements_raw
        )
    except (ValidationError, KeyError) as exc:
        raise TableRejected([CheckIssue(level="error", file=path.name, message=f"元数据错误: {exc}")]) from None
    return meta, judgements, incomplete


def load_notice_files(table_path: Path, meta_path: Path) -> LoadResult:
    meta, judgements, incomplete = read_meta(meta_path)
    raw = read_table(table_path.read_bytes(), table_path.name)
    return check_table(raw, meta, judgements, incomplete)


def load_bundled_notice(stem: str) -> Notice:
    """A bundled notice from `data/<stem>.csv` and `data/<stem>.toml`; raises TableRejected."""
    result = load_notice_files(DATA_DIR / f"{stem}.csv", DATA_DIR / f"{stem}.toml")
    if result.notice is None:
        raise TableRejected(result.issues)
    return result.notice


@cache
def bundled_notices() -> tuple[Notice, ...]:
    """Both 2021 notices, checked; cached because the files never change at run time."""
    return tuple(load_bundled_notice(stem) for stem in BUNDLED)
