"""hospital registry with graded periods; code maps (对码) and their entries; reference version

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 15:00:00
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op

import pricing_api.storage.records

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

S = sqlmodel.sql.sqltypes.AutoString
T = sqlmodel.sql.sqltypes.UTCDateTime


def upgrade() -> None:
    with op.batch_alter_table('catalog_version', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reference_version', sa.Integer(), server_default='0', nullable=False))
    op.create_table('hospital',
                    sa.Column('id', sa.Integer(), nullable=False),
                    sa.Column('fixmedins_code', S(length=30), nullable=False),
                    sa.Column('name', S(length=200), nullable=False),
                    sa.Column('admdvs', S(length=12), nullable=False),
                    sa.Column('created_at', T(), nullable=False),
                    sa.Column('created_by', S(), nullable=True),
                    sa.PrimaryKeyConstraint('id'),
                    sa.UniqueConstraint('fixmedins_code'))
    op.create_table('hospital_grade',
                    sa.Column('id', sa.Integer(), nullable=False),
                    sa.Column('hospital_id', sa.Integer(), nullable=False),
                    sa.Column('grade', S(length=20), nullable=False),
                    sa.Column('effective_from', sa.Date(), nullable=False),
                    sa.Column('effective_to', sa.Date(), nullable=True),
                    sa.Column('recorded_at', T(), nullable=False),
                    sa.Column('recorded_by', S(), nullable=True),
                    sa.ForeignKeyConstraint(['hospital_id'], ['hospital.id'], ),
                    sa.PrimaryKeyConstraint('id'))
    op.create_index('ix_hospital_grade_hospital_id', 'hospital_grade', ['hospital_id'])
    op.create_table('code_map',
                    sa.Column('id', sa.Integer(), nullable=False),
                    sa.Column('fixmedins_code', S(length=30), nullable=True),
                    sa.Column('effective_from', sa.Date(), nullable=False),
                    sa.Column('state', S(length=20), nullable=False),
                    sa.Column('entry_count', sa.Integer(), nullable=False),
                    sa.Column('file_name', S(length=255), nullable=False),
                    sa.Column('file_sha256', S(length=64), nullable=False),
                    sa.Column('file_content', sa.LargeBinary(), nullable=False),
                    sa.Column('check_report', sa.JSON(), nullable=False),
                    sa.Column('publish_order', sa.Integer(), nullable=True),
                    sa.Column('created_at', T(), nullable=False),
                    sa.Column('created_by', S(), nullable=True),
                    sa.Column('published_at', T(), nullable=True),
                    sa.Column('published_by', S(), nullable=True),
                    sa.Column('withdrawn_at', T(), nullable=True),
                    sa.Column('withdrawn_by', S(), nullable=True),
                    sa.PrimaryKeyConstraint('id'))
    op.create_index('ix_code_map_fixmedins_code', 'code_map', ['fixmedins_code'])
    op.create_index('ix_code_map_state', 'code_map', ['state'])
    op.create_table('code_map_entry',
                    sa.Column('id', sa.Integer(), nullable=False),
                    sa.Column('map_id', sa.Integer(), nullable=False),
                    sa.Column('hosplist_code', S(length=50), nullable=False),
                    sa.Column('hosplist_name', S(length=200), nullable=False),
                    sa.Column('hilist_code', S(length=50), nullable=False),
                    sa.Column('item_code', S(length=40), nullable=False),
                    sa.ForeignKeyConstraint(['map_id'], ['code_map.id'], ),
                    sa.PrimaryKeyConstraint('id'))
    op.create_index('ix_code_map_entry_map_id', 'code_map_entry', ['map_id'])
    op.create_table('nhsa_warning',
                    sa.Column('id', sa.Integer(), nullable=False),
                    sa.Column('jr_id', S(length=64), nullable=False),
                    sa.Column('rule', S(length=40), nullable=False),
                    sa.Column('rule_id', S(length=40), nullable=False),
                    sa.Column('result', S(length=20), nullable=False),
                    sa.Column('fixmedins_code', S(length=30), nullable=False),
                    sa.Column('infno', S(length=8), nullable=False),
                    sa.Column('amount', pricing_api.storage.records.Money(precision=14, scale=2), nullable=False),
                    sa.Column('raised_at', T(), nullable=False),
                    sa.PrimaryKeyConstraint('id'),
                    sa.UniqueConstraint('jr_id'))
    op.create_index('ix_nhsa_warning_rule', 'nhsa_warning', ['rule'])
    op.create_index('ix_nhsa_warning_raised_at', 'nhsa_warning', ['raised_at'])
    op.create_table('nhsa_feedback',
                    sa.Column('id', sa.Integer(), nullable=False),
                    sa.Column('jr_id', S(length=64), nullable=False),
                    sa.Column('warn_type', S(length=3), nullable=False),
                    sa.Column('dspo_way', S(length=3), nullable=False),
                    sa.Column('reason', S(length=500), nullable=False),
                    sa.Column('received_at', T(), nullable=False),
                    sa.Column('key_id', sa.Integer(), nullable=True),
                    sa.PrimaryKeyConstraint('id'))
    op.create_index('ix_nhsa_feedback_jr_id', 'nhsa_feedback', ['jr_id'])
    op.create_index('ix_nhsa_feedback_received_at', 'nhsa_feedback', ['received_at'])


def downgrade() -> None:
    op.drop_table('nhsa_feedback')
    op.drop_table('nhsa_warning')
    op.drop_index('ix_code_map_entry_map_id', 'code_map_entry')
    op.drop_table('code_map_entry')
    op.drop_index('ix_code_map_state', 'code_map')
    op.drop_index('ix_code_map_fixmedins_code', 'code_map')
    op.drop_table('code_map')
    op.drop_index('ix_hospital_grade_hospital_id', 'hospital_grade')
    op.drop_table('hospital_grade')
    op.drop_table('hospital')
    with op.batch_alter_table('catalog_version', schema=None) as batch_op:
        batch_op.drop_column('reference_version')
