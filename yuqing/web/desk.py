"""What the desk (值班台) shows, read in a fixed number of queries whatever the number of open incidents.

Open incidents ordered by the nearest running deadline (then grade, then the latest first report), each with
its clocks (the alerts stage's ``clocks_of``), posts in the last hour, what is new since the officer's last
visit, and its acknowledgement; beside them the sources gone silent, troubled deliveries and the last
self-test.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from alerts.clocks import Clock, clocks_of
from alerts.tick import blind_sources
from storage import acknowledgements as ack_rows
from storage import documents as document_rows
from storage import incidents as incident_rows
from storage import outbox as outbox_rows
from storage import responses as response_rows
from storage.models import Acknowledgement, OutboxMessage
from yuqing.config import Config
from yuqing.vocabulary import grade_rank

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

HOUR = timedelta(hours=1)


@dataclass(frozen=True)
class DeskRow:
    incident: Any  # a row of storage.incidents.watched_rows: the incident's listed columns
    clocks: list[Clock]
    posts_last_hour: int
    new_incident: bool  # detected since the officer's last visit
    new_posts: int  # posts published since the officer's last visit
    acknowledged: Acknowledgement | None
    may_act: bool

    @property
    def open_clocks(self) -> list[Clock]:
        """Clocks still waiting for a response: running, or overdue and still not met."""
        return [c for c in self.clocks if c.stopped_at is None and c.deadline is not None and c.state != "met"]

    @property
    def nearest(self) -> datetime | None:
        """The nearest deadline still open (an overdue one is in the past, so it sorts first)."""
        return min((c.deadline for c in self.open_clocks if c.deadline is not None), default=None)


@dataclass(frozen=True)
class Silent:
    name: str
    last_seen: datetime | None
    error: str | None


def desk_rows(
    session: Session, config: Config, now: datetime, seen_at: datetime | None, may_act: object
) -> list[DeskRow]:
    """``may_act(incident) -> bool`` says whether the viewer may act on each incident."""
    incidents = incident_rows.watched_rows(session, now)
    ids = [i.id for i in incidents]
    events = response_rows.events_of_many(session, ids)
    last_hour = incident_rows.posts_between(session, ids, now - HOUR, now)
    since = incident_rows.posts_between(session, ids, seen_at, now) if seen_at is not None else {}
    acks = ack_rows.latest_of(session, ids, now)
    rows = [
        DeskRow(
            incident=incident,
            clocks=clocks_of(incident, events[incident.id], config, now),
            posts_last_hour=last_hour.get(incident.id, 0),
            new_incident=seen_at is not None and incident.detected_at > seen_at,
            new_posts=since.get(incident.id, 0),
            acknowledged=acks.get(incident.id),
            may_act=bool(may_act(incident)),  # type: ignore[operator]
        )
        for incident in incidents
    ]
    far = datetime.max.replace(tzinfo=now.tzinfo)
    rows.sort(
        key=lambda r: (
            r.nearest is None,
            r.nearest or far,
            -grade_rank(r.incident.grade),
            -r.incident.first_reported_at.timestamp(),
        )
    )
    return rows


@dataclass(frozen=True)
class Side:
    silent: list[Silent]
    troubled: list[OutboxMessage]
    self_test: OutboxMessage | None
    set_aside: int  # documents the tagger could not process
    set_aside_shown: list[tuple[int, str, datetime]]


SET_ASIDE_SHOWN = 5


def side(session: Session, config: Config, now: datetime) -> Side:
    silent = [Silent(s.name, last, error) for s, last, error in blind_sources(session, config, now)]
    return Side(
        silent=silent,
        troubled=outbox_rows.troubled(session),
        self_test=outbox_rows.last_sent(session, "self_test"),
        set_aside=document_rows.quarantine_count(session),
        set_aside_shown=document_rows.quarantined(session, SET_ASIDE_SHOWN),
    )
