"""The hospital registry: which grade each hospital (定点医疗机构) held when, so that bills are
priced at the grade the registry says rather than the grade a bill claims."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from pydantic import ValidationError
from sqlmodel import Session

from price_tables.table_file import SheetLayout, TableFileError, read_sheet
from pricing_api.errors import FieldProblem, InvalidRequest
from pricing_api.schemas.reference import HospitalIn, HospitalOut, HospitalPage
from pricing_api.services.audit_log import record_audit
from pricing_api.storage import hospitals as stored
from pricing_api.storage.records import HospitalGradeRecord, HospitalRecord, id_of
from pricing_api.storage.versions import bump_reference_version
from pricing_api.validation_messages import reason_of

#: The columns of a registry file (CSV or XLSX, the same encodings as price tables).
HOSPITAL_FILE = SheetLayout(
    columns={
        "fixmedins_code": ("定点医药机构编号", "定点医疗机构编号", "医疗机构编码", "机构编码", "fixmedins_code"),
        "name": ("定点医药机构名称", "医疗机构名称", "医院名称", "机构名称", "name"),
        "grade": ("医院等级", "等级", "grade"),
        "admdvs": ("医保区划", "admdvs"),
        "grade_from": ("等级起始日期", "起始日期", "grade_from"),
    },
    required=("fixmedins_code", "name", "grade"),
    max_chars={"fixmedins_code": 30, "name": 200, "grade": 20, "admdvs": 12, "grade_from": 20},
)
MAX_HOSPITAL_ROWS = 10_000


def grade_on(periods: list[HospitalGradeRecord], day: dt.date) -> str | None:
    """The grade a hospital held on `day` (its latest period covering the day), if any."""
    return next((p.grade for p in reversed(periods)
                 if p.effective_from <= day and (p.effective_to is None or day <= p.effective_to)), None)


def _page(records: list[HospitalRecord], periods: dict[int, list[HospitalGradeRecord]]) -> HospitalPage:
    today = dt.date.today()
    return HospitalPage(total=len(records), hospitals=[
        HospitalOut.of(r, grade=grade_on(periods.get(id_of(r), []), today), grades=periods.get(id_of(r), []))
        for r in records])


def list_hospitals(session: Session) -> HospitalPage:
    return _page(stored.all_hospitals(session), stored.grade_periods(session))


def register(session: Session, hospitals: list[HospitalIn], actor: str) -> HospitalPage:
    """Create or update each hospital and record the grade it holds from `grade_from`."""
    codes = [h.fixmedins_code for h in hospitals]
    duplicates = sorted(code for code, times in Counter(codes).items() if times > 1)
    if duplicates:
        raise InvalidRequest(f"同一编号出现多次：{'、'.join(duplicates[:10])}",
                             [FieldProblem(field="fixmedins_code", reason="同一请求中重复", value=duplicates[0])])
    bump_reference_version(session)
    touched = []
    for hospital in hospitals:
        record = stored.hospital_by_code(session, hospital.fixmedins_code)
        if record is None:
            record = stored.add_hospital(session, fixmedins_code=hospital.fixmedins_code, name=hospital.name,
                                         admdvs=hospital.admdvs, actor=actor)
        else:
            stored.update_hospital(session, record, name=hospital.name, admdvs=hospital.admdvs)
        stored.set_grade(session, record, grade=hospital.grade.value, effective_from=hospital.grade_from, actor=actor)
        touched.append(record)
        record_audit(session, actor, "hospital_register", f"hospital:{hospital.fixmedins_code}",
                     {"name": hospital.name, "grade": hospital.grade.value, "grade_from": str(hospital.grade_from)})
    session.flush()
    return _page(touched, stored.grade_periods(session, [id_of(r) for r in touched]))


def hospitals_from_file(data: bytes, file_name: str) -> list[HospitalIn]:
    """The rows of a registry file; InvalidRequest names every bad row and column."""
    try:
        raw = read_sheet(data, file_name, HOSPITAL_FILE, max_rows=MAX_HOSPITAL_ROWS)
    except TableFileError as exc:
        raise InvalidRequest(f"文件无法读取：{exc}", [FieldProblem(field="file", reason=str(exc))]) from None
    hospitals, problems = [], []
    labels = {col: names[0] for col, names in HOSPITAL_FILE.columns.items()}
    for number, row in raw.rows:
        values = {k: v for k, v in row.items() if v}
        try:
            hospitals.append(HospitalIn.model_validate(values))
        except ValidationError as exc:
            for error in exc.errors():
                column = str(error["loc"][0]) if error["loc"] else ""
                problems.append(FieldProblem(field=f"file:第{number}行[{labels.get(column, column)}]",
                                             reason=reason_of(error), value=values.get(column)))
    if problems:
        raise InvalidRequest(f"医院名录有 {len(problems)} 处错误，未保存任何内容", problems)
    if not hospitals:
        raise InvalidRequest("文件中没有医院", [FieldProblem(field="file", reason="没有数据行")])
    return hospitals
