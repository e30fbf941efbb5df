"""What the alerts stage reads and writes about incidents: the incidents to watch, their grade as of an
instant, their top posts, official posts to propose as releases, and the recorded responses
(``IncidentEvent`` rows: release, follow_up, press_conference, proposal; revoked by ``revoked_at``).

Every read takes ``now``: a replay (``--now``) sees only posts published and grade changes made by then.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from storage.models import Document, GradeChange, Incident, IncidentDocument, IncidentEvent, Source

logger = logging.getLogger(__name__)

WATCHED_STATUSES = ("open", "active", "quiet")  # candidates, merged and closed incidents raise nothing


@dataclass(frozen=True)
class Post:
    document_id: int
    title: str
    url: str
    source: str
    kind: str
    published_at: datetime


def incident(session: Session, incident_id: int) -> Incident | None:
    return session.get(Incident, incident_id)


def watched_incidents(session: Session, now: datetime) -> list[Incident]:
    """Promoted incidents that are not closed, detected at or before ``now``."""
    statement = (
        select(Incident).where(Incident.status.in_(WATCHED_STATUSES), Incident.detected_at <= now).order_by(Incident.id)
    )
    return list(session.scalars(statement))


def grade_as_of(session: Session, row: Incident, now: datetime) -> tuple[str, list[str]]:
    """The grade and reasons of the last grade change at or before ``now`` (the stored ones without history)."""
    change = session.scalars(
        select(GradeChange)
        .where(GradeChange.incident_id == row.id, GradeChange.at <= now)
        .order_by(GradeChange.at.desc(), GradeChange.id.desc())
        .limit(1)
    ).first()
    if change is None:
        return row.grade, [str(r) for r in row.grade_reasons or []]
    return change.grade, [str(r) for r in change.reasons or []]


def events_of(session: Session, incident_id: int) -> list[IncidentEvent]:
    statement = select(IncidentEvent).where(IncidentEvent.incident_id == incident_id)
    return list(session.scalars(statement.order_by(IncidentEvent.at, IncidentEvent.id)))


def top_posts(session: Session, incident_id: int, now: datetime, limit: int) -> list[Post]:
    """The incident's most engaging originals published by ``now`` (reposts + comments + likes), then earliest."""
    engagement = (
        func.coalesce(Document.reposts, 0) + func.coalesce(Document.comments, 0) + func.coalesce(Document.likes, 0)
    )
    statement = (
        select(Document, Source.name)
        .join(IncidentDocument, IncidentDocument.document_id == Document.id)
        .join(Source, Source.id == Document.source_id)
        .where(IncidentDocument.incident_id == incident_id, Document.published_at <= now)
        .where(Document.duplicate_of_id.is_(None))
        .order_by(engagement.desc(), Document.published_at, Document.id)
        .limit(limit)
    )
    return [_post(document, source) for document, source in session.execute(statement)]


def official_posts(session: Session, incident_id: int, now: datetime) -> list[Post]:
    """Posts of the incident from an official source (kind, type or tier ``official``), published by ``now``,
    that no response or proposal of the incident refers to yet, earliest first."""
    referenced = select(IncidentEvent.document_id).where(
        IncidentEvent.incident_id == incident_id, IncidentEvent.document_id.is_not(None)
    )
    statement = (
        select(Document, Source.name)
        .join(IncidentDocument, IncidentDocument.document_id == Document.id)
        .join(Source, Source.id == Document.source_id)
        .where(IncidentDocument.incident_id == incident_id, Document.published_at <= now)
        .where(or_(Document.kind == "official", Source.type == "official", Source.tier == "official"))
        .where(Document.id.not_in(referenced))
        .order_by(Document.published_at, Document.id)
    )
    return [_post(document, source) for document, source in session.execute(statement)]


def _post(document: Document, source: str) -> Post:
    title = document.title or document.text[:60]
    return Post(document.id, title, document.url, source, document.kind, document.published_at)


def record_event(
    session: Session,
    incident_id: int,
    kind: str,
    at: datetime,
    now: datetime,
    *,
    url: str | None = None,
    channel: str | None = None,
    place: str | None = None,
    document_id: int | None = None,
) -> IncidentEvent:
    event = IncidentEvent(
        incident_id=incident_id,
        kind=kind,
        at=at,
        recorded_at=now,
        url=url,
        channel=channel,
        place=place,
        document_id=document_id,
    )
    session.add(event)
    session.flush()
    return event


def live_response(session: Session, incident_id: int, kinds: tuple[str, ...], url: str | None) -> IncidentEvent | None:
    """The latest unrevoked response of these kinds (with this URL, when given)."""
    statement = select(IncidentEvent).where(
        IncidentEvent.incident_id == incident_id, IncidentEvent.kind.in_(kinds), IncidentEvent.revoked_at.is_(None)
    )
    if url is not None:
        statement = statement.where(IncidentEvent.url == url)
    return session.scalars(statement.order_by(IncidentEvent.at.desc(), IncidentEvent.id.desc()).limit(1)).first()


def revoke(session: Session, event: IncidentEvent, now: datetime) -> None:
    event.revoked_at = now
    session.flush()
