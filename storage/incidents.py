"""Incidents: every statement that reads or writes an incident, its members, keys, grade history and cursor.

The incidents stage (grouping, assessment, lifecycle, the officer's decisions), the alerts stage, the reports
and the console all read and write incidents through these functions; nothing outside ``storage`` builds a
query. Reads that depend on time take ``now`` (or ``as_of``) and see only what existed then.
"""

from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import Incident

logger = logging.getLogger(__name__)


def grade_of(session: Session, incident_id: int) -> str | None:
    """The stored grade of incident ``incident_id``, or None when there is no such incident."""
    return session.scalar(select(Incident.grade).where(Incident.id == incident_id))
