"""Clocks (时限): an incident's deadlines, derived from stored instants every time they are evaluated.

Step in the flow: ``alerts tick`` (and ``yuqing incidents``) read an incident, its recorded responses
and ``now``, and call :func:`clocks_of`; :func:`due_notifications` turns the clocks into the
notifications that are due, each with an idempotency key, so evaluating twice queues nothing twice.
No timer lives in memory: a restart loses nothing.

The rules (design.md, "Clocks"):

- start = the earliest known of ``occurred_at`` and ``first_reported_at`` (the strict reading); an
  upgrade keeps this start, so an incident upgraded late may be overdue at once;
- grade ≥ ``release_min_grade`` (重大, 特别重大): ``release`` (权威信息, 5 h), ``press_conference``
  (新闻发布会, 24 h) and, once a release exists and while the incident is open or active,
  ``follow_up`` (持续发布: the next release at most ``follow_up`` after the last one);
- grade ≥ ``response_min_grade`` below that (较大): ``response`` (回应, 48 h);
- 一般 and incidents outside the jurisdiction: no clock.

Acknowledgement (签收): an alert or upgrade email about an incident of 较大 or above, in the
jurisdiction and live, must be signed for within ``[clocks] acknowledge`` of its sending; otherwise it
is sent again (``unacknowledged``), and after twice that period it is reported to the leadership
(``escalation``); see :func:`unacknowledged_notifications`.

A clock stops at its first recorded (not revoked) response: a release or follow-up for ``release``
and ``response``, a press conference for ``press_conference``. States: ``running`` (now < deadline,
no response), ``met`` (response at or before the deadline), ``breached`` (no response at the
deadline, or a response after it), ``not_applicable`` (follow-up before any release, or once the
incident is quiet or closed). A response exactly at the deadline meets it; with none recorded, the
clock is breached from the deadline instant on.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from yuqing.config import ClocksConfig
from yuqing.formatting import format_duration
from yuqing.instants import to_beijing
from yuqing.vocabulary import CLOCKS, LIVE_STATUSES, grade_rank

logger = logging.getLogger(__name__)

FOLLOWING_STATUSES = ("open", "active")  # follow-ups are due only while the incident is still live
ACKNOWLEDGE_MIN_GRADE = "large"  # alerts about 较大 and above must be signed for (签收)


class IncidentLike(Protocol):
    """What the clocks read of an incident (an ``Incident`` row, or :class:`IncidentFacts`); read-only."""

    @property
    def id(self) -> int: ...
    @property
    def grade(self) -> str: ...
    @property
    def in_jurisdiction(self) -> bool: ...
    @property
    def status(self) -> str: ...
    @property
    def occurred_at(self) -> datetime | None: ...
    @property
    def first_reported_at(self) -> datetime: ...


class EventLike(Protocol):
    """What the clocks read of a recorded response (an ``IncidentEvent`` row, or a report's ``Response``)."""

    @property
    def kind(self) -> str: ...
    @property
    def at(self) -> datetime: ...
    @property
    def revoked_at(self) -> datetime | None: ...


@dataclass(frozen=True)
class Clock:
    kind: str
    deadline: datetime | None
    stopped_at: datetime | None
    state: str  # running | met | breached | not_applicable
    time_left: timedelta | None  # deadline - now; negative when overdue; None without a deadline

    @property
    def label(self) -> str:
        return CLOCKS[self.kind]

    @property
    def key(self) -> str:
        """Which deadline this is, for idempotency keys: a follow-up has one deadline per cycle."""
        if self.kind == "follow_up" and self.deadline is not None:
            return f"follow_up@{self.deadline.strftime('%Y%m%dT%H%M%SZ')}"
        return self.kind


@dataclass(frozen=True)
class Announcement:
    """An alert or upgrade email as delivered: its outbox row, subject, the grade it announced, when it was sent."""

    id: int
    kind: str
    subject: str
    grade: str | None
    sent_at: datetime


@dataclass(frozen=True)
class Due:
    """A notification that is due now: ``kind`` is alert | upgrade | reminder | breach | unacknowledged | escalation.

    ``about`` is the alert or upgrade nobody signed for (unacknowledged and escalation only)."""

    kind: str
    key: str
    clock: Clock | None = None
    offset: timedelta | None = None
    grade: str | None = None
    about: Announcement | None = None


def start_of(incident: IncidentLike) -> datetime:
    """Deadlines run from the earliest known of occurrence and first report."""
    known = [t for t in (incident.occurred_at, incident.first_reported_at) if t is not None]
    return min(known)


def live_events(events: Iterable[EventLike], now: datetime) -> list[EventLike]:
    """Responses as of ``now``: recorded for an instant at or before it, and not revoked by then."""
    return sorted(
        (e for e in events if e.at <= now and (e.revoked_at is None or e.revoked_at > now)),
        key=lambda e: e.at,
    )


def clocks_of(incident: IncidentLike, events: Iterable[EventLike], config: Any, now: datetime) -> list[Clock]:
    """Every clock of ``incident`` as of ``now``; ``config`` is the Config or its ``[clocks]`` table."""
    settings: ClocksConfig = getattr(config, "clocks", config)
    if not incident.in_jurisdiction:
        return []
    rank = grade_rank(incident.grade)
    live = live_events(events, now)
    start = start_of(incident)
    releases = [e.at for e in live if e.kind in ("release", "follow_up")]
    conferences = [e.at for e in live if e.kind == "press_conference"]
    if rank >= grade_rank(settings.release_min_grade):
        return [
            _fixed("release", start + settings.release, releases, now),
            _fixed("press_conference", start + settings.press_conference, conferences, now),
            _follow_up(incident, releases, settings.follow_up, now),
        ]
    if rank >= grade_rank(settings.response_min_grade):
        return [_fixed("response", start + settings.response, releases, now)]
    return []


def _fixed(kind: str, deadline: datetime, responses: Sequence[datetime], now: datetime) -> Clock:
    stopped = min(responses, default=None)
    if stopped is not None:
        state = "met" if stopped <= deadline else "breached"
    else:
        state = "running" if now < deadline else "breached"
    return Clock(kind, deadline, stopped, state, deadline - now)


def _follow_up(incident: IncidentLike, releases: Sequence[datetime], cadence: timedelta, now: datetime) -> Clock:
    if not releases or incident.status not in FOLLOWING_STATUSES:
        return Clock("follow_up", None, None, "not_applicable", None)
    deadline = max(releases) + cadence
    state = "running" if now < deadline else "breached"
    return Clock("follow_up", deadline, None, state, deadline - now)


def reminder_offsets(kind: str, config: ClocksConfig) -> list[timedelta]:
    return {
        "release": list(config.reminders_release),
        "press_conference": list(config.reminders_press_conference),
        "response": list(config.reminders_response),
    }.get(kind, [])


def due_notifications(
    incident: IncidentLike,
    clocks: Sequence[Clock],
    config: Any,
    notified_grade: str | None,
    now: datetime,
) -> list[Due]:
    """What is due about ``incident`` now: its alert or upgrade, one reminder per clock, each breach.

    ``notified_grade`` is the highest grade already announced (alert or upgrade), None if none was.
    Of several reminders of one clock due at once (a late upgrade, a stopped daemon), only the most
    urgent is sent: the earlier ones would repeat it with stale figures.
    """
    clocks_config: ClocksConfig = config.clocks
    prefix = f"incident:{incident.id}"
    due: list[Due] = []
    if grade_rank(incident.grade) >= grade_rank(config.alerts.min_grade):
        if notified_grade is None:
            due.append(Due("alert", f"{prefix}:alert", grade=incident.grade))
        elif grade_rank(incident.grade) > grade_rank(notified_grade):
            due.append(Due("upgrade", f"{prefix}:upgrade:{incident.grade}", grade=incident.grade))
    for clock in clocks:
        if clock.state == "running" and clock.deadline is not None:
            offsets = [o for o in reminder_offsets(clock.kind, clocks_config) if clock.deadline - o <= now]
            if offsets:
                offset = min(offsets)
                key = f"{prefix}:reminder:{clock.key}:{int(offset.total_seconds())}"
                due.append(Due("reminder", key, clock=clock, offset=offset))
        elif clock.state == "breached":
            due.append(Due("breach", f"{prefix}:breach:{clock.key}", clock=clock))
    return due


def unacknowledged_notifications(
    incident: IncidentLike,
    announcements: Iterable[Announcement],
    acknowledged_at: datetime | None,
    config: Any,
    now: datetime,
) -> list[Due]:
    """Re-sends and escalations due now for alerts and upgrades nobody has signed for (签收).

    ``announcements`` are the incident's alert and upgrade emails as sent; ``acknowledged_at`` is its
    latest acknowledgement at or before ``now``. Each email is acknowledged by an acknowledgement at or
    after its ``sent_at``: one can only sign for a message that has reached the mailbox (an email held
    by the quiet hours or failing at the server was queued but not yet seen, and an upgrade's new grade
    is not known to someone who signed before it left), so ``created_at`` would let an early signature
    cover what it never saw. An email not yet sent starts no clock. Not acknowledged ``acknowledge``
    after its sending: sent again (``unacknowledged``); ``2 × acknowledge`` after: reported to the
    leadership (``escalation``). Each once per email (the key names its outbox row); when a stopped
    daemon finds both due at once, both go: they reach different people. Only live incidents in the
    jurisdiction graded 较大 or above, and only emails that announced such a grade, are chased.
    """
    floor = grade_rank(ACKNOWLEDGE_MIN_GRADE)
    if not incident.in_jurisdiction or incident.status not in LIVE_STATUSES or grade_rank(incident.grade) < floor:
        return []
    period: timedelta = config.clocks.acknowledge
    prefix = f"incident:{incident.id}"
    due: list[Due] = []
    for sent in announcements:
        if sent.sent_at > now or (sent.grade is not None and grade_rank(sent.grade) < floor):
            continue
        if acknowledged_at is not None and sent.sent_at <= acknowledged_at <= now:
            continue
        if now >= sent.sent_at + period:
            due.append(Due("unacknowledged", f"{prefix}:unacknowledged:{sent.id}", grade=incident.grade, about=sent))
        if now >= sent.sent_at + 2 * period:
            due.append(Due("escalation", f"{prefix}:escalation:{sent.id}", grade=incident.grade, about=sent))
    return due


# --- rendering -------------------------------------------------------------------------------------


def format_deadline(value: datetime) -> str:
    """``北京时间 11月27日 08:00``."""
    local = to_beijing(value)
    return f"北京时间 {local.month}月{local.day}日 {local:%H:%M}"


def describe(clock: Clock) -> str:
    """One Chinese line: ``发布权威信息：剩余 2小时15分（截止 北京时间 11月27日 08:00）``."""
    label = clock.label
    if clock.deadline is None:
        return f"{label}：不适用（首次发布后开始计时；事件平息或结束后停止）"
    deadline = format_deadline(clock.deadline)
    if clock.stopped_at is not None:
        done = format_deadline(clock.stopped_at)
        if clock.state == "met":
            return f"{label}：已按时完成（{done}，截止 {deadline}）"
        late = format_duration(abs(clock.stopped_at - clock.deadline))
        return f"{label}：已完成但超时 {late}（{done}，截止 {deadline}）"
    left = clock.time_left if clock.time_left is not None else timedelta(0)
    if clock.state == "running":
        return f"{label}：剩余 {format_duration(left)}（截止 {deadline}）"
    if left == timedelta(0):
        return f"{label}：已到截止时间，尚未完成（截止 {deadline}）"
    return f"{label}：已超时 {format_duration(-left)}，尚未完成（截止 {deadline}）"
