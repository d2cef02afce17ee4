"""items and incomplete rows stored as the domain models' JSON; incomplete_row_count on notice

An item used to be spread over 15 columns and an item_rule table, mapped by hand to and from
`price_tables.models.Item`.  It is now one JSON `body` (the model's `model_dump(mode="json")`),
read back with `Item.model_validate`; `code` and `seq` stay as columns for look-ups.  The same
for incomplete rows.  Existing rows are converted in place.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30 10:30:00
"""
from collections import defaultdict
from decimal import Decimal

import sqlalchemy as sa
import sqlmodel
from alembic import op

import pricing_api.storage.records

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

_ITEM_COLUMNS = ("name", "connotation", "exclusions", "unit", "price_grade_3a", "price_grade_3b",
                 "price_grade_2_or_below", "single_price", "self_priced", "remarks", "child_markup",
                 "uncertain_fields", "file_name", "file_row", "derived_from")
_ROW_COLUMNS = ("seq", "unit", "prices", "missing", "note", "file_row")


def _money(value):
    return None if value is None else str(Decimal(str(value)))


def _old_tables():
    money = pricing_api.storage.records.Money(14, 2)
    notice = sa.table("notice", sa.column("id", sa.Integer), sa.column("document", sa.String),
                      sa.column("file_name", sa.String), sa.column("incomplete_row_count", sa.Integer))
    item = sa.table("notice_item", sa.column("id", sa.Integer), sa.column("notice_id", sa.Integer),
                    sa.column("code", sa.String), sa.column("seq", sa.Integer), sa.column("body", sa.JSON),
                    *(sa.column(c, money if c.startswith("price_") else sa.JSON if c in ("child_markup", "uncertain_fields")
                                else sa.Boolean if c in ("single_price", "self_priced")
                                else sa.Integer if c == "file_row" else sa.String) for c in _ITEM_COLUMNS))
    rule = sa.table("item_rule", sa.column("item_id", sa.Integer), sa.column("position", sa.Integer),
                    sa.column("body", sa.JSON))
    row = sa.table("incomplete_row", sa.column("id", sa.Integer), sa.column("notice_id", sa.Integer),
                   sa.column("body", sa.JSON), sa.column("seq", sa.Integer), sa.column("unit", sa.String),
                   sa.column("prices", sa.JSON), sa.column("missing", sa.JSON), sa.column("note", sa.String),
                   sa.column("file_row", sa.Integer))
    return notice, item, rule, row


def upgrade() -> None:
    with op.batch_alter_table('notice', schema=None) as batch_op:
        batch_op.add_column(sa.Column('incomplete_row_count', sa.Integer(), server_default='0', nullable=False))
    with op.batch_alter_table('notice_item', schema=None) as batch_op:
        batch_op.add_column(sa.Column('body', sa.JSON(), nullable=True))
    with op.batch_alter_table('incomplete_row', schema=None) as batch_op:
        batch_op.add_column(sa.Column('body', sa.JSON(), nullable=True))

    bind = op.get_bind()
    notice, item, rule, row = _old_tables()
    notices = {n.id: n for n in bind.execute(sa.select(notice.c.id, notice.c.document, notice.c.file_name))}
    rules = defaultdict(list)
    for r in bind.execute(sa.select(rule.c.item_id, rule.c.body).order_by(rule.c.item_id, rule.c.position)):
        rules[r.item_id].append(r.body)
    for i in bind.execute(sa.select(item)).mappings().all():
        body = {
            "code": i["code"], "name": i["name"], "connotation": i["connotation"], "exclusions": i["exclusions"],
            "unit": i["unit"],
            "prices": {g: _money(i[f"price_{g}"]) for g in ("grade_3a", "grade_3b", "grade_2_or_below")},
            "single_price": bool(i["single_price"]), "self_priced": bool(i["self_priced"]), "remarks": i["remarks"],
            "rules": rules[i["id"]], "child_markup": i["child_markup"], "uncertain_fields": i["uncertain_fields"],
            "source": {"document": notices[i["notice_id"]].document, "seq": i["seq"], "file": i["file_name"],
                       "file_row": i["file_row"], "derived_from": i["derived_from"]},
        }
        bind.execute(item.update().where(item.c.id == i["id"]).values(body=body))
    counts = defaultdict(int)
    for r in bind.execute(sa.select(row)).mappings().all():
        counts[r["notice_id"]] += 1
        source = notices[r["notice_id"]]
        body = {"seq": r["seq"], "unit": r["unit"], "prices": r["prices"], "missing": r["missing"], "note": r["note"],
                "source": {"document": source.document, "seq": r["seq"], "file": source.file_name or "",
                           "file_row": r["file_row"], "derived_from": None}}
        bind.execute(row.update().where(row.c.id == r["id"]).values(body=body))
    for notice_id, count in counts.items():
        bind.execute(notice.update().where(notice.c.id == notice_id).values(incomplete_row_count=count))

    with op.batch_alter_table('item_rule', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_item_rule_kind'))
        batch_op.drop_index(batch_op.f('ix_item_rule_item_id'))
    op.drop_table('item_rule')
    with op.batch_alter_table('notice_item', schema=None) as batch_op:
        batch_op.alter_column('body', existing_type=sa.JSON(), nullable=False)
        for column in _ITEM_COLUMNS:
            batch_op.drop_column(column)
    with op.batch_alter_table('incomplete_row', schema=None) as batch_op:
        batch_op.alter_column('body', existing_type=sa.JSON(), nullable=False)
        for column in _ROW_COLUMNS:
            batch_op.drop_column(column)


def downgrade() -> None:
    money = pricing_api.storage.records.Money(precision=14, scale=2)
    with op.batch_alter_table('notice_item', schema=None) as batch_op:
        batch_op.add_column(sa.Column('name', sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch_op.add_column(sa.Column('connotation', sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch_op.add_column(sa.Column('exclusions', sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch_op.add_column(sa.Column('unit', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True))
        for grade in ("grade_3a", "grade_3b", "grade_2_or_below"):
            batch_op.add_column(sa.Column(f'price_{grade}', money, nullable=True))
        batch_op.add_column(sa.Column('single_price', sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column('self_priced', sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column('remarks', sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch_op.add_column(sa.Column('child_markup', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('uncertain_fields', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('file_name', sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch_op.add_column(sa.Column('file_row', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('derived_from', sqlmodel.sql.sqltypes.AutoString(), nullable=True))
    with op.batch_alter_table('incomplete_row', schema=None) as batch_op:
        batch_op.add_column(sa.Column('seq', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('unit', sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch_op.add_column(sa.Column('prices', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('missing', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('note', sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch_op.add_column(sa.Column('file_row', sa.Integer(), nullable=True))
    op.create_table('item_rule',
                    sa.Column('id', sa.Integer(), nullable=False),
                    sa.Column('item_id', sa.Integer(), nullable=False),
                    sa.Column('position', sa.Integer(), nullable=False),
                    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
                    sa.Column('basis', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
                    sa.Column('source_field', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
                    sa.Column('body', sa.JSON(), nullable=False),
                    sa.ForeignKeyConstraint(['item_id'], ['notice_item.id'], ),
                    sa.PrimaryKeyConstraint('id'))
    with op.batch_alter_table('item_rule', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_item_rule_item_id'), ['item_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_item_rule_kind'), ['kind'], unique=False)

    bind = op.get_bind()
    _, item, rule, row = _old_tables()
    rule_table = sa.table("item_rule", sa.column("item_id", sa.Integer), sa.column("position", sa.Integer),
                          sa.column("kind", sa.String), sa.column("basis", sa.String),
                          sa.column("source_field", sa.String), sa.column("body", sa.JSON))
    for i in bind.execute(sa.select(item.c.id, item.c.body)).all():
        b = i.body
        bind.execute(item.update().where(item.c.id == i.id).values(
            name=b["name"], connotation=b["connotation"], exclusions=b["exclusions"], unit=b["unit"],
            price_grade_3a=b["prices"]["grade_3a"], price_grade_3b=b["prices"]["grade_3b"],
            price_grade_2_or_below=b["prices"]["grade_2_or_below"], single_price=b["single_price"],
            self_priced=b["self_priced"], remarks=b["remarks"], child_markup=b["child_markup"],
            uncertain_fields=b["uncertain_fields"], file_name=b["source"]["file"], file_row=b["source"]["file_row"],
            derived_from=b["source"]["derived_from"]))
        for position, r in enumerate(b["rules"]):
            bind.execute(rule_table.insert().values(item_id=i.id, position=position, kind=r["kind"], basis=r["basis"],
                                                    source_field=r.get("source_field", "备注"), body=r))
    for r in bind.execute(sa.select(row.c.id, row.c.body)).all():
        b = r.body
        bind.execute(row.update().where(row.c.id == r.id).values(
            seq=b["seq"], unit=b["unit"], prices=b["prices"], missing=b["missing"], note=b["note"],
            file_row=b["source"]["file_row"]))
    with op.batch_alter_table('incomplete_row', schema=None) as batch_op:
        batch_op.drop_column('body')
    with op.batch_alter_table('notice_item', schema=None) as batch_op:
        batch_op.drop_column('body')
    with op.batch_alter_table('notice', schema=None) as batch_op:
        batch_op.drop_column('incomplete_row_count')
