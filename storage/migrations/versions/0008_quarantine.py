"""documents set aside by the tagger: quarantined_at, quarantine_reason

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 16:55:03.230921
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.models


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('quarantined_at', storage.models.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('quarantine_reason', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.drop_column('quarantine_reason')
        batch_op.drop_column('quarantined_at')
