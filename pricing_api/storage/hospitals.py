"""Every query about the hospital registry and its graded periods."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from sqlmodel import Session, col, select

from pricing_api.storage.records import HospitalGradeRecord, HospitalRecord, id_of


def hospital_by_code(session: Session, fixmedins_code: str) -> HospitalRecord | None:
    return session.exec(select(HospitalRecord).where(HospitalRecord.fixmedins_code == fixmedins_code)).first()


def add_hospital(session: Session, *, fixmedins_code: str, name: str, admdvs: str, actor: str) -> HospitalRecord:
    record = HospitalRecord(fixmedins_code=fixmedins_code, name=name, admdvs=admdvs, created_by=actor)
    session.add(record)
    session.flush()
    return record


def update_hospital(session: Session, record: HospitalRecord, *, name: str, admdvs: str) -> None:
    record.name, record.admdvs = name, admdvs
    session.add(record)


def grade_periods(session: Session, hospital_ids: list[int] | None = None) -> dict[int, list[HospitalGradeRecord]]:
    query = select(HospitalGradeRecord).order_by(col(HospitalGradeRecord.effective_from), col(HospitalGradeRecord.id))
    if hospital_ids is not None:
        query = query.where(col(HospitalGradeRecord.hospital_id).in_(hospital_ids))
    periods: dict[int, list[HospitalGradeRecord]] = defaultdict(list)
    for period in session.exec(query):
        periods[period.hospital_id].append(period)
    return periods


def set_grade(session: Session, hospital: HospitalRecord, *, grade: str, effective_from: dt.date, actor: str) -> None:
    """The hospital holds `grade` from `effective_from`: periods that start later are dropped
    (they are replaced), an open or overlapping period before it ends the day before."""
    hospital_id = id_of(hospital)
    for period in grade_periods(session, [hospital_id]).get(hospital_id, []):
        if period.effective_from >= effective_from:
            session.delete(period)
        elif period.effective_to is None or period.effective_to >= effective_from:
            period.effective_to = effective_from - dt.timedelta(days=1)
            session.add(period)
    session.add(HospitalGradeRecord(hospital_id=hospital_id, grade=grade, effective_from=effective_from,
                                    recorded_by=actor))
    session.flush()


def all_hospitals(session: Session) -> list[HospitalRecord]:
    return list(session.exec(select(HospitalRecord).order_by(col(HospitalRecord.fixmedins_code))))
