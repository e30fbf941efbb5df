"""Lifecycle (生命周期): open → active → quiet → closed, and reopened by a resurgence.

Evaluated by every detect run at its ``now``, from two grouped counts over the posts published in the
last hour and in the last ``quiet_after`` (an index range on ``documents.published_at``, never all
history):

- ``open``: promoted, not yet busy;
- ``active``: at least ``active_posts`` posts in the last hour (from open or quiet);
- ``quiet``: at most ``quiet_posts`` posts in the last ``quiet_after`` (volume back at the baseline),
  and in its current status (open, active, or reopened) for at least ``quiet_after``;
- ``closed``: quiet for ``close_after``; ``closed_at = now``. A post joining within ``reopen_within``
  of the closing reopens the same incident (``incidents.assess``) instead of starting a new one.

``status_since`` records when the current status began. Candidates and merged incidents have no
lifecycle.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from incidents.grouping import write_keys
from storage import incidents as incident_rows
from yuqing.config import IncidentsConfig

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

logger = logging.getLogger(__name__)

HOUR = timedelta(hours=1)


@dataclass(frozen=True)
class Transition:
    incident_id: int
    before: str
    after: str


def next_status(
    status: str,
    *,
    hour_posts: int,
    quiet_posts: int,
    status_since: datetime,
    now: datetime,
    settings: IncidentsConfig,
) -> str:
    """The status an incident should have at ``now``."""
    if status in ("open", "quiet") and hour_posts >= settings.active_posts:
        return "active"
    calm = quiet_posts <= settings.quiet_posts
    if status in ("open", "active") and calm and now - status_since >= settings.quiet_after:
        return "quiet"
    if status == "quiet" and not calm:
        return "active"
    if status == "quiet" and now - status_since >= settings.close_after:
        return "closed"
    return status


def advance(session: Session, now: datetime, settings: IncidentsConfig) -> list[Transition]:
    """Move every live incident to the status it should have at ``now``."""
    incidents = incident_rows.live_in_order(session, now)
    if not incidents:
        return []
    last_hour = incident_rows.posts_per_live_incident(session, now - HOUR, now)
    last_quiet = incident_rows.posts_per_live_incident(session, now - settings.quiet_after, now)
    transitions = []
    for incident in incidents:
        after = next_status(
            incident.status,
            hour_posts=last_hour.get(incident.id, 0),
            quiet_posts=last_quiet.get(incident.id, 0),
            status_since=incident.status_since or incident.detected_at,
            now=now,
            settings=settings,
        )
        if after == incident.status:
            continue
        transitions.append(Transition(incident.id, incident.status, after))
        incident.status, incident.status_since, incident.updated_at = after, now, now
        if after == "closed":
            incident.closed_at = now
            write_keys(session, incident, settings, [])
    if transitions:
        logger.info("lifecycle now=%s transitions=%d", now.isoformat(), len(transitions))
    return transitions
