"""incident grouping keys, profile, lifecycle, detect cursor

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 10:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.models


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('detect_state',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('low_water', sa.Integer(), nullable=False),
    sa.Column('updated_at', storage.models.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_detect_state'))
    )
    op.create_table('incident_keys',
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('topic', sa.String(length=40), nullable=False),
    sa.Column('city', sa.String(length=50), nullable=True),
    sa.Column('reach_until', storage.models.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_incident_keys_incident_id_incidents')),
    sa.PrimaryKeyConstraint('incident_id', 'topic', name=op.f('pk_incident_keys'))
    )
    with op.batch_alter_table('incident_keys', schema=None) as batch_op:
        batch_op.create_index('ix_incident_keys_topic_reach', ['topic', 'reach_until'], unique=False)

    with op.batch_alter_table('incidents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_seen_at', storage.models.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('status_since', storage.models.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('profile', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('incidents', schema=None) as batch_op:
        batch_op.drop_column('profile')
        batch_op.drop_column('status_since')
        batch_op.drop_column('last_seen_at')

    with op.batch_alter_table('incident_keys', schema=None) as batch_op:
        batch_op.drop_index('ix_incident_keys_topic_reach')

    op.drop_table('incident_keys')
    op.drop_table('detect_state')
