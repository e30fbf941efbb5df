"""The clocks at every boundary: which apply, when they start, stop, breach, and what is due."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from alerts.clocks import Clock, clocks_of, describe, due_notifications, format_duration
from yuqing.config import Config

NOW = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
H = timedelta(hours=1)
S = timedelta(seconds=1)
CONFIG = Config()


@dataclass
class Facts:
    grade: str = "major"
    first_reported_at: datetime = NOW
    occurred_at: datetime | None = None
    in_jurisdiction: bool = True
    status: str = "open"
    id: int = 7


@dataclass
class Event:
    kind: str
    at: datetime
    revoked_at: datetime | None = None


def by_kind(clocks: list[Clock]) -> dict[str, Clock]:
    return {c.kind: c for c in clocks}


@pytest.mark.parametrize(
    ("grade", "kinds"),
    [
        ("especially_major", ["release", "press_conference", "follow_up"]),
        ("major", ["release", "press_conference", "follow_up"]),
        ("large", ["response"]),
        ("general", []),
    ],
)
def test_which_clocks_apply(grade: str, kinds: list[str]) -> None:
    assert [c.kind for c in clocks_of(Facts(grade=grade), [], CONFIG, NOW)] == kinds


def test_outside_the_jurisdiction_no_clock_runs() -> None:
    assert clocks_of(Facts(in_jurisdiction=False), [], CONFIG, NOW) == []


def test_clocks_start_at_the_earliest_of_occurrence_and_first_report() -> None:
    facts = Facts(first_reported_at=NOW, occurred_at=NOW - 2 * H)
    clocks = by_kind(clocks_of(facts, [], CONFIG, NOW))
    assert clocks["release"].deadline == NOW + 3 * H
    assert clocks["press_conference"].deadline == NOW + 22 * H
    later = Facts(first_reported_at=NOW, occurred_at=NOW + H)  # a stated time after the first report
    assert by_kind(clocks_of(later, [], CONFIG, NOW))["release"].deadline == NOW + 5 * H
    assert by_kind(clocks_of(Facts(grade="large"), [], CONFIG, NOW))["response"].deadline == NOW + 48 * H


def test_release_deadline_boundaries() -> None:
    deadline = NOW + 5 * H
    before = by_kind(clocks_of(Facts(), [], CONFIG, deadline - S))["release"]
    assert (before.state, before.time_left) == ("running", S)
    at = by_kind(clocks_of(Facts(), [], CONFIG, deadline))["release"]
    assert (at.state, at.time_left, at.stopped_at) == ("breached", timedelta(0), None)
    on_time = by_kind(clocks_of(Facts(), [Event("release", deadline)], CONFIG, deadline + H))["release"]
    assert (on_time.state, on_time.stopped_at) == ("met", deadline)
    late = by_kind(clocks_of(Facts(), [Event("release", deadline + S)], CONFIG, deadline + H))["release"]
    assert (late.state, late.stopped_at) == ("breached", deadline + S)


def test_a_follow_up_also_stops_the_release_clock_but_not_the_press_conference() -> None:
    clocks = by_kind(clocks_of(Facts(), [Event("follow_up", NOW + H)], CONFIG, NOW + 2 * H))
    assert clocks["release"].state == "met"
    assert clocks["press_conference"].state == "running"
    conference = by_kind(clocks_of(Facts(), [Event("press_conference", NOW + 20 * H)], CONFIG, NOW + 30 * H))
    assert conference["press_conference"].state == "met" and conference["release"].state == "breached"


def test_revoked_and_future_responses_do_not_count() -> None:
    revoked = Event("release", NOW + H, revoked_at=NOW + 2 * H)
    assert by_kind(clocks_of(Facts(), [revoked], CONFIG, NOW + 3 * H))["release"].state == "running"
    assert by_kind(clocks_of(Facts(), [revoked], CONFIG, NOW + 90 * 60 * S))["release"].state == "met"
    future = Event("release", NOW + 4 * H)
    assert by_kind(clocks_of(Facts(), [future], CONFIG, NOW + 3 * H))["release"].state == "running"


def test_follow_up_runs_from_the_last_release_while_the_incident_is_live() -> None:
    assert by_kind(clocks_of(Facts(), [], CONFIG, NOW))["follow_up"].state == "not_applicable"
    events = [Event("release", NOW + H), Event("follow_up", NOW + 10 * H)]
    clock = by_kind(clocks_of(Facts(), events, CONFIG, NOW + 21 * H))["follow_up"]
    assert (clock.deadline, clock.state, clock.key) == (NOW + 22 * H, "running", "follow_up@20250304T070000Z")
    assert by_kind(clocks_of(Facts(), events, CONFIG, NOW + 22 * H))["follow_up"].state == "breached"
    quiet = by_kind(clocks_of(Facts(status="quiet"), events, CONFIG, NOW + 30 * H))["follow_up"]
    assert quiet.state == "not_applicable"


def test_an_upgrade_keeps_the_original_start() -> None:
    """Upgraded to 重大 six hours after the first report: the 5 h release clock is already overdue."""
    clock = by_kind(clocks_of(Facts(grade="major"), [], CONFIG, NOW + 6 * H))["release"]
    assert clock.deadline == NOW + 5 * H and clock.state == "breached"


def keys(facts: Facts, now: datetime, announced: str | None = None, events: list[Event] | None = None) -> list[str]:
    clocks = clocks_of(facts, events or [], CONFIG, now)
    return [d.key for d in due_notifications(facts, clocks, CONFIG, announced, now)]


def test_alert_then_upgrade_once_per_grade() -> None:
    assert keys(Facts(grade="large"), NOW) == ["incident:7:alert"]
    assert keys(Facts(grade="large"), NOW, announced="large") == []
    assert keys(Facts(grade="major"), NOW, announced="large") == ["incident:7:upgrade:major"]
    assert keys(Facts(grade="general"), NOW) == []  # below [alerts].min_grade
    assert keys(Facts(grade="large"), NOW, announced="major") == []  # a downgrade announces nothing


def test_reminders_at_their_offsets_and_only_the_most_urgent() -> None:
    deadline = NOW + 5 * H
    assert keys(Facts(), deadline - 2 * H - S, "major") == []
    assert keys(Facts(), deadline - 2 * H, "major") == ["incident:7:reminder:release:7200"]
    assert keys(Facts(), deadline - H, "major") == ["incident:7:reminder:release:3600"]
    assert keys(Facts(), deadline - 30 * 60 * S, "major") == ["incident:7:reminder:release:1800"]
    assert keys(Facts(), deadline - S, "major") == ["incident:7:reminder:release:1800"]
    stopped = [Event("release", NOW + 4 * H)]
    assert keys(Facts(), deadline - 30 * 60 * S, "major", stopped) == []


def test_breach_keys_are_stable_and_follow_up_breaches_per_cycle() -> None:
    assert keys(Facts(), NOW + 5 * H, "major") == ["incident:7:breach:release"]
    assert keys(Facts(), NOW + 7 * H, "major") == ["incident:7:breach:release"]
    events = [Event("release", NOW + H)]
    assert keys(Facts(), NOW + 13 * H, "major", events) == ["incident:7:breach:follow_up@20250303T220000Z"]


def test_descriptions_in_chinese() -> None:
    deadline = NOW + 5 * H
    clocks = by_kind(clocks_of(Facts(), [], CONFIG, deadline - 2 * H - 15 * 60 * S))
    assert describe(clocks["release"]) == "发布权威信息：剩余 2小时15分（截止 北京时间 3月3日 22:00）"
    overdue = by_kind(clocks_of(Facts(), [], CONFIG, deadline + 65 * 60 * S))["release"]
    assert describe(overdue) == "发布权威信息：已超时 1小时5分，尚未完成（截止 北京时间 3月3日 22:00）"
    met = by_kind(clocks_of(Facts(), [Event("release", NOW + 4 * H)], CONFIG, deadline))["release"]
    assert describe(met) == "发布权威信息：已按时完成（北京时间 3月3日 21:00，截止 北京时间 3月3日 22:00）"
    assert format_duration(timedelta(days=1, hours=3, minutes=5)) == "1天3小时"
    assert format_duration(timedelta(seconds=59)) == "不足1分钟"
