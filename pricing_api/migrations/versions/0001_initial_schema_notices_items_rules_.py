"""initial schema: notices, items, rules, incomplete rows

Revision ID: 0001
Revises: 
Create Date: 2026-11-28 17:46:37.170289
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel
import pricing_api.storage.records


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('catalog_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('notice',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('document', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('effective_from', sa.Date(), nullable=False),
    sa.Column('effective_to', sa.Date(), nullable=True),
    sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('origin', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('meta', sa.JSON(), nullable=False),
    sa.Column('warnings', sa.JSON(), nullable=False),
    sa.Column('item_count', sa.Integer(), nullable=False),
    sa.Column('file_name', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('file_sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('created_by', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('published_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('published_by', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('publish_order', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('notice', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notice_document'), ['document'], unique=False)
        batch_op.create_index(batch_op.f('ix_notice_effective_from'), ['effective_from'], unique=False)
        batch_op.create_index(batch_op.f('ix_notice_state'), ['state'], unique=False)

    op.create_table('incomplete_row',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('notice_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=True),
    sa.Column('unit', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('prices', sa.JSON(), nullable=False),
    sa.Column('missing', sa.JSON(), nullable=False),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('file_row', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['notice_id'], ['notice.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('incomplete_row', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_incomplete_row_notice_id'), ['notice_id'], unique=False)

    op.create_table('notice_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('notice_id', sa.Integer(), nullable=False),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=True),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('connotation', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('exclusions', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('unit', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('price_grade_3a', pricing_api.storage.records.Money(precision=14, scale=2), nullable=True),
    sa.Column('price_grade_3b', pricing_api.storage.records.Money(precision=14, scale=2), nullable=True),
    sa.Column('price_grade_2_or_below', pricing_api.storage.records.Money(precision=14, scale=2), nullable=True),
    sa.Column('single_price', sa.Boolean(), nullable=False),
    sa.Column('self_priced', sa.Boolean(), nullable=False),
    sa.Column('remarks', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('child_markup', sa.JSON(), nullable=False),
    sa.Column('uncertain_fields', sa.JSON(), nullable=False),
    sa.Column('file_name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('file_row', sa.Integer(), nullable=False),
    sa.Column('derived_from', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.ForeignKeyConstraint(['notice_id'], ['notice.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('notice_id', 'code', name='uq_notice_item_code')
    )
    with op.batch_alter_table('notice_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notice_item_code'), ['code'], unique=False)
        batch_op.create_index(batch_op.f('ix_notice_item_notice_id'), ['notice_id'], unique=False)

    op.create_table('item_rule',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('basis', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('source_field', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('body', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['notice_item.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('item_rule', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_item_rule_item_id'), ['item_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_item_rule_kind'), ['kind'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('item_rule', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_item_rule_kind'))
        batch_op.drop_index(batch_op.f('ix_item_rule_item_id'))

    op.drop_table('item_rule')
    with op.batch_alter_table('notice_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notice_item_notice_id'))
        batch_op.drop_index(batch_op.f('ix_notice_item_code'))

    op.drop_table('notice_item')
    with op.batch_alter_table('incomplete_row', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_incomplete_row_notice_id'))

    op.drop_table('incomplete_row')
    with op.batch_alter_table('notice', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notice_state'))
        batch_op.drop_index(batch_op.f('ix_notice_effective_from'))
        batch_op.drop_index(batch_op.f('ix_notice_document'))

    op.drop_table('notice')
    op.drop_table('catalog_version')
