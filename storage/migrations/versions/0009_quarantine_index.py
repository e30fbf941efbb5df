"""a partial index on documents set aside, so status and the desk count them without a full scan

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 18:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.create_index(
            'ix_documents_quarantined',
            ['quarantined_at'],
            unique=False,
            sqlite_where=sa.text('quarantined_at IS NOT NULL'),
            postgresql_where=sa.text('quarantined_at IS NOT NULL'),
        )


def downgrade() -> None:
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.drop_index('ix_documents_quarantined')
