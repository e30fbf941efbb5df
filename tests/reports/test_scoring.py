"""Every scoring rule of the evaluation (reports.scoring) at its boundaries: the band, the speed grade, each
dimension's points and each finding's threshold, one exact value on each side of every line design.md draws."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from reports.data import IncidentFacts, Post
from reports.scoring import (
    CHECKLIST,
    DeadlineCheck,
    Evaluation,
    Finding,
    band_of,
    dimensions,
    findings,
    peak_of,
    recommendation_for,
    recurrence_at,
    restored_at,
    speed_grade,
)
from storage.models import Incident
from storage.responses import Response
from yuqing.config import Config

T = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)
H = timedelta(hours=1)
CONFIG = Config()  # quiet_after 24 h, quiet_posts 2, active_posts 3, follow_up 12 h, release_min_grade major


def post(at: datetime, *, sentiment: str | None = "negative", text: str = "帖文", kind: str = "social") -> Post:
    return Post(
        id=0,
        url=f"https://weibo.example/{at.timestamp():.0f}",
        title=text,
        excerpt=text,
        text=text,
        kind=kind,
        source="微博",
        tier="self_media",
        published_at=at,
        sentiment=sentiment,
        topics=("engineering_quality",),
        city=None,
        engagement=0,
        duplicate=False,
    )


def release(at: datetime, url: str = "https://zjt.example/1") -> Response:
    return Response("release", at, url, "官网", None, "情况通报")


def evaluation(**changes: Any) -> Evaluation:
    """A major incident answered 1 h after its start, with nothing else notable; ``changes`` override fields."""
    grade = changes.pop("grade", "major")
    deaths = changes.pop("deaths", None)
    incident = Incident(id=1, casualties={"deaths": deaths} if deaths else {}, topics=["engineering_quality"])
    facts = IncidentFacts(incident, T + 10 * 24 * H, grade, [], "closed", [], None, [])
    base = Evaluation(
        facts=facts,
        department="工程质量安全监管处",
        start=T,
        release=release(T + H),
        follow_ups=[],
        conference=None,
        deadlines=[],
        speed="A",
        checklist=[(item, True) for item, _ in CHECKLIST],
        peak=(T, 40),
        restored_at=T + 10 * H,
        recurred_at=None,
        before=[],
        after=[],
        questioning=[],
        accountability=[],
    )
    return replace(base, **changes)


def score(e: Evaluation, name: str) -> float:
    return next(d.score for d in dimensions(e, CONFIG) if d.name == name)


def check(clock: str, done_after: timedelta | None, limit: timedelta) -> DeadlineCheck:
    return DeadlineCheck(clock, clock, limit, "首次报道", T, None if done_after is None else T + done_after, True)


# --- band and speed grade -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("total", "band"),
    [(41, "蓝"), (20, "蓝"), (19.99, "黄"), (15, "黄"), (14.99, "橙"), (10, "橙"), (9.99, "红"), (-41, "红")],
)
def test_band(total: float, band: str) -> None:
    assert band_of(total) == band


@pytest.mark.parametrize(
    ("delay", "grade"),
    [
        (timedelta(0), "A"),
        (4 * H, "A"),
        (4 * H + timedelta(seconds=1), "B"),
        (24 * H, "B"),
        (24 * H + timedelta(seconds=1), "C"),
        (72 * H, "C"),
        (72 * H + timedelta(seconds=1), "D"),
        (168 * H, "D"),
        (168 * H + timedelta(seconds=1), "E"),
        (None, "E"),
    ],
)
def test_speed_grade(delay: timedelta | None, grade: str) -> None:
    assert speed_grade(delay) == grade


# --- 政府响应 (±10) -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("speed", "points"), [("A", 8), ("B", 4), ("C", 0), ("D", -4), ("E", -8)])
def test_response_points_by_speed(speed: str, points: int) -> None:
    assert score(evaluation(speed=speed), "政府响应") == points


@pytest.mark.parametrize(
    ("speed", "conference_after", "points"),
    [
        ("A", 24 * H, 10),  # 8 + 2
        ("A", 24 * H + timedelta(seconds=1), 6),  # 8 − 2
        ("E", None, -10),  # −8 − 2
        ("B", 23 * H, 6),
    ],
)
def test_press_conference_within_24_hours(speed: str, conference_after: timedelta | None, points: int) -> None:
    deadlines = [check("press_conference", conference_after, 24 * H)]
    assert score(evaluation(speed=speed, deadlines=deadlines), "政府响应") == points


@pytest.mark.parametrize(("answered_after", "points"), [(48 * H, 6), (48 * H + timedelta(seconds=1), 2), (None, 2)])
def test_response_within_48_hours(answered_after: timedelta | None, points: int) -> None:
    e = evaluation(speed="B", grade="large", deadlines=[check("response", answered_after, 48 * H)])
    assert score(e, "政府响应") == points


def test_a_deadline_counted_from_another_start_does_not_score() -> None:
    other = replace(check("press_conference", None, 24 * H), official=False)
    assert score(evaluation(speed="C", deadlines=[other]), "政府响应") == 0


# --- 信息透明度 (±10) -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("stated", "points"), [(0, -10), (1, -6), (2, -2), (3, 2), (4, 6), (5, 10)])
def test_transparency_is_four_points_per_item_stated(stated: int, points: int) -> None:
    items = [(item, index < stated) for index, (item, _) in enumerate(CHECKLIST)]
    assert score(evaluation(checklist=items), "信息透明度") == points


def test_transparency_without_a_release_or_with_an_unknown_text() -> None:
    assert score(evaluation(release=None), "信息透明度") == -10
    unknown = [(item, None) for item, _ in CHECKLIST]
    assert score(evaluation(checklist=unknown), "信息透明度") == 0


# --- 政府公信力 (±10) -----------------------------------------------------------------------------------


def shares(negative: int, total: int, at: datetime) -> list[Post]:
    return [post(at, sentiment="negative" if i < negative else "neutral") for i in range(total)]


@pytest.mark.parametrize(
    ("before", "after", "points"),
    [
        ((5, 10), (2, 10), 6 + 4),  # 20 × 0.3 = 6
        ((9, 10), (1, 10), 6 + 4),  # 20 × 0.8 = 16, within ±6
        ((1, 10), (9, 10), -6 + 4),  # 20 × −0.8, within ±6
        ((5, 10), (4, 10), 2 + 4),  # 20 × 0.1 = 2
        ((5, 10), (5, 10), 0 + 4),
    ],
)
def test_credibility_negative_share_shift(before: tuple[int, int], after: tuple[int, int], points: float) -> None:
    e = evaluation(before=shares(*before, T), after=shares(*after, T + 2 * H))
    assert score(e, "政府公信力") == pytest.approx(points)


@pytest.mark.parametrize(
    ("questioning", "after", "points"),
    [(0, 10, 4), (1, 11, 4), (1, 10, 0), (2, 9, 0), (1, 4, -4), (3, 4, -4)],
)
def test_credibility_share_of_posts_questioning_the_release(questioning: int, after: int, points: int) -> None:
    posts = shares(0, after, T + 2 * H)
    e = evaluation(before=shares(0, 10, T), after=posts, questioning=posts[:questioning])
    assert score(e, "政府公信力") == points


def test_credibility_without_a_release() -> None:
    assert score(evaluation(release=None), "政府公信力") == -10


# --- 恢复秩序 (±5) --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("hours", "points"),
    [(1, 5), (24, 5), (25, 2), (72, 2), (73, -2), (168, -2), (169, -5), (None, -5)],
)
def test_order_restored_after_the_peak(hours: int | None, points: int) -> None:
    restored = None if hours is None else T + hours * H
    assert score(evaluation(restored_at=restored), "恢复秩序") == points


def test_order_recurrence_costs_three_within_the_band() -> None:
    assert score(evaluation(restored_at=T + 10 * H, recurred_at=T + 100 * H), "恢复秩序") == 2
    assert score(evaluation(restored_at=None, recurred_at=T + 100 * H), "恢复秩序") == -5
    assert score(evaluation(peak=None, restored_at=None), "恢复秩序") == 0


def test_restored_is_the_first_hour_after_the_peak_whose_quiet_window_holds_the_baseline() -> None:
    posts = [post(T) for _ in range(10)] + [post(T + 2 * H), post(T + 3 * H), post(T + 4 * H)]
    peak = peak_of(posts)
    assert peak == (T, 10)
    # From T+1h the next 24 h hold 3 posts (> quiet_posts 2); from T+3h only 2 (T+3h, T+4h): restored then.
    assert restored_at(posts, peak, T + 40 * H, CONFIG) == T + 3 * H
    assert restored_at(posts, peak, T + 26 * H, CONFIG) is None  # the window from T+3h is not over yet


def test_recurrence_is_a_busy_hour_after_the_quiet_window_within_30_days() -> None:
    restored = T + 3 * H
    busy = [post(restored + 30 * H) for _ in range(3)]  # active_posts = 3 in one hour
    assert recurrence_at(busy, restored, CONFIG) == restored + 30 * H
    assert recurrence_at(busy[:2], restored, CONFIG) is None
    late = [post(restored + 31 * 24 * H) for _ in range(3)]
    assert recurrence_at(late, restored, CONFIG) is None


# --- 动态反应 (±3) --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("grade", "gaps", "points"),
    [
        ("major", [], 0),  # 特别重大/重大: a release and no follow-up
        ("large", [], 1),
        ("major", [12 * H], 3),
        ("major", [12 * H + timedelta(seconds=1)], 1),
        ("major", [6 * H, 12 * H, 11 * H], 3),
        ("major", [6 * H, 13 * H], 1),
    ],
)
def test_dynamics_follow_ups_and_the_longest_gap(grade: str, gaps: list[timedelta], points: int) -> None:
    at, follow_ups = T + H, []
    for gap in gaps:
        at += gap
        follow_ups.append(Response("follow_up", at, f"https://zjt.example/{len(follow_ups)}", None, None, None))
    assert score(evaluation(grade=grade, follow_ups=follow_ups), "动态反应") == points


def test_dynamics_without_a_release() -> None:
    assert score(evaluation(release=None), "动态反应") == -3


# --- 官员问责 (±3) --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("accountability", "deaths", "points"),
    [(["https://zjt.example/问责"], {"value": 3}, 3), ([], {"value": 3}, -3), ([], None, 0)],
)
def test_accountability(accountability: list[str], deaths: dict[str, int] | None, points: int) -> None:
    assert score(evaluation(accountability=accountability, deaths=deaths), "官员问责") == points


# --- findings and the recommendation --------------------------------------------------------------------


def kinds(e: Evaluation) -> dict[str, bool]:
    return {f.kind: f.serious for f in findings(e)}


@pytest.mark.parametrize(
    ("checks", "expected"),
    [
        ([check("release", 5 * H, 5 * H)], {}),  # met exactly at the deadline
        ([check("release", 5 * H + timedelta(seconds=1), 5 * H)], {"报告不及时": False}),
        ([check("release", 10 * H, 5 * H)], {"报告不及时": False}),  # late by its own time limit: not serious
        ([check("release", 10 * H + timedelta(seconds=1), 5 * H)], {"报告不及时": True}),  # later than twice
        ([check("release", None, 5 * H)], {"报告不及时": True}),  # no release at all
        ([check("press_conference", None, 24 * H)], {"报告不及时": False}),
        ([check("response", 49 * H, 48 * H)], {"报告不及时": False}),
        ([replace(check("release", None, 5 * H), official=False)], {}),  # from another start: not counted
    ],
)
def test_finding_late_report(checks: list[DeadlineCheck], expected: dict[str, bool]) -> None:
    assert kinds(evaluation(deadlines=checks)) == expected


@pytest.mark.parametrize(
    ("before", "after", "questioning", "expected"),
    [
        ((2, 10), (2, 10), 0, {}),
        ((2, 20), (3, 20), 0, {}),  # +5 points exactly: not worse
        ((2, 10), (3, 10), 0, {"回应不妥当": False}),  # +10 points
        ((2, 10), (2, 10), 2, {}),  # 20 % question it
        ((2, 8), (2, 8), 2, {"回应不妥当": False}),  # 25 %
        ((2, 10), (4, 10), 3, {"回应不妥当": True}),  # both
    ],
)
def test_finding_inappropriate_response(
    before: tuple[int, int], after: tuple[int, int], questioning: int, expected: dict[str, bool]
) -> None:
    posts = shares(*after, T + 2 * H)
    e = evaluation(before=shares(*before, T), after=posts, questioning=posts[:questioning])
    assert kinds(e) == expected


@pytest.mark.parametrize(
    ("restored_hours", "recurred", "expected"),
    [
        (72, False, {}),
        (73, False, {"处置不得力": False}),
        (168, False, {"处置不得力": False}),
        (169, False, {"处置不得力": True}),  # not restored within 7 days
        (None, False, {"处置不得力": True}),
        (10, True, {"处置不得力": False}),  # recurrence alone
        (73, True, {"处置不得力": True}),  # slow and recurred
    ],
)
def test_finding_ineffective_handling(restored_hours: int | None, recurred: bool, expected: dict[str, bool]) -> None:
    restored = None if restored_hours is None else T + restored_hours * H
    e = evaluation(restored_at=restored, recurred_at=T + 200 * H if recurred else None)
    assert kinds(e) == expected


@pytest.mark.parametrize(
    ("found", "recommendation"),
    [
        ([], None),
        ([Finding("报告不及时", False, "")], "通报批评"),
        ([Finding("报告不及时", True, "")], "约谈整改"),
        ([Finding("报告不及时", False, ""), Finding("处置不得力", False, "")], "约谈整改"),
    ],
)
def test_recommendation(found: list[Finding], recommendation: str | None) -> None:
    assert recommendation_for(found) == recommendation


def test_total_and_band_follow_the_dimensions() -> None:
    e = evaluation()
    e.dimensions = dimensions(e, CONFIG)
    # A (8) + five items (10) + no posts around the release (4) + restored in 10 h (5) + no follow-up, major (0)
    # + no deaths, no accountability (0) = 27
    assert (e.total, e.band) == (27, "蓝")
