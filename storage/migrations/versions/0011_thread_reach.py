"""named things of letter threads reach five years past their last letter (thread_within's new default), not one

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-08 05:00:00.000000

A mark keeps the reach it was written with, so raising ``thread_within``'s default from 365 to 1825 days would
reach only threads written after the upgrade: a thread that sleeps for two years on a database kept since
before it would start a second incident. This lengthens the named-thing marks of every incident that holds
letters to its last post + 1825 days (never shortens one). Waiting letters older than a year were already
let go under the old default; their documents stay, only their wait is gone.
"""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from alembic import op

import storage.models

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

THREAD_WITHIN = timedelta(days=1825)

_instant = storage.models.UTCDateTime(timezone=True)
_incidents = sa.table(
    "incidents",
    sa.column("id", sa.Integer),
    sa.column("status", sa.String),
    sa.column("profile", sa.JSON),
    sa.column("first_reported_at", _instant),
    sa.column("last_seen_at", _instant),
)
_marks = sa.table(
    "incident_marks",
    sa.column("incident_id", sa.Integer),
    sa.column("mark", sa.String),
    sa.column("reach_until", _instant),
)


def upgrade() -> None:
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(
            _incidents.c.id, _incidents.c.profile, _incidents.c.first_reported_at, _incidents.c.last_seen_at
        ).where(_incidents.c.status != "merged")
    )
    for incident_id, profile, first_reported_at, last_seen_at in rows.all():
        if not isinstance(profile, dict) or int(profile.get("letters") or 0) <= 0:
            continue
        last = last_seen_at or first_reported_at
        if last is None:
            continue
        reach = last + THREAD_WITHIN
        bind.execute(
            sa.update(_marks)
            .where(_marks.c.incident_id == incident_id, _marks.c.mark.like("n:%"), _marks.c.reach_until < reach)
            .values(reach_until=reach)
        )


def downgrade() -> None:
    """Nothing to undo: a longer reach than a shorter ``thread_within`` asks for is cut back as the thread's
    incident is next placed into."""
