"""keys version beside the catalog version; server-side page sessions

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 13:00:00
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('catalog_version', schema=None) as batch_op:
        batch_op.add_column(sa.Column('keys_version', sa.Integer(), server_default='0', nullable=False))
    op.create_table('page_session',
                    sa.Column('id', sa.Integer(), nullable=False),
                    sa.Column('token_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
                    sa.Column('key_id', sa.Integer(), nullable=False),
                    sa.Column('csrf_token', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
                    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
                    sa.Column('expires_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
                    sa.Column('revoked_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
                    sa.ForeignKeyConstraint(['key_id'], ['api_key.id'], ),
                    sa.PrimaryKeyConstraint('id'),
                    sa.UniqueConstraint('token_hash'))
    with op.batch_alter_table('page_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_page_session_key_id'), ['key_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('page_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_page_session_key_id'))
    op.drop_table('page_session')
    with op.batch_alter_table('catalog_version', schema=None) as batch_op:
        batch_op.drop_column('keys_version')
