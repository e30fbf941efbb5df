"""incident marks (named things and key terms through which grouping finds an incident); keys and marks by reach

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07 16:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.models


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('incident_marks',
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('mark', sa.String(length=64), nullable=False),
    sa.Column('city', sa.String(length=50), nullable=True),
    sa.Column('reach_until', storage.models.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_incident_marks_incident_id_incidents')),
    sa.PrimaryKeyConstraint('incident_id', 'mark', name=op.f('pk_incident_marks'))
    )
    with op.batch_alter_table('incident_marks', schema=None) as batch_op:
        batch_op.create_index('ix_incident_marks_mark_reach', ['mark', 'reach_until'], unique=False)
        batch_op.create_index('ix_incident_marks_reach', ['reach_until'], unique=False)
    with op.batch_alter_table('incident_keys', schema=None) as batch_op:
        batch_op.create_index('ix_incident_keys_reach', ['reach_until'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('incident_keys', schema=None) as batch_op:
        batch_op.drop_index('ix_incident_keys_reach')
    with op.batch_alter_table('incident_marks', schema=None) as batch_op:
        batch_op.drop_index('ix_incident_marks_reach')
        batch_op.drop_index('ix_incident_marks_mark_reach')
    op.drop_table('incident_marks')
