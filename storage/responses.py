"""Responses: an incident's recorded events (``IncidentEvent``: release, follow_up, press_conference, proposal;
revoked by ``revoked_at``), which stop its clocks and feed the evaluation.

Every read that depends on time takes ``now``: a replay (``--now``) sees only what was recorded by then.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from storage.models import Document, IncidentEvent
from yuqing.vocabulary import RESPONSE_KINDS

logger = logging.getLogger(__name__)


def events_of(session: Session, incident_id: int) -> list[IncidentEvent]:
    statement = select(IncidentEvent).where(IncidentEvent.incident_id == incident_id)
    return list(session.scalars(statement.order_by(IncidentEvent.at, IncidentEvent.id)))


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


def confirm_proposal(
    session: Session, event: IncidentEvent, kind: str, at: datetime, now: datetime, channel: str | None
) -> IncidentEvent:
    """A proposed release (from an official post) confirmed as a release or follow-up at ``at``."""
    event.kind, event.at, event.recorded_at = kind, at, now
    event.channel = channel or event.channel
    session.flush()
    return event


@dataclass(frozen=True)
class Response:
    """A response as of an instant, with the stored text of the release when it is a stored document."""

    kind: str  # release | follow_up | press_conference
    at: datetime
    url: str | None
    channel: str | None
    place: str | None
    text: str | None
    revoked_at: datetime | None = None  # always None here: responses revoked by then are not read


def responses_as_of(session: Session, incident_id: int, as_of: datetime) -> list[Response]:
    """The incident's releases, follow-ups and press conferences made and recorded by ``as_of`` and not revoked
    by then, earliest first."""
    statement = (
        select(IncidentEvent, Document.title, Document.text)
        .outerjoin(Document, Document.id == IncidentEvent.document_id)
        .where(IncidentEvent.incident_id == incident_id, IncidentEvent.kind.in_(RESPONSE_KINDS))
        .where(IncidentEvent.at <= as_of, IncidentEvent.recorded_at <= as_of)
        .where(or_(IncidentEvent.revoked_at.is_(None), IncidentEvent.revoked_at > as_of))
        .order_by(IncidentEvent.at, IncidentEvent.id)
    )
    found = []
    for event, title, text in session.execute(statement):
        if text is None and event.url:
            row = session.execute(select(Document.title, Document.text).where(Document.url == event.url)).first()
            title, text = row if row is not None else (None, None)
        body = f"{title}。{text}" if title and text else text
        found.append(Response(event.kind, event.at, event.url, event.channel, event.place, body))
    return found


def events_of_many(session: Session, incident_ids: Sequence[int]) -> dict[int, list[IncidentEvent]]:
    """:func:`events_of` for several incidents in one query."""
    found: dict[int, list[IncidentEvent]] = {i: [] for i in incident_ids}
    if not incident_ids:
        return found
    statement = select(IncidentEvent).where(IncidentEvent.incident_id.in_(list(incident_ids)))
    for event in session.scalars(statement.order_by(IncidentEvent.at, IncidentEvent.id)):
        found[event.incident_id].append(event)
    return found
