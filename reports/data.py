"""What the reports read: the posts of a week, the incidents of a week, and the facts of one incident's
handling, all as plain values and all *as of* the report's instant.

Step in the flow: ``reports.digest`` and ``reports.evaluation`` call these functions and never write.
"As of" means: posts published before the instant, grade changes made by it, responses recorded by it
and not revoked by then, outbox rows created by it. A document rendered twice from the same database
with the same instant is the same document. The statements are storage's (``storage.documents``,
``storage.incidents``, ``storage.responses``, ``storage.outbox``); aggregation happens here, in Python.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING

from incidents.emergence import post_city
from reports.privacy import deidentify
from storage import documents as document_rows
from storage import incidents as incident_rows
from storage import outbox as outbox_rows
from storage import responses as response_rows
from storage.responses import Response
from yuqing.errors import InputError
from yuqing.instants import BEIJING

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from storage.models import Document, Incident

logger = logging.getLogger(__name__)

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
    topics = document_rows.topics_between(session, since, until)
    return [
        _post(doc, name, tier, sentiment, places, topics.get(doc.id, ()))
        for doc, name, tier, sentiment, places in document_rows.posts_between(session, since, until)
    ]


def incident_posts(session: Session, incident_id: int, as_of: datetime) -> list[Post]:
    """The incident's posts published at or before ``as_of``, oldest first."""
    rows = incident_rows.member_posts(session, incident_id, as_of)
    topics = document_rows.topics_of(session, [row[0].id for row in rows])
    return [
        _post(doc, name, tier, sentiment, places, tuple(topics.get(doc.id, ())))
        for doc, name, tier, (sentiment, places) in rows
    ]


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
    """The promoted incident numbered ``incident_id`` (not a candidate, not merged away), or None."""
    return incident_rows.find_listed(session, incident_id)


def incident_facts(session: Session, incident: Incident, as_of: datetime, *, with_posts: bool = True) -> IncidentFacts:
    grade, reasons = incident_rows.grade_as_of(session, incident, as_of)
    return IncidentFacts(
        incident=incident,
        as_of=as_of,
        grade=grade,
        grade_reasons=reasons,
        status=status_as_of(incident, as_of),
        responses=response_rows.responses_as_of(session, incident.id, as_of),
        first_alert_at=outbox_rows.first_alert(session, incident.id, as_of),
        posts=incident_posts(session, incident.id, as_of) if with_posts else [],
    )


def week_incidents(session: Session, week: Week) -> list[Incident]:
    """Incidents detected before the week's end that were live during it (reported before its end, not
    closed before its start)."""
    return incident_rows.of_week(session, week.start, week.end)


def status_as_of(incident: Incident, as_of: datetime) -> str:
    """closed when it closed by ``as_of``; its current status if that began by then; else still live (active)."""
    if incident.closed_at is not None and incident.closed_at <= as_of:
        return "closed"
    since = incident.status_since or incident.detected_at
    if incident.status != "closed" and since <= as_of:
        return incident.status
    return "active" if incident.status in ("quiet", "closed") else incident.status


@dataclass(frozen=True)
class ClockSubject:
    facts: IncidentFacts

    @property
    def id(self) -> int:
        return self.facts.incident.id

    @property
    def grade(self) -> str:
        return self.facts.grade

    @property
    def status(self) -> str:
        return self.facts.status

    @property
    def in_jurisdiction(self) -> bool:
        return self.facts.incident.in_jurisdiction

    @property
    def occurred_at(self) -> datetime | None:
        return self.facts.incident.occurred_at

    @property
    def first_reported_at(self) -> datetime:
        return self.facts.incident.first_reported_at


def clock_subject(facts: IncidentFacts) -> ClockSubject:
    """``facts`` in the shape ``alerts.clocks`` reads, with the grade and status as of the report."""
    return ClockSubject(facts)
