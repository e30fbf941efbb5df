"""One evaluation of everything the alerts stage watches (``yuqing alerts tick``), as of ``now``.

Step in the flow: after ``detect``. For every incident that is open, active or quiet and was detected by
``now``: propose its official posts as releases, derive its clocks, and queue what is due (alert,
upgrade, reminder, breach, and the re-send and escalation of a sent alert nobody signed for), each in
the transaction that reads the state it depends on, once per idempotency key. Then the sources gone
silent (blind spots) and the daily self-test; then the outbox is delivered. Nothing is remembered
between ticks except what the database holds, so a tick can be repeated, run after a crash, or run by
two processes at once.

Replays are not production: a ``now`` later than the real time is refused before anything is queued
(``alerts.outbox.refuse_future``); :func:`replay` shows what a tick at any instant would queue and deliver,
with nothing written.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from apscheduler.triggers.cron import CronTrigger

from alerts.clocks import (
    Announcement,
    Clock,
    clocks_of,
    due_notifications,
    live_events,
    start_of,
    unacknowledged_notifications,
)
from alerts.compose import (
    AUTO_ACCEPTED,
    IncidentFacts,
    blind_spot_drafts,
    incident_drafts,
    response_drafts,
    self_test_drafts,
)
from alerts.outbox import Checkpoint, DeliveryReport, deliver, escalate, no_checkpoint, refuse_future
from storage import acknowledgements as acknowledgement_rows
from storage import incidents as incident_rows
from storage import outbox as rows
from storage import responses
from storage.db import rolled_back, transaction
from storage.models import Incident
from storage.sources import source_health
from yuqing.config import Config, SourceConfig
from yuqing.instants import BEIJING
from yuqing.vocabulary import grade_rank

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

logger = logging.getLogger(__name__)

SELF_TEST_WITHIN = timedelta(days=1)  # a self-test missed by a stopped daemon is still sent within a day


@dataclass
class TickReport:
    incidents: int = 0
    queued: Counter[str] = field(default_factory=Counter)
    delivery: DeliveryReport = field(default_factory=DeliveryReport)


def tick(
    sessions: sessionmaker[Session],
    config: Config,
    now: datetime,
    clock: Callable[[], datetime] | None = None,
    checkpoint: Checkpoint = no_checkpoint,
) -> TickReport:
    refuse_future(now)  # before anything is queued: a future instant must not use up the real keys
    report = TickReport()
    report.incidents = evaluate(sessions, config, now, report.queued)
    check_sources(sessions, config, now, report.queued)
    if config.alerts.self_test:
        queue_self_test(sessions, config, now, report.queued)
    report.delivery = deliver(sessions, config, now, clock, checkpoint=checkpoint)
    logger.info("alerts tick incidents=%d queued=%s", report.incidents, dict(report.queued))
    return report


def facts_of(session: Session, row: Incident, now: datetime) -> IncidentFacts:
    """The incident as of ``now``: its grade and reasons from the grade history."""
    grade, reasons = incident_rows.grade_as_of(session, row, now)
    return IncidentFacts(
        id=row.id,
        title=row.title,
        grade=grade,
        grade_reasons=reasons,
        topics=[str(t) for t in row.topics or []],
        province=row.province,
        city=row.city,
        district=row.district,
        in_jurisdiction=row.in_jurisdiction,
        casualties=dict(row.casualties or {}),
        occurred_at=row.occurred_at,
        first_reported_at=row.first_reported_at,
        detected_at=row.detected_at,
        status=row.status,
    )


def evaluate(sessions: sessionmaker[Session], config: Config, now: datetime, queued: Counter[str]) -> int:
    with sessions() as session:
        ids = [row.id for row in incident_rows.watched(session, now)]
    for incident_id in ids:
        propose_releases(sessions, config, incident_id, now, queued)
        with transaction(sessions) as session:
            _evaluate_one(session, config, incident_id, now, queued)
    return len(ids)


def _evaluate_one(session: Session, config: Config, incident_id: int, now: datetime, queued: Counter[str]) -> None:
    row = incident_rows.get(session, incident_id)
    if row is None:
        return
    facts = facts_of(session, row, now)
    events = responses.events_of(session, incident_id)
    clocks = clocks_of(facts, events, config, now)
    announced = max(rows.announced_grades(session, incident_id), key=grade_rank, default=None)
    due = due_notifications(facts, clocks, config, announced, now)
    due += unacknowledged_notifications(
        facts, announcements(session, incident_id, now), _signed(session, incident_id, now), config, now
    )
    done = rows.queued_keys(session, [d.key for d in due])
    fresh = [d for d in due if d.key not in done]
    if not fresh:
        return
    posts = incident_rows.top_posts(session, incident_id, now, config.alerts.top_posts)
    for item in fresh:
        drafts = incident_drafts(item, facts, clocks, events, posts, config, now)
        if rows.enqueue(session, drafts[0], now):
            queued[item.kind] += 1
            for draft in drafts[1:]:
                rows.enqueue(session, draft, now)


def announcements(session: Session, incident_id: int, now: datetime) -> list[Announcement]:
    """The incident's alert and upgrade emails sent by ``now``, with the grade each announced."""
    return [
        Announcement(row.id, row.kind, row.subject, (row.headers or {}).get("X-Yuqing-Grade"), row.sent_at)
        for row in rows.sent_announcements(session, incident_id, now)
        if row.sent_at is not None
    ]


def _signed(session: Session, incident_id: int, now: datetime) -> datetime | None:
    """When the incident was last acknowledged (签收), at or before ``now``."""
    latest = acknowledgement_rows.latest(session, incident_id, now)
    return latest.at if latest is not None else None


class _AlreadyProposed(Exception):
    """Another run proposed this post first: roll this transaction back."""


def propose_releases(
    sessions: sessionmaker[Session], config: Config, incident_id: int, now: datetime, queued: Counter[str]
) -> None:
    """Official posts of a clocked incident become its release (or follow-up), or a proposal to confirm.

    The response email's idempotency key (incident, post) guards the event: whichever run inserts it
    first keeps its event; any other run rolls back, so a post is proposed once.
    """
    with sessions() as session:
        row = incident_rows.get(session, incident_id)
        if row is None:
            return
        facts = facts_of(session, row, now)
        if not clocks_of(facts, [], config, now):
            return
        posts = [
            p for p in incident_rows.official_posts(session, incident_id, now) if p.published_at >= start_of(facts)
        ]
    for post in posts:
        try:
            with transaction(sessions) as session:
                _propose(session, config, facts, post, now)
            queued["response"] += 1
        except _AlreadyProposed:
            continue


def _propose(session: Session, config: Config, facts: IncidentFacts, post: incident_rows.Post, now: datetime) -> None:
    events = responses.events_of(session, facts.id)
    released = any(e.kind in ("release", "follow_up") for e in live_events(events, now))
    if config.alerts.auto_accept_release:
        kind, channel = ("follow_up" if released else "release"), f"{AUTO_ACCEPTED}：{post.source}"
    else:
        kind, channel = "proposal", f"官方来源：{post.source}"
    event = responses.record_event(
        session, facts.id, kind, post.published_at, now, url=post.url, channel=channel, document_id=post.document_id
    )
    events = [*events, event]
    clocks = clocks_of(facts, events, config, now)
    top = incident_rows.top_posts(session, facts.id, now, config.alerts.top_posts)
    key = f"incident:{facts.id}:proposal:{post.document_id}"
    drafts = response_drafts(key, facts, event, clocks, events, top, config, now)
    if not rows.enqueue(session, drafts[0], now):
        raise _AlreadyProposed
    for draft in drafts[1:]:
        rows.enqueue(session, draft, now)
    logger.info("proposed release incident=%d document=%d kind=%s", facts.id, post.document_id, kind)


def check_sources(sessions: sessionmaker[Session], config: Config, now: datetime, queued: Counter[str]) -> int:
    """Queue one blind-spot notice per silence of an enabled source (same rule as ``yuqing sources``)."""
    with transaction(sessions) as session:
        blind = blind_sources(session, config, now)
        for source, last_seen, error in blind:
            stamp = last_seen.strftime("%Y%m%dT%H%M%SZ") if last_seen else "never"
            key = f"blind_spot:{source.name}:{stamp}"
            drafts = blind_spot_drafts(key, source.name, last_seen, source.silence_limit, error, config, now)
            if rows.enqueue(session, drafts[0], now):
                queued["blind_spot"] += 1
                for draft in drafts[1:]:
                    rows.enqueue(session, draft, now)
    return len(blind)


def blind_sources(
    session: Session, config: Config, now: datetime
) -> list[tuple[SourceConfig, datetime | None, str | None]]:
    """Enabled sources silent for longer than their ``silence_after``: (source, last seen, last error)."""
    enabled = [s for s in config.sources if s.enabled]
    health = source_health(session, [s.name for s in enabled], now) if enabled else {}
    blind = []
    for source in enabled:
        row = health.get(source.name)
        seen = [t for t in ((row.last_document_at, row.last_success_at) if row else ()) if t is not None]
        last_seen = max(seen, default=None)
        if last_seen is None or now - last_seen > source.silence_limit:
            blind.append((source, last_seen, row.last_error if row else None))
    return blind


def last_fire(crontab: str, now: datetime) -> datetime | None:
    """The latest instant at or before ``now`` (within a day) at which the crontab (北京时间) fires."""
    trigger = CronTrigger.from_crontab(crontab, timezone=BEIJING)
    earliest = now - SELF_TEST_WITHIN
    fire = trigger.get_next_fire_time(None, earliest)
    last = None
    while fire is not None and fire <= now:
        last = fire
        fire = trigger.get_next_fire_time(fire, fire + timedelta(seconds=1))
    return last


def queue_self_test(
    sessions: sessionmaker[Session], config: Config, now: datetime, queued: Counter[str], *, manual: bool = False
) -> bool:
    """Queue the self-test of the latest ``[schedule].self_test`` firing (once), or one now when ``manual``."""
    if manual:  # ``alerts self-test --now <future>`` must not leave a row to be sent then (tick() checks its own)
        refuse_future(now)
    if manual:
        key = f"self_test:manual:{now:%Y%m%dT%H%M%S%fZ}"
    else:
        fire = last_fire(config.schedule.self_test, now)
        if fire is None:
            return False
        key = f"self_test:{fire.astimezone(now.tzinfo):%Y%m%dT%H%M%SZ}"
    with transaction(sessions) as session:
        if rows.queued_keys(session, [key]):
            return False
        drafts = self_test_drafts(key, _status(session, config, now), config, now)
        inserted = rows.enqueue(session, drafts[0], now)
        for draft in drafts[1:] if inserted else []:
            rows.enqueue(session, draft, now)
    queued["self_test"] += inserted
    return inserted


def _status(session: Session, config: Config, now: datetime) -> dict[str, int]:
    watched = incident_rows.watched(session, now)
    states: list[list[Clock]] = []
    for row in watched:
        states.append(clocks_of(facts_of(session, row, now), responses.events_of(session, row.id), config, now))
    counts = rows.counts(session)
    return {
        "incidents": len(watched),
        "running": sum(any(c.state == "running" for c in clocks) for clocks in states),
        "breached": sum(any(c.state == "breached" and c.stopped_at is None for c in clocks) for clocks in states),
        "pending": counts.get("pending", 0) + counts.get("sending", 0),
        "unconfirmed": counts.get("unconfirmed", 0),
        "blind": len(blind_sources(session, config, now)),
    }


@dataclass(frozen=True)
class Preview:
    """One notification a replayed tick would queue or deliver (nothing of it is stored)."""

    key: str
    kind: str
    incident_id: int | None
    channel: str
    recipients: int
    subject: str
    due_at: datetime | None


@dataclass
class ReplayReport:
    incidents: int = 0
    queued: Counter[str] = field(default_factory=Counter)
    would_queue: list[Preview] = field(default_factory=list)
    would_send: list[Preview] = field(default_factory=list)


def replay(sessions: sessionmaker[Session], config: Config, now: datetime) -> ReplayReport:
    """What a tick at ``now`` would queue and deliver, with nothing kept (``alerts tick --replay``).

    The tick's own steps (releases proposed, clocks, blind spots, self-test, recovery, escalation) run on
    sessions whose every commit is rolled back at the end (:func:`storage.db.rolled_back`), and nothing is
    delivered: no row, event or idempotency key survives, so the real tick at the real time still sends.
    Any ``now`` is allowed, the future included.
    """
    report = ReplayReport()
    with rolled_back(sessions) as scratch:
        with scratch() as session:
            newest = rows.listing(session, include_sent=True, limit=1)
        last_id = newest[0].id if newest else 0
        report.incidents = evaluate(scratch, config, now, report.queued)
        check_sources(scratch, config, now, report.queued)
        if config.alerts.self_test:
            queue_self_test(scratch, config, now, report.queued)
        with transaction(scratch) as session:
            rows.recover_expired(session, now)
        escalate(scratch, config, now)  # its robot messages show in ``would_queue``
        with scratch() as session:
            for row in rows.listing(session, include_sent=False, limit=10_000):
                preview = Preview(
                    row.idempotency_key,
                    row.kind,
                    row.incident_id,
                    row.channel,
                    len(row.recipients or []),
                    row.subject,
                    row.next_attempt_at,
                )
                if row.id > last_id:
                    report.would_queue.append(preview)
                if row.status == "pending" and row.next_attempt_at is not None and row.next_attempt_at <= now:
                    report.would_send.append(preview)
    logger.info("alerts replay incidents=%d would_queue=%d", report.incidents, len(report.would_queue))
    return report
