"""A database written by an earlier release keeps every item through the schema upgrades."""

from __future__ import annotations

import json

from alembic import command
from sqlalchemy import text
from sqlmodel import Session

from price_tables.loader import bundled_notices
from pricing_api.storage import notices as stored
from pricing_api.storage.database import alembic_config, make_engine, migrate


def _store_as_release_0002(connection, notices) -> None:
    """Write the notices the way revision 0002 stored them: an item over 15 columns plus one
    item_rule row per rule (this is the format being migrated away from)."""
    for notice_id, notice in enumerate(notices, start=1):
        meta = notice.meta
        connection.execute(text(
            "INSERT INTO notice (id, document, title, effective_from, effective_to, state, origin, meta, warnings,"
            " item_count, file_name, created_at, publish_order, check_report)"
            " VALUES (:id, :document, :title, :start, :end, 'published', 'bundled', :meta, :warnings, :items, :file,"
            " CURRENT_TIMESTAMP, :id, '[]')"),
            {"id": notice_id, "document": meta.document, "title": meta.title, "start": meta.effective_from,
             "end": meta.effective_to, "meta": meta.model_dump_json(), "items": len(notice.items),
             "warnings": json.dumps([w.model_dump(mode="json") for w in notice.warnings]),
             "file": notice.items[0].source.file})
        for item in notice.items:
            prices = item.prices
            item_id = connection.execute(text(
                "INSERT INTO notice_item (notice_id, code, seq, name, connotation, exclusions, unit, price_grade_3a,"
                " price_grade_3b, price_grade_2_or_below, single_price, self_priced, remarks, child_markup,"
                " uncertain_fields, file_name, file_row, derived_from) VALUES (:n, :code, :seq, :name, :conn, :exc,"
                " :unit, :p3a, :p3b, :p2, :single, :selfp, :remarks, :child, :uncertain, :file, :row, :derived)"
                " RETURNING id"),
                {"n": notice_id, "code": item.code, "seq": item.source.seq, "name": item.name,
                 "conn": item.connotation, "exc": item.exclusions, "unit": item.unit,
                 "p3a": None if prices.grade_3a is None else str(prices.grade_3a),
                 "p3b": None if prices.grade_3b is None else str(prices.grade_3b),
                 "p2": None if prices.grade_2_or_below is None else str(prices.grade_2_or_below),
                 "single": item.single_price, "selfp": item.self_priced, "remarks": item.remarks,
                 "child": item.child_markup.model_dump_json(), "uncertain": json.dumps(item.uncertain_fields),
                 "file": item.source.file, "row": item.source.file_row, "derived": item.source.derived_from}).scalar()
            for position, rule in enumerate(item.rules):
                connection.execute(text(
                    "INSERT INTO item_rule (item_id, position, kind, basis, source_field, body)"
                    " VALUES (:item, :pos, :kind, :basis, :field, :body)"),
                    {"item": item_id, "pos": position, "kind": rule.kind, "basis": rule.basis,
                     "field": rule.source_field, "body": rule.model_dump_json()})
        for row in notice.incomplete_rows:
            connection.execute(text(
                "INSERT INTO incomplete_row (notice_id, seq, unit, prices, missing, note, file_row)"
                " VALUES (:n, :seq, :unit, :prices, :missing, :note, :row)"),
                {"n": notice_id, "seq": row.seq, "unit": row.unit, "prices": row.prices.model_dump_json(),
                 "missing": json.dumps(list(row.missing)), "note": row.note,
                 "row": row.source.file_row})


def test_items_stored_by_release_0002_read_back_identical_after_the_upgrade(database_url):
    engine = make_engine(database_url)
    command.upgrade(alembic_config(engine), "0002")
    notices = list(bundled_notices())
    with engine.begin() as connection:
        _store_as_release_0002(connection, notices)
    migrate(engine)
    with Session(engine) as session:
        upgraded = [v.notice for v in stored.published_versions(session)]
        records = stored.list_notices(session)
    assert upgraded == notices
    assert [r.incomplete_row_count for r in records] == [len(n.incomplete_rows) for n in notices]
    engine.dispose()


def test_the_migrations_build_exactly_the_schema_the_models_declare(database_url):
    """A model changed without its migration (or a migration that differs from its model) is a
    database that production would not have."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlmodel import SQLModel

    import pricing_api.storage.records  # noqa: F401  (the tables, on SQLModel.metadata)

    engine = make_engine(database_url)
    migrate(engine)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": False})
        differences = compare_metadata(context, SQLModel.metadata)
    engine.dispose()
    assert differences == []
