"""Reference data: the snapshot of the hospital registry and the published code maps that
bill checks use beside the catalog."""

from __future__ import annotations

from sqlmodel import Session

from price_tables.grades import Grade
from pricing_api.storage import code_maps as stored_maps
from pricing_api.storage import hospitals as stored_hospitals
from pricing_api.storage.records import id_of
from validators.reference import CodeMap, GradePeriod, Hospital, ReferenceData


def load_reference(session: Session, version: int) -> ReferenceData:
    records = stored_hospitals.all_hospitals(session)
    periods = stored_hospitals.grade_periods(session)
    hospitals = [Hospital(fixmedins_code=r.fixmedins_code, name=r.name, admdvs=r.admdvs,
                          grades=tuple(GradePeriod(Grade(p.grade), p.effective_from, p.effective_to)
                                       for p in periods.get(id_of(r), [])))
                 for r in records]
    maps = stored_maps.published_maps(session)
    entries = stored_maps.entries_of(session, [id_of(m) for m in maps])
    code_maps = []
    for record in maps:
        rows = entries.get(id_of(record), [])
        code_maps.append(CodeMap(
            map_id=id_of(record), fixmedins_code=record.fixmedins_code, effective_from=record.effective_from,
            published_order=record.publish_order or 0,
            by_hilist_code={e.hilist_code: e.item_code for e in rows if e.hilist_code},
            by_hosplist_code={e.hosplist_code: e.item_code for e in rows if e.hosplist_code}))
    return ReferenceData.of(hospitals, code_maps, version_tag=str(version))
