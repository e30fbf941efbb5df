"""What the reports read from the database: the posts of a week, the incidents of a week, and the
facts of one incident's handling, all as plain values and all *as of* the report's instant.

Step in the flow: ``reports.digest`` and ``reports.evaluation`` call these functions and never write.
"As of" means: posts published before the instant, grade changes made by it, responses recorded by it
and not revoked by then, outbox rows created by it. A document rendered twice from the same database
with the same instant is the same document. The SQL is plain SQLAlchemy Core/ORM selects, portable
between SQLite and PostgreSQL; aggregation happens in Python over the selected rows.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from incidents.emergence import post_city
from reports.privacy import deidentify
from storage.models import (
    Document,
    DocumentAnalysis,
    DocumentTopic,
    GradeChange,
    Incident,
    IncidentDocument,
    IncidentEvent,
    OutboxMessage,
    Source,
)
from yuqing.errors import InputError
from yuqing.instants import BEIJING

logger = logging.getLogger(__name__)

LISTED = ("open", "active", "quiet", "closed")
RESPONSE_KINDS = ("release", "follow_up", "press_conference")
_WEEK = re.compile(r"(\d{4})-?W(\d{1,2})", re.IGNORECASE)


@dataclass(frozen=True)
class Week:
    """An ISO week in 北京时间: Monday 00:00 to the next Monday 00:00, as UTC instants."""

    year: int
    number: int
    start: datetime
    end: datetime

    @property
    def label(self) -> str:
        return f"{self.year}-W{self.number:02d}"

    def previous(self) -> Week:
        return week_containing(self.start - timedelta(days=1))

    def days(self) -> list[date]:
        first = self.start.astimezone(BEIJING).date()
        return [first + timedelta(days=i) for i in range(7)]


def parse_week(text: str) -> Week:
    """``2026-W48`` (or ``2026W48``) → the week; anything else is bad input with a Chinese message."""
    match = _WEEK.fullmatch(text.strip())
    if match is None:
        raise InputError(f"参数 --week 无效：{text!r}，应写成 ISO 周，如 2026-W48")
    year, number = int(match[1]), int(match[2])
    try:
        monday = date.fromisocalendar(year, number, 1)
    except ValueError:
        raise InputError(f"参数 --week 无效：{year} 年没有第 {number} 周") from None
    return _week(monday)


def week_containing(instant: datetime) -> Week:
    return _week(instant.astimezone(BEIJING).date())


def last_complete_week(now: datetime) -> Week:
    """The week that ended most recently before ``now`` (the Monday job's week)."""
    return week_containing(now).previous()


def _week(day: date) -> Week:
    year, number, weekday = day.isocalendar()
    monday = day - timedelta(days=weekday - 1)
    start = datetime(monday.year, monday.month, monday.day, tzinfo=BEIJING).astimezone(UTC)
    return Week(year, number, start, start + timedelta(days=7))


@dataclass(frozen=True)
class Post:
    """One stored post as the reports show it; ``title`` and ``excerpt`` are already de-identified."""

    id: int
    url: str
    title: str
    excerpt: str
    text: str  # raw text, for measuring only (never written out)
    kind: str
    source: str
    tier: str | None
    published_at: datetime
    sentiment: str | None
    topics: tuple[str, ...]
    city: str | None
    engagement: int
    duplicate: bool


def posts_between(session: Session, since: datetime, until: datetime) -> list[Post]:
    """Every post published in [since, until), oldest first, with its analysis and topics."""
    statement = (
        select(Document, Source.name, Source.tier, DocumentAnalysis.sentiment, DocumentAnalysis.places)
        .join(Source, Source.id == Document.source_id)
        .outerjoin(DocumentAnalysis, DocumentAnalysis.document_id == Document.id)
        .where(Document.published_at >= since, Document.published_at < until)
        .order_by(Document.published_at, Document.id)
    )
    rows = session.execute(statement).all()
    topics = _topics(session, since, until)
    return [
        _post(doc, name, tier, sentiment, places, topics.get(doc.id, ())) for doc, name, tier, sentiment, places in rows
    ]


def incident_posts(session: Session, incident_id: int, as_of: datetime) -> list[Post]:
    """The incident's posts published at or before ``as_of``, oldest first."""
    statement = (
        select(Document, Source.name, Source.tier, DocumentAnalysis.sentiment, DocumentAnalysis.places)
        .join(IncidentDocument, IncidentDocument.document_id == Document.id)
        .join(Source, Source.id == Document.source_id)
        .outerjoin(DocumentAnalysis, DocumentAnalysis.document_id == Document.id)
        .where(IncidentDocument.incident_id == incident_id, Document.published_at <= as_of)
        .order_by(Document.published_at, Document.id)
    )
    rows = session.execute(statement).all()
    ids = [row[0].id for row in rows]
    topics: dict[int, list[str]] = {}
    if ids:
        for document_id, topic in session.execute(
            select(DocumentTopic.document_id, DocumentTopic.topic)
            .where(DocumentTopic.document_id.in_(ids))
            .order_by(DocumentTopic.document_id, DocumentTopic.score.desc())
        ):
            topics.setdefault(document_id, []).append(topic)
    return [
        _post(doc, name, tier, sent, places, tuple(topics.get(doc.id, ()))) for doc, name, tier, sent, places in rows
    ]


def _topics(session: Session, since: datetime, until: datetime) -> dict[int, tuple[str, ...]]:
    statement = (
        select(DocumentTopic.document_id, DocumentTopic.topic)
        .join(Document, Document.id == DocumentTopic.document_id)
        .where(Document.published_at >= since, Document.published_at < until)
        .order_by(DocumentTopic.document_id, DocumentTopic.score.desc(), DocumentTopic.topic)
    )
    found: dict[int, list[str]] = {}
    for document_id, topic in session.execute(statement):
        found.setdefault(document_id, []).append(topic)
    return {k: tuple(v) for k, v in found.items()}


def _post(
    doc: Document, source: str, tier: str | None, sentiment: str | None, places: object, topics: tuple[str, ...]
) -> Post:
    title = doc.title.strip() or " ".join(doc.text.split())[:40]
    flat = " ".join(doc.text.split())
    return Post(
        id=doc.id,
        url=doc.url,
        title=deidentify(title, kind=doc.kind),
        excerpt=deidentify(flat[:120] + ("…" if len(flat) > 120 else ""), kind=doc.kind),
        text=f"{doc.title}。{doc.text}" if doc.title else doc.text,
        kind=doc.kind,
        source=source,
        tier=tier,
        published_at=doc.published_at,
        sentiment=sentiment,
        topics=topics,
        city=post_city(places if isinstance(places, list) else None),
        engagement=(doc.reposts or 0) + (doc.comments or 0) + (doc.likes or 0),
        duplicate=doc.duplicate_of_id is not None,
    )


@dataclass(frozen=True)
class Response:
    kind: str  # release | follow_up | press_conference
    at: datetime
    url: str | None
    channel: str | None
    place: str | None
    text: str | None  # the stored release text, when the release is a stored document
    revoked_at: datetime | None = None  # always None here: revoked responses are not read (clocks read it)


@dataclass
class IncidentFacts:
    """One incident as of ``as_of``: its row, grade then, responses, first alert and posts."""

    incident: Incident
    as_of: datetime
    grade: str
    grade_reasons: list[str]
    status: str
    responses: list[Response]
    first_alert_at: datetime | None
    posts: list[Post] = field(default_factory=list)

    @property
    def title(self) -> str:
        return deidentify(self.incident.title, kind="news")

    @property
    def id(self) -> int:
        return self.incident.id


def find_incident(session: Session, incident_id: int) -> Incident | None:
    incident = session.get(Incident, incident_id)
    return incident if incident is not None and incident.status in LISTED else None


def incident_facts(session: Session, incident: Incident, as_of: datetime, *, with_posts: bool = True) -> IncidentFacts:
    grade, reasons = _grade_as_of(session, incident, as_of)
    return IncidentFacts(
        incident=incident,
        as_of=as_of,
        grade=grade,
        grade_reasons=reasons,
        status=status_as_of(incident, as_of),
        responses=_responses(session, incident.id, as_of),
        first_alert_at=_first_alert(session, incident.id, as_of),
        posts=incident_posts(session, incident.id, as_of) if with_posts else [],
    )


def week_incidents(session: Session, week: Week) -> list[Incident]:
    """Incidents detected before the week's end that were live during it (reported before its end, not
    closed before its start)."""
    statement = (
        select(Incident)
        .where(Incident.status.in_(LISTED), Incident.detected_at < week.end, Incident.first_reported_at < week.end)
        .where(or_(Incident.closed_at.is_(None), Incident.closed_at >= week.start))
        .order_by(Incident.first_reported_at, Incident.id)
    )
    return list(session.scalars(statement))


def status_as_of(incident: Incident, as_of: datetime) -> str:
    """closed when it closed by ``as_of``; its current status if that began by then; else still live (active)."""
    if incident.closed_at is not None and incident.closed_at <= as_of:
        return "closed"
    since = incident.status_since or incident.detected_at
    if incident.status != "closed" and since <= as_of:
        return incident.status
    return "active" if incident.status in ("quiet", "closed") else incident.status


def _grade_as_of(session: Session, incident: Incident, as_of: datetime) -> tuple[str, list[str]]:
    change = session.scalars(
        select(GradeChange)
        .where(GradeChange.incident_id == incident.id, GradeChange.at <= as_of)
        .order_by(GradeChange.at.desc(), GradeChange.id.desc())
        .limit(1)
    ).first()
    if change is None:
        return incident.grade, [str(r) for r in incident.grade_reasons or []]
    return change.grade, [str(r) for r in change.reasons or []]


def _responses(session: Session, incident_id: int, as_of: datetime) -> list[Response]:
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


def _first_alert(session: Session, incident_id: int, as_of: datetime) -> datetime | None:
    row = session.execute(
        select(OutboxMessage.sent_at, OutboxMessage.created_at)
        .where(OutboxMessage.incident_id == incident_id, OutboxMessage.kind == "alert")
        .where(OutboxMessage.created_at <= as_of)
        .order_by(OutboxMessage.created_at, OutboxMessage.id)
        .limit(1)
    ).first()
    if row is None:
        return None
    sent_at, created_at = row
    return sent_at if sent_at is not None and sent_at <= as_of else created_at
