"""Incidents: every statement that reads or writes an incident, its members, keys, grade history and cursor.

The incidents stage (grouping, assessment, lifecycle, the officer's decisions), the alerts stage, the reports
and the console read and write incidents through these functions; nothing outside ``storage`` builds a
query. Reads that depend on time take ``now`` (or ``as_of``) and see only what existed then: posts published
by it, grade changes made by it.

Rows that the stages turn into their own values (a member, a post waiting to be placed) are returned as
plain dicts keyed by the stage's field names.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, func, insert, or_, select, update
from sqlalchemy.orm import Session, defer

from storage.models import (
    DetectState,
    Document,
    DocumentAnalysis,
    DocumentTopic,
    GradeChange,
    Incident,
    IncidentDocument,
    IncidentEvent,
    IncidentKey,
    IncidentMark,
    Source,
    WaitingLetter,
)
from yuqing.vocabulary import LISTED_STATUSES, LIVE_STATUSES

logger = logging.getLogger(__name__)


# --- one incident ------------------------------------------------------------------------------------


def get(session: Session, incident_id: int) -> Incident | None:
    return session.get(Incident, incident_id)


def grade_of(session: Session, incident_id: int) -> str | None:
    """The stored grade of incident ``incident_id``, or None when there is no such incident."""
    return session.scalar(select(Incident.grade).where(Incident.id == incident_id))


def create(session: Session, **columns: Any) -> Incident:
    """A new incident row with ``columns``, flushed so it has its id."""
    incident = Incident(**columns)
    session.add(incident)
    session.flush()
    return incident


def find_listed(session: Session, incident_id: int) -> Incident | None:
    """The incident when it is promoted (not a candidate, not merged away)."""
    incident = session.get(Incident, incident_id)
    return incident if incident is not None and incident.status in LISTED_STATUSES else None


# --- many incidents ----------------------------------------------------------------------------------


def watched(session: Session, now: datetime, with_profile: bool = True) -> list[Incident]:
    """Promoted incidents that are not closed, detected at or before ``now``: those whose clocks run. Without
    ``with_profile`` the grouping profile (hundreds of bigrams each) is not read: a list does not need it."""
    statement = (
        select(Incident).where(Incident.status.in_(LIVE_STATUSES), Incident.detected_at <= now).order_by(Incident.id)
    )
    if not with_profile:
        statement = statement.options(defer(Incident.profile))
    return list(session.scalars(statement))


def watched_rows(session: Session, now: datetime) -> list[Any]:
    """:func:`watched` as plain rows of the columns a list shows (no ORM objects, no profile): the desk reads a
    thousand of them per refresh."""
    statement = (
        select(
            Incident.id,
            Incident.title,
            Incident.status,
            Incident.grade,
            Incident.grade_reasons,
            Incident.topics,
            Incident.province,
            Incident.city,
            Incident.district,
            Incident.in_jurisdiction,
            Incident.occurred_at,
            Incident.first_reported_at,
            Incident.detected_at,
        )
        .where(Incident.status.in_(LIVE_STATUSES), Incident.detected_at <= now)
        .order_by(Incident.id)
    )
    return list(session.execute(statement))


def listed(session: Session, now: datetime, incident_ids: Sequence[int] | None = None) -> list[Incident]:
    """The promoted incidents detected at or before ``now`` (or exactly ``incident_ids``)."""
    if incident_ids is not None:
        return list(session.scalars(select(Incident).where(Incident.id.in_(list(incident_ids)))))
    statement = select(Incident).where(Incident.status.in_(LISTED_STATUSES), Incident.detected_at <= now)
    return list(session.scalars(statement))


def of_week(session: Session, start: datetime, end: datetime) -> list[Incident]:
    """Incidents detected before ``end`` that were live in [start, end): reported before its end, not closed
    before its start; earliest first report first."""
    statement = (
        select(Incident)
        .where(Incident.status.in_(LISTED_STATUSES), Incident.detected_at < end, Incident.first_reported_at < end)
        .where(or_(Incident.closed_at.is_(None), Incident.closed_at >= start))
        .order_by(Incident.first_reported_at, Incident.id)
    )
    return list(session.scalars(statement))


def profiles(session: Session, incident_ids: Sequence[int]) -> dict[int, dict[str, Any] | None]:
    """The grouping profile of each incident."""
    if not incident_ids:
        return {}
    rows = session.execute(select(Incident.id, Incident.profile).where(Incident.id.in_(list(incident_ids))))
    return {incident_id: profile for incident_id, profile in rows}


def live_in_order(session: Session, now: datetime) -> list[Incident]:
    """The live incidents (open, active, quiet) detected at or before ``now``: the lifecycle's subjects."""
    statement = select(Incident).where(Incident.status.in_(LIVE_STATUSES), Incident.detected_at <= now)
    return list(session.scalars(statement))


def posts_per_live_incident(session: Session, start: datetime, end: datetime) -> dict[int, int]:
    """Posts per live incident published in (start, end]."""
    rows = session.execute(
        select(IncidentDocument.incident_id, func.count())
        .join(Document, Document.id == IncidentDocument.document_id)
        .join(Incident, Incident.id == IncidentDocument.incident_id)
        .where(Document.published_at > start, Document.published_at <= end, Incident.status.in_(LIVE_STATUSES))
        .group_by(IncidentDocument.incident_id)
    )
    return {incident_id: count for incident_id, count in rows}


# --- where grouping looks: keys ----------------------------------------------------------------------


def reachable(
    session: Session,
    topics: Sequence[str],
    published_at: datetime,
    city: str | None,
    seen_since: datetime | None = None,
) -> list[tuple[int, str | None, str, datetime | None, str | None]]:
    """Incidents sharing one of ``topics`` whose reach extends to ``published_at``, in ``city`` or with no city,
    and (with ``seen_since``) with a post since then: (id, district, status, last seen, city)."""
    keys = select(IncidentKey.incident_id).where(
        IncidentKey.topic.in_(list(topics)), IncidentKey.reach_until >= published_at
    )
    if city is not None:
        keys = keys.where(or_(IncidentKey.city.is_(None), IncidentKey.city == city))
    statement = select(Incident.id, Incident.district, Incident.status, Incident.last_seen_at, Incident.city).where(
        Incident.id.in_(keys)
    )
    if seen_since is not None:
        statement = statement.where(Incident.last_seen_at >= seen_since)
    return [(row[0], row[1], row[2], row[3], row[4]) for row in session.execute(statement)]


def write_keys(
    session: Session,
    incident_id: int,
    city: str | None,
    reach: datetime,
    new_topics: Iterable[str],
    *,
    existing: bool = True,
) -> None:
    """Insert keys for ``new_topics``; with ``existing``, bring the incident's other keys to ``reach`` and ``city``."""
    session.add_all(IncidentKey(incident_id=incident_id, topic=t, city=city, reach_until=reach) for t in new_topics)
    if existing:
        session.execute(
            update(IncidentKey)
            .where(IncidentKey.incident_id == incident_id)
            .values(reach_until=reach, city=city)
            .execution_options(synchronize_session=False)
        )


def delete_keys(session: Session, incident_id: int) -> None:
    """The incident attracts nothing any more: its keys and marks go."""
    session.execute(delete(IncidentKey).where(IncidentKey.incident_id == incident_id))
    session.execute(delete(IncidentMark).where(IncidentMark.incident_id == incident_id))


def marked(
    session: Session, marks: Sequence[str], published_at: datetime
) -> list[tuple[int, str | None, str, datetime | None, str | None, str]]:
    """Incidents with one of ``marks`` whose reach extends to ``published_at``: (id, district, status, last seen,
    city, the mark), one row per mark found."""
    if not marks:
        return []
    rows = session.execute(
        select(Incident.id, Incident.district, Incident.status, Incident.last_seen_at, Incident.city, IncidentMark.mark)
        .join(IncidentMark, IncidentMark.incident_id == Incident.id)
        .where(IncidentMark.mark.in_(list(marks)), IncidentMark.reach_until >= published_at)
    )
    return [(row[0], row[1], row[2], row[3], row[4], row[5]) for row in rows]


def index_rows(
    session: Session, since: datetime
) -> tuple[list[tuple[int, str, datetime]], list[tuple[int, str, datetime]], list[tuple[Any, ...]]]:
    """Everything grouping may reach from ``since`` on, for an in-memory index: the keys (incident, topic,
    reach) and marks (incident, mark, reach) reaching ``since`` or later, and those incidents' (id, district,
    status, last seen, city, first report). Bounded by how many incidents are live, not by the history's size."""
    keys = [
        (row[0], row[1], row[2])
        for row in session.execute(
            select(IncidentKey.incident_id, IncidentKey.topic, IncidentKey.reach_until).where(
                IncidentKey.reach_until >= since
            )
        )
    ]
    marks = [
        (row[0], row[1], row[2])
        for row in session.execute(
            select(IncidentMark.incident_id, IncidentMark.mark, IncidentMark.reach_until).where(
                IncidentMark.reach_until >= since
            )
        )
    ]
    live = (
        select(IncidentKey.incident_id)
        .where(IncidentKey.reach_until >= since)
        .union(select(IncidentMark.incident_id).where(IncidentMark.reach_until >= since))
    )
    info = [
        tuple(row)
        for row in session.execute(
            select(
                Incident.id,
                Incident.district,
                Incident.status,
                Incident.last_seen_at,
                Incident.city,
                Incident.first_reported_at,
            ).where(Incident.id.in_(live))
        )
    ]
    return keys, marks, info


def write_reaches(
    session: Session,
    keys: Sequence[dict[str, Any]],
    marks: Sequence[dict[str, Any]],
    reaches: Sequence[dict[str, Any]],
) -> None:
    """Insert the new ``keys`` and ``marks`` rows; bring every key and mark of the incidents in ``reaches``
    (dicts of ``id``, ``city``, ``reach``, ``names_reach``) to its reach and city: a named-thing mark (``n:``) to
    ``names_reach``, the others to ``reach``. One statement per table, executed for all rows."""
    if keys:
        session.execute(insert(IncidentKey), list(keys))
    if marks:
        session.execute(insert(IncidentMark), list(marks))
    if not reaches:
        return
    key_table, mark_table = cast(Table, IncidentKey.__table__), cast(Table, IncidentMark.__table__)
    session.execute(
        update(key_table)
        .where(key_table.c.incident_id == bindparam("b_id"))
        .values(reach_until=bindparam("b_reach"), city=bindparam("b_city")),
        [{"b_id": r["id"], "b_reach": r["reach"], "b_city": r["city"]} for r in reaches],
    )
    for prefix, field in (("n:", "names_reach"), ("t:", "reach")):
        session.execute(
            update(mark_table)
            .where(mark_table.c.incident_id == bindparam("b_id"), mark_table.c.mark.startswith(prefix))
            .values(reach_until=bindparam("b_reach"), city=bindparam("b_city")),
            [{"b_id": r["id"], "b_reach": r[field], "b_city": r["city"]} for r in reaches],
        )


def write_marks(
    session: Session,
    incident_id: int,
    city: str | None,
    reaches: dict[str, datetime],
    new_marks: Iterable[str],
    *,
    existing: bool = True,
) -> None:
    """Insert ``new_marks``; with ``existing``, bring the incident's other marks to their reach and ``city``.
    ``reaches`` maps a mark's prefix (``n:``, ``t:``) to its reach."""
    session.add_all(
        IncidentMark(incident_id=incident_id, mark=m, city=city, reach_until=reaches[m[:2]]) for m in new_marks
    )
    if existing:
        for prefix, reach in reaches.items():
            session.execute(
                update(IncidentMark)
                .where(IncidentMark.incident_id == incident_id, IncidentMark.mark.startswith(prefix, autoescape=True))
                .values(reach_until=reach, city=city)
                .execution_options(synchronize_session=False)
            )


def add_waiting(session: Session, document_id: int, marks: Iterable[str], published_at: datetime) -> None:
    """Keep the letter ``document_id`` (no topic, no incident) findable by ``marks`` for a thread to start; a
    letter offered again (a replay that held the cursor back) is kept once."""
    kept = set(session.scalars(select(WaitingLetter.mark).where(WaitingLetter.document_id == document_id)))
    session.add_all(
        WaitingLetter(document_id=document_id, mark=m, published_at=published_at) for m in set(marks) - kept
    )


def waiting(session: Session, marks: Iterable[str], since: datetime, until: datetime) -> list[int]:
    """The waiting letters published between ``since`` and ``until`` with any of ``marks``, still in no incident."""
    marks = sorted(set(marks))
    if not marks:
        return []
    placed = select(IncidentDocument.document_id).where(IncidentDocument.document_id == WaitingLetter.document_id)
    rows = session.scalars(
        select(WaitingLetter.document_id)
        .where(
            WaitingLetter.mark.in_(marks),
            WaitingLetter.published_at >= since,
            WaitingLetter.published_at <= until,
            ~placed.exists(),
        )
        .distinct()
    )
    return sorted(rows)


def stop_waiting(session: Session, document_ids: Sequence[int] = (), before: datetime | None = None) -> int:
    """Forget the waiting letters ``document_ids`` (they joined a thread) and those published before ``before``."""
    removed = 0
    if document_ids:
        removed += _rowcount(
            session.execute(delete(WaitingLetter).where(WaitingLetter.document_id.in_(list(document_ids))))
        )
    if before is not None:
        removed += _rowcount(session.execute(delete(WaitingLetter).where(WaitingLetter.published_at < before)))
    return removed


def _rowcount(result: Any) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


def flush(session: Session) -> None:
    """Write pending changes of the unit of work, so the statements that follow see them."""
    session.flush()


# --- members -----------------------------------------------------------------------------------------


def add_member(session: Session, incident_id: int, document_id: int, now: datetime, *, by_hand: bool = False) -> None:
    session.add(IncidentDocument(document_id=document_id, incident_id=incident_id, joined_at=now, by_hand=by_hand))


def remove_member(session: Session, document_id: int) -> None:
    """The document belongs to no incident any more (an officer corrected it to no topic)."""
    session.execute(delete(IncidentDocument).where(IncidentDocument.document_id == document_id))


def dismiss(session: Session, incident: Incident, now: datetime) -> None:
    """An incident left with no post: retired as a false alarm, its keys gone (it attracts nothing)."""
    incident.status, incident.status_since, incident.updated_at = "dismissed", now, now
    delete_keys(session, incident.id)


def incident_of_document(session: Session, document_id: int) -> Incident | None:
    """The incident a document was placed in, if any."""
    return session.scalar(
        select(Incident)
        .join(IncidentDocument, IncidentDocument.incident_id == Incident.id)
        .where(IncidentDocument.document_id == document_id)
    )


def member_ids(session: Session, incident_id: int) -> set[int]:
    return set(session.scalars(select(IncidentDocument.document_id).where(IncidentDocument.incident_id == incident_id)))


def move_members(session: Session, from_ids: Sequence[int], to_id: int) -> None:
    """Every member of the incidents ``from_ids`` now belongs to ``to_id``, pinned by hand."""
    session.execute(
        update(IncidentDocument)
        .where(IncidentDocument.incident_id.in_(list(from_ids)))
        .values(incident_id=to_id, by_hand=True)
    )


def absorb_members(session: Session, from_id: int, to_id: int) -> None:
    """Every member of candidate ``from_id`` now belongs to ``to_id``, as placed by the job (not pinned).
    Members added in this unit of work are written first: placing runs without autoflush, and a post that
    joined the candidate earlier in the same batch would otherwise stay behind in the retired candidate."""
    session.flush()
    session.execute(update(IncidentDocument).where(IncidentDocument.incident_id == from_id).values(incident_id=to_id))


def move_documents(session: Session, document_ids: Sequence[int], to_id: int) -> None:
    """The documents ``document_ids`` now belong to incident ``to_id``, pinned by hand."""
    session.execute(
        update(IncidentDocument)
        .where(IncidentDocument.document_id.in_(list(document_ids)))
        .values(incident_id=to_id, by_hand=True)
    )


def members(session: Session, incident_id: int, now: datetime) -> list[dict[str, Any]]:
    """The incident's posts published at or before ``now``, as dicts with the fields of
    ``incidents.members.Member`` (topics highest score first); two queries, whatever the database's size."""
    return members_of(session, [incident_id], now).get(incident_id, [])


def members_of(session: Session, incident_ids: Sequence[int], now: datetime) -> dict[int, list[dict[str, Any]]]:
    """:func:`members` of several incidents at once (two queries for the lot), by incident id."""
    ids = list(incident_ids)
    rows = session.execute(
        select(
            IncidentDocument.incident_id,
            Document.id.label("document_id"),
            Document.url,
            Document.title,
            Document.text,
            Document.published_at,
            Document.kind,
            Document.author,
            Source.name.label("source"),
            Source.tier,
            Document.reposts,
            Document.comments,
            Document.likes,
            Document.duplicate_of_id,
            DocumentAnalysis.sentiment,
            DocumentAnalysis.places,
            DocumentAnalysis.casualties,
            DocumentAnalysis.occurred_at,
            IncidentDocument.by_hand,
        )
        .join(IncidentDocument, IncidentDocument.document_id == Document.id)
        .join(Source, Source.id == Document.source_id)
        .outerjoin(DocumentAnalysis, DocumentAnalysis.document_id == Document.id)
        .where(IncidentDocument.incident_id.in_(ids), Document.published_at <= now)
    ).all()
    topics: dict[int, list[str]] = {}
    statement = (
        select(DocumentTopic.document_id, DocumentTopic.topic)
        .join(IncidentDocument, IncidentDocument.document_id == DocumentTopic.document_id)
        .where(IncidentDocument.incident_id.in_(ids))
        .order_by(DocumentTopic.document_id, DocumentTopic.score.desc())
    )
    for document_id, topic in session.execute(statement):
        topics.setdefault(document_id, []).append(topic)
    found: dict[int, list[dict[str, Any]]] = {}
    for row in rows:
        values = row._asdict()
        incident_id = values.pop("incident_id")
        found.setdefault(incident_id, []).append({**values, "topics": tuple(topics.get(row.document_id, ()))})
    return found


def member_posts(session: Session, incident_id: int, as_of: datetime) -> list[tuple[Document, str, str | None, Any]]:
    """The incident's documents published at or before ``as_of``, oldest first:
    (document, source name, source tier, analysis places and sentiment as ``(sentiment, places)``)."""
    statement = (
        select(Document, Source.name, Source.tier, DocumentAnalysis.sentiment, DocumentAnalysis.places)
        .join(IncidentDocument, IncidentDocument.document_id == Document.id)
        .join(Source, Source.id == Document.source_id)
        .outerjoin(DocumentAnalysis, DocumentAnalysis.document_id == Document.id)
        .where(IncidentDocument.incident_id == incident_id, Document.published_at <= as_of)
        .order_by(Document.published_at, Document.id)
    )
    return [(row[0], row[1], row[2], (row[3], row[4])) for row in session.execute(statement)]


@dataclass(frozen=True)
class Post:
    """One of an incident's posts as a notification lists it."""

    document_id: int
    title: str
    url: str
    source: str
    kind: str
    published_at: datetime


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


# --- grade history -----------------------------------------------------------------------------------


def grade_history(session: Session, incident_id: int) -> list[GradeChange]:
    """Every grade change of the incident, oldest first."""
    statement = select(GradeChange).where(GradeChange.incident_id == incident_id)
    return list(session.scalars(statement.order_by(GradeChange.at, GradeChange.id)))


def last_grade_change(
    session: Session, incident_id: int, *, by_hand: bool = False, as_of: datetime | None = None
) -> GradeChange | None:
    """The latest grade change (only those set by hand, with ``by_hand``; only those made by ``as_of``)."""
    statement = select(GradeChange).where(GradeChange.incident_id == incident_id)
    if by_hand:
        statement = statement.where(GradeChange.by_hand.is_(True))
    if as_of is not None:
        statement = statement.where(GradeChange.at <= as_of)
    return session.scalar(statement.order_by(GradeChange.at.desc(), GradeChange.id.desc()).limit(1))


def grade_as_of(session: Session, incident: Incident, now: datetime) -> tuple[str, list[str]]:
    """The grade and reasons of the last grade change at or before ``now`` (the stored ones without history)."""
    change = last_grade_change(session, incident.id, as_of=now)
    if change is None:
        return incident.grade, [str(r) for r in incident.grade_reasons or []]
    return change.grade, [str(r) for r in change.reasons or []]


def add_grade_change(
    session: Session, incident_id: int, at: datetime, grade: str, reasons: list[str], *, by_hand: bool = False
) -> None:
    session.add(GradeChange(incident_id=incident_id, at=at, grade=grade, reasons=reasons, by_hand=by_hand))


# --- the detect job's cursor -------------------------------------------------------------------------


def low_water(session: Session) -> int:
    """Every document with an id at or below this has been considered by the detect job."""
    state = session.get(DetectState, 1)
    return state.low_water if state is not None else 0


def save_low_water(session: Session, value: int, now: datetime) -> None:
    state = session.get(DetectState, 1)
    if state is None:
        session.add(DetectState(id=1, low_water=value, updated_at=now))
    elif state.low_water != value:
        state.low_water, state.updated_at = value, now


def scan_rows(session: Session, after_id: int) -> list[tuple[int, datetime, bool, bool, bool]]:
    """Every document after ``after_id`` in id order: (id, published, tagged, placed, has a topic)."""
    has_topic = select(DocumentTopic.document_id).where(DocumentTopic.document_id == Document.id).exists()
    rows = session.execute(
        select(
            Document.id, Document.published_at, DocumentAnalysis.document_id, IncidentDocument.document_id, has_topic
        )
        .outerjoin(DocumentAnalysis, DocumentAnalysis.document_id == Document.id)
        .outerjoin(IncidentDocument, IncidentDocument.document_id == Document.id)
        .where(Document.id > after_id)
        .order_by(Document.id)
    )
    return [(row[0], row[1], row[2] is not None, row[3] is not None, bool(row[4])) for row in rows]


def posts_between(session: Session, incident_ids: Sequence[int], since: datetime, until: datetime) -> dict[int, int]:
    """How many posts of each incident were published in ``(since, until]`` (incidents with none left out)."""
    if not incident_ids:
        return {}
    rows = session.execute(
        select(IncidentDocument.incident_id, func.count())
        .join(Document, Document.id == IncidentDocument.document_id)
        .where(IncidentDocument.incident_id.in_(list(incident_ids)))
        .where(Document.published_at > since, Document.published_at <= until)
        .group_by(IncidentDocument.incident_id)
    )
    return {int(incident_id): int(n) for incident_id, n in rows}
