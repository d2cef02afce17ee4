"""audit runs and their findings under review (初审/复审); hospitals' 费用明细 column mappings

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 18:00:00
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

S = sqlmodel.sql.sqltypes.AutoString
T = sqlmodel.sql.sqltypes.UTCDateTime
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')  # SQLite autoincrements INTEGER keys only


def upgrade() -> None:
    op.create_table('audit_run',
                    sa.Column('id', sa.Integer(), nullable=False),
                    sa.Column('title', S(length=200), nullable=False),
                    sa.Column('source_name', S(length=255), nullable=False),
                    sa.Column('source_sha256', S(length=64), nullable=False),
                    sa.Column('source_bytes', sa.Integer(), nullable=False),
                    sa.Column('engine', S(length=10), nullable=False),
                    sa.Column('state', S(length=10), nullable=False),
                    sa.Column('progress', sa.Integer(), nullable=False),
                    sa.Column('stage', S(length=100), nullable=False),
                    sa.Column('lines_read', sa.Integer(), nullable=False),
                    sa.Column('bills_judged', sa.Integer(), nullable=False),
                    sa.Column('rejected_rows', sa.Integer(), nullable=False),
                    sa.Column('findings_count', sa.Integer(), nullable=False),
                    sa.Column('at_risk_cents', sa.BigInteger(), server_default='0', nullable=False),
                    sa.Column('catalog_version', S(length=20), nullable=False),
                    sa.Column('summary', sa.JSON(), nullable=False),
                    sa.Column('rejected_sample', sa.JSON(), nullable=False),
                    sa.Column('error', S(length=2000), nullable=False),
                    sa.Column('created_at', T(), nullable=False),
                    sa.Column('created_by', S(), nullable=True),
                    sa.Column('started_at', T(), nullable=True),
                    sa.Column('finished_at', T(), nullable=True),
                    sa.Column('heartbeat_at', T(), nullable=True),
                    sa.PrimaryKeyConstraint('id'))
    op.create_index('ix_audit_run_state', 'audit_run', ['state'])
    op.create_index('ix_audit_run_created_at', 'audit_run', ['created_at'])
    op.create_table('audit_finding',
                    sa.Column('id', BIG_ID, autoincrement=True, nullable=False),
                    sa.Column('run_id', sa.Integer(), nullable=False),
                    sa.Column('position', sa.Integer(), nullable=False),
                    sa.Column('bill_id', S(length=64), nullable=False),
                    sa.Column('fixmedins_code', S(length=64), nullable=False),
                    sa.Column('hospital_grade', S(length=20), nullable=False),
                    sa.Column('line_ids', S(length=2000), nullable=False),
                    sa.Column('risk_line_id', S(length=64), nullable=False),
                    sa.Column('code', S(length=40), nullable=False),
                    sa.Column('item_name', S(length=200), nullable=False),
                    sa.Column('service_date', sa.Date(), nullable=True),
                    sa.Column('rule', S(length=40), nullable=False),
                    sa.Column('national_rule', S(length=40), nullable=False),
                    sa.Column('result', S(length=20), nullable=False),
                    sa.Column('message', S(length=2000), nullable=False),
                    sa.Column('expected_cents', sa.BigInteger(), nullable=True),
                    sa.Column('charged_cents', sa.BigInteger(), nullable=True),
                    sa.Column('at_risk_cents', sa.BigInteger(), nullable=False),
                    sa.Column('basis_document', S(length=100), nullable=False),
                    sa.Column('basis_seq', sa.Integer(), nullable=True),
                    sa.Column('basis_text', S(length=2000), nullable=False),
                    sa.Column('stage', S(length=10), nullable=False),
                    sa.Column('first_decision', S(length=20), nullable=True),
                    sa.Column('first_comment', S(length=1000), nullable=False),
                    sa.Column('first_by', sa.Integer(), nullable=True),
                    sa.Column('first_by_name', S(length=100), nullable=False),
                    sa.Column('first_at', T(), nullable=True),
                    sa.Column('second_decision', S(length=20), nullable=True),
                    sa.Column('second_comment', S(length=1000), nullable=False),
                    sa.Column('second_by', sa.Integer(), nullable=True),
                    sa.Column('second_by_name', S(length=100), nullable=False),
                    sa.Column('second_at', T(), nullable=True),
                    sa.Column('decided_at', T(), nullable=True),
                    sa.ForeignKeyConstraint(['run_id'], ['audit_run.id'], ),
                    sa.PrimaryKeyConstraint('id'))
    op.create_index('ix_audit_finding_run_amount', 'audit_finding', ['run_id', 'at_risk_cents', 'id'])
    op.create_index('ix_audit_finding_run_hospital_rule', 'audit_finding', ['run_id', 'fixmedins_code', 'rule'])
    op.create_index('ix_audit_finding_run_stage', 'audit_finding', ['run_id', 'stage'])
    op.create_index('ix_audit_finding_rule_decided', 'audit_finding', ['rule', 'decided_at'])
    op.create_table('column_mapping',
                    sa.Column('id', sa.Integer(), nullable=False),
                    sa.Column('fixmedins_code', S(length=64), nullable=False),
                    sa.Column('mapping', sa.JSON(), nullable=False),
                    sa.Column('updated_at', T(), nullable=False),
                    sa.Column('updated_by', S(), nullable=True),
                    sa.PrimaryKeyConstraint('id'),
                    sa.UniqueConstraint('fixmedins_code'))


def downgrade() -> None:
    op.drop_table('column_mapping')
    for name in ('ix_audit_finding_rule_decided', 'ix_audit_finding_run_stage', 'ix_audit_finding_run_hospital_rule',
                 'ix_audit_finding_run_amount'):
        op.drop_index(name, 'audit_finding')
    op.drop_table('audit_finding')
    op.drop_index('ix_audit_run_created_at', 'audit_run')
    op.drop_index('ix_audit_run_state', 'audit_run')
    op.drop_table('audit_run')
