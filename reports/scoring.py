"""How well an incident was handled (应对效果评估): every figure and score, measured from our own data.

Step in the flow: ``reports.evaluation`` calls :func:`evaluate` on the facts of one incident as of the evaluation's
instant (``reports.data``) and lays the result out; this module decides the numbers and nothing else.

Scoring rules (design.md, 人民网舆情监测室 2009 dimensions; every rule is deterministic):

- 政府响应 (±10): speed grade of the first release from the clock start: A +8, B +4, C 0, D −4, E −8;
  then the press conference (特别重大/重大): within 24 h +2, else −2; other incidents with a clock: the
  48 h response met +2, missed −2.
- 信息透明度 (±10): the release's checklist (what happened, casualties, cause, responsible unit,
  measures): 4 × items stated − 10; no release −10; a release whose text is not stored: 0.
- 政府公信力 (±10): negative share in the 72 h after the release against the 24 h before:
  20 × (before − after), within ±6; share of posts after the release that question it (质疑, 隐瞒,
  真相…): < 10 % +4, < 25 % 0, else −4; no release −10.
- 恢复秩序 (±5): order is restored at the first hour after the peak from which ``[incidents].quiet_after``
  holds at most ``quiet_posts`` posts (the lifecycle's quiet rule); hours from the peak: ≤ 24 h +5,
  ≤ 72 h +2, ≤ 168 h −2, later or not yet −5; a recurrence (an hour with ``active_posts`` posts after
  order was restored, within 30 days) −3.
- 动态反应 (±3): no release −3; a release and no follow-up: 0 (特别重大/重大) or +1; follow-ups with the
  longest gap between releases ≤ ``[clocks].follow_up``: +3, longer: +1.
- 官员问责 (±3): an official post or release announcing accountability (问责, 免职, 停职, 立案调查, 处分,
  追究…责任): +3; none, with deaths: −3; else 0.

Band of the total: 蓝 ≥ 20, 黄 15–19.99, 橙 10–14.99, 红 < 10. Speed grade (新华网 2013): A ≤ 4 h, B ≤ 1 d,
C ≤ 3 d, D ≤ 7 d, E later or never.

Findings and recommendations (the policy's 处置不得力、回应不妥当、报告不及时):
- 报告不及时: the release (5 h) or response (48 h) deadline was missed, or the press conference (24 h).
  Serious when no release came at all or it came later than twice its time limit.
- 回应不妥当: after the release the negative share rose by more than 5 points, or 25 % or more of the
  posts questioned it. Serious when both.
- 处置不得力: order was not restored within 72 h of the peak, or the incident recurred. Serious when
  both, or when order was not restored within 7 days.
A serious finding, or two findings or more, recommends 约谈整改 (an interview and rectification) of the
responsible department; one moderate finding recommends 通报批评 (a circulated criticism).
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import pairwise
from typing import TYPE_CHECKING

from alerts.clocks import clocks_of, start_of
from alerts.routing import department_label
from nlp.casualties import extract
from reports.data import IncidentFacts, Post, clock_subject
from storage.responses import Response
from yuqing.config import Config
from yuqing.formatting import format_datetime, format_duration, format_hours, format_percent
from yuqing.vocabulary import CLOCKS, grade_rank

if TYPE_CHECKING:
    from storage.models import Incident

logger = logging.getLogger(__name__)

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
BANDS = (("蓝", 20.0), ("黄", 15.0), ("橙", 10.0), ("红", float("-inf")))
SPEED_GRADES = (("A", 4 * HOUR), ("B", DAY), ("C", 3 * DAY), ("D", 7 * DAY))
SPEED_POINTS = {"A": 8, "B": 4, "C": 0, "D": -4, "E": -8}
RECURRENCE_WITHIN = timedelta(days=30)
CHECKLIST: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("事件经过", ("发生", "事故", "事件", "倒塌", "坍塌", "火灾", "情况通报", "经过")),
    ("伤亡情况", ("死亡", "遇难", "受伤", "伤亡", "失联", "无人员伤亡", "送医")),
    ("原因", ("原因", "导致", "因", "系", "初步查明", "调查认定")),
    ("责任单位", ("公司", "责任单位", "施工单位", "建设单位", "开发商", "物业", "项目部")),
    ("处置措施", ("救援", "停工", "排查", "整改", "调查组", "善后", "安置", "已启动", "处置", "控制")),
)
QUESTIONING = (
    "质疑",
    "不实",
    "隐瞒",
    "瞒报",
    "真相",
    "造假",
    "为何",
    "为什么",
    "到底",
    "不信",
    "避重就轻",
    "糊弄",
    "敷衍",
    "说法",
)
ACCOUNTABILITY = re.compile(r"问责|免职|停职|撤职|立案调查|处分|追究.{0,6}责任|被控制|刑事拘留|约谈")


@dataclass(frozen=True)
class DeadlineCheck:
    """One deadline from one start instant: met or missed, by how much."""

    clock: str  # release | press_conference | response
    label: str
    limit: timedelta
    start_label: str
    start: datetime | None
    done_at: datetime | None
    official: bool  # the start the clocks run from

    @property
    def delay(self) -> timedelta | None:
        return None if self.start is None or self.done_at is None else self.done_at - self.start

    @property
    def met(self) -> bool | None:
        """True/False when measurable; None without this start instant."""
        if self.start is None:
            return None
        if self.done_at is None:
            return False
        return self.done_at - self.start <= self.limit


@dataclass(frozen=True)
class Dimension:
    name: str
    limit: int
    score: float
    measured: str
    evidence: tuple[str, ...] = ()  # URLs of the posts / releases behind the figure


@dataclass(frozen=True)
class Finding:
    kind: str  # 报告不及时 | 回应不妥当 | 处置不得力
    serious: bool
    reason: str


@dataclass
class Evaluation:
    facts: IncidentFacts
    department: str
    start: datetime
    release: Response | None
    follow_ups: list[Response]
    conference: Response | None
    deadlines: list[DeadlineCheck]
    speed: str
    checklist: list[tuple[str, bool | None]]
    peak: tuple[datetime, int] | None
    restored_at: datetime | None
    recurred_at: datetime | None
    before: list[Post]
    after: list[Post]
    questioning: list[Post]
    accountability: list[str]
    dimensions: list[Dimension] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    @property
    def total(self) -> float:
        return round(sum(d.score for d in self.dimensions), 2)

    @property
    def band(self) -> str:
        return band_of(self.total)

    @property
    def recommendation(self) -> str | None:
        return recommendation_for(self.findings)


def band_of(total: float) -> str:
    """蓝 ≥ 20, 黄 15–19.99, 橙 10–14.99, 红 < 10."""
    return next(name for name, floor in BANDS if total >= floor)


def recommendation_for(found: Sequence[Finding]) -> str | None:
    """约谈整改 for a serious finding or two findings or more, 通报批评 for one moderate finding, else none."""
    if not found:
        return None
    if any(f.serious for f in found) or len(found) >= 2:
        return "约谈整改"
    return "通报批评"


def evaluation_instant(incident: Incident, now: datetime) -> datetime:
    """The instant the evaluation reads as of: the close of a closed incident, else ``now``."""
    return incident.closed_at if incident.closed_at is not None and incident.closed_at <= now else now


def evaluate(facts: IncidentFacts, config: Config) -> Evaluation:
    subject = clock_subject(facts)
    start = start_of(subject)
    releases = [r for r in facts.responses if r.kind in ("release", "follow_up")]
    release = releases[0] if releases else None
    conference = next((r for r in facts.responses if r.kind == "press_conference"), None)
    clocks = {c.kind for c in clocks_of(subject, facts.responses, config, facts.as_of) if c.deadline is not None}
    before, after, questioning = _credibility_windows(facts.posts, release)
    peak = peak_of(facts.posts)
    restored = restored_at(facts.posts, peak, facts.as_of, config) if peak else None
    result = Evaluation(
        facts=facts,
        department=department_label(facts.incident.topics or [], config),
        start=start,
        release=release,
        follow_ups=releases[1:],
        conference=conference,
        deadlines=_deadlines(facts, clocks, release, conference, config),
        speed=speed_grade(None if release is None else release.at - start),
        checklist=checklist(release.text if release else None, bool(release)),
        peak=peak,
        restored_at=restored,
        recurred_at=recurrence_at(facts.posts, restored, config) if restored else None,
        before=before,
        after=after,
        questioning=questioning,
        accountability=_accountability(facts),
    )
    result.dimensions = dimensions(result, config)
    result.findings = findings(result)
    return result


def speed_grade(delay: timedelta | None) -> str:
    if delay is None:
        return "E"
    return next((grade for grade, limit in SPEED_GRADES if delay <= limit), "E")


def checklist(release_text: str | None, released: bool) -> list[tuple[str, bool | None]]:
    """Each item of the release checklist: stated (True), not stated (False), unknown text (None)."""
    if not released:
        return [(item, False) for item, _ in CHECKLIST]
    if not release_text:
        return [(item, None) for item, _ in CHECKLIST]
    found: list[tuple[str, bool | None]] = []
    for item, cues in CHECKLIST:
        stated = any(cue in release_text for cue in cues)
        if item == "伤亡情况":
            stated = stated or bool(extract(release_text).to_dict())
        found.append((item, stated))
    return found


def _deadlines(
    facts: IncidentFacts, clocks: set[str], release: Response | None, conference: Response | None, config: Config
) -> list[DeadlineCheck]:
    incident = facts.incident
    starts = (
        ("事发时间", incident.occurred_at),
        ("首次报道", incident.first_reported_at),
        ("监测发现", incident.detected_at),
    )
    official = start_of(clock_subject(facts))
    limits = {
        "release": (CLOCKS["release"], config.clocks.release, release),
        "press_conference": (CLOCKS["press_conference"], config.clocks.press_conference, conference),
        "response": (CLOCKS["response"], config.clocks.response, release),
    }
    checks = []
    for kind in ("release", "press_conference", "response"):
        if kind not in clocks:
            continue
        label, limit, done = limits[kind]
        for start_label, start in starts:
            checks.append(
                DeadlineCheck(kind, label, limit, start_label, start, done.at if done else None, start == official)
            )
    return checks


def _credibility_windows(posts: Sequence[Post], release: Response | None) -> tuple[list[Post], list[Post], list[Post]]:
    if release is None:
        return [], [], []
    before = [p for p in posts if release.at - DAY <= p.published_at < release.at]
    after = [p for p in posts if release.at <= p.published_at < release.at + 3 * DAY and p.kind != "official"]
    questioning = [p for p in after if any(cue in p.text for cue in QUESTIONING)]
    return before, after, questioning


def negative_share(posts: Sequence[Post]) -> float | None:
    rated = [p for p in posts if p.sentiment]
    return sum(p.sentiment == "negative" for p in rated) / len(rated) if rated else None


def hourly_counts(posts: Sequence[Post]) -> Counter[datetime]:
    return Counter(p.published_at.replace(minute=0, second=0, microsecond=0) for p in posts)


def peak_of(posts: Sequence[Post]) -> tuple[datetime, int] | None:
    hours = hourly_counts(posts)
    if not hours:
        return None
    hour = min(hours, key=lambda h: (-hours[h], h))
    return hour, hours[hour]


def restored_at(posts: Sequence[Post], peak: tuple[datetime, int], as_of: datetime, config: Config) -> datetime | None:
    """The first whole hour after the peak from which the quiet window holds at most the baseline."""
    window, baseline = config.incidents.quiet_after, config.incidents.quiet_posts
    times = sorted(p.published_at for p in posts)
    hour = peak[0] + HOUR
    while hour + window <= as_of:
        if sum(hour <= t < hour + window for t in times) <= baseline:
            return hour
        hour += HOUR
    return None


def recurrence_at(posts: Sequence[Post], restored: datetime, config: Config) -> datetime | None:
    later = [
        p for p in posts if restored + config.incidents.quiet_after <= p.published_at < restored + RECURRENCE_WITHIN
    ]
    hours = hourly_counts(later)
    busy = sorted(h for h, n in hours.items() if n >= config.incidents.active_posts)
    return busy[0] if busy else None


def _accountability(facts: IncidentFacts) -> list[str]:
    urls = [r.url or "" for r in facts.responses if r.text and ACCOUNTABILITY.search(r.text)]
    urls += [p.url for p in facts.posts if p.kind == "official" and ACCOUNTABILITY.search(p.text)]
    return list(dict.fromkeys(u for u in urls if u))


def dimensions(e: Evaluation, config: Config) -> list[Dimension]:
    return [_response(e), _transparency(e), _credibility(e), _order(e), _dynamics(e, config), _accountable(e)]


def _clamp(value: float, limit: float) -> float:
    return round(max(-limit, min(limit, value)), 2)


def _response(e: Evaluation) -> Dimension:
    score = SPEED_POINTS[e.speed]
    delay = "无权威发布" if e.release is None else f"首次发布距计时起点{format_duration(e.release.at - e.start)}"
    parts = [f"{delay}，速度等级{e.speed}"]
    official = [c for c in e.deadlines if c.official]
    conference = next((c for c in official if c.clock == "press_conference"), None)
    if conference is not None:
        score += 2 if conference.met else -2
        parts.append("24小时内召开新闻发布会" if conference.met else "24小时内未召开新闻发布会")
    response = next((c for c in official if c.clock == "response"), None)
    if response is not None:
        score += 2 if response.met else -2
        parts.append("48小时内已回应" if response.met else "48小时内未回应")
    urls = tuple(u for u in (e.release.url if e.release else None, e.conference.url if e.conference else None) if u)
    return Dimension("政府响应", 10, _clamp(score, 10), "；".join(parts), urls)


def _transparency(e: Evaluation) -> Dimension:
    if e.release is None:
        return Dimension("信息透明度", 10, -10, "无权威发布")
    stated = [item for item, ok in e.checklist if ok]
    if any(ok is None for _, ok in e.checklist):
        return Dimension("信息透明度", 10, 0, "发布原文未入库，无法核对要素", (e.release.url or "",))
    score = 4 * len(stated) - 10
    missing = [item for item, ok in e.checklist if not ok]
    measured = f"发布说明了{len(stated)}/5项要素" + (f"，缺{'、'.join(missing)}" if missing else "")
    return Dimension("信息透明度", 10, _clamp(score, 10), measured, tuple(u for u in (e.release.url,) if u))


def _credibility(e: Evaluation) -> Dimension:
    if e.release is None:
        return Dimension("政府公信力", 10, -10, "无权威发布")
    before, after = negative_share(e.before), negative_share(e.after)
    shift = 0.0 if before is None or after is None else before - after
    score = _clamp(20 * shift, 6)
    q = len(e.questioning) / len(e.after) if e.after else 0.0
    score += 4 if q < 0.10 else 0 if q < 0.25 else -4
    measured = (
        f"负面占比：发布前24小时{format_percent(before)}（{len(e.before)}条），发布后72小时{format_percent(after)}"
        f"（{len(e.after)}条）；质疑发布的帖文{len(e.questioning)}条（{format_percent(q if e.after else None)}）"
    )
    return Dimension("政府公信力", 10, _clamp(score, 10), measured, tuple(p.url for p in e.after))


def _order(e: Evaluation) -> Dimension:
    if e.peak is None:
        return Dimension("恢复秩序", 5, 0, "无帖文")
    if e.restored_at is None:
        score, measured = -5, f"峰值（{format_datetime(e.peak[0])}，{e.peak[1]}条/小时）后尚未回落到基线"
    else:
        hours = (e.restored_at - e.peak[0]) / HOUR
        score = 5 if hours <= 24 else 2 if hours <= 72 else -2 if hours <= 168 else -5
        measured = f"峰值后{format_hours(hours)}回落到基线（{format_datetime(e.restored_at)}）"
    if e.recurred_at is not None:
        score -= 3
        measured += f"；{format_datetime(e.recurred_at)}再次升温"
    return Dimension("恢复秩序", 5, _clamp(score, 5), measured)


def _dynamics(e: Evaluation, config: Config) -> Dimension:
    if e.release is None:
        return Dimension("动态反应", 3, -3, "无权威发布，无续报")
    instants = [e.release.at, *(r.at for r in e.follow_ups)]
    if not e.follow_ups:
        major = grade_rank(e.facts.grade) >= grade_rank(config.clocks.release_min_grade)
        return Dimension("动态反应", 3, 0 if major else 1, "首次发布后无续报", (e.release.url or "",))
    gap = max(b - a for a, b in pairwise(instants))
    score = 3 if gap <= config.clocks.follow_up else 1
    measured = f"续报{len(e.follow_ups)}次，发布间最长间隔{format_duration(gap)}"
    return Dimension("动态反应", 3, score, measured, tuple(r.url for r in e.follow_ups if r.url))


def _accountable(e: Evaluation) -> Dimension:
    if e.accountability:
        return Dimension("官员问责", 3, 3, "已公布问责或追责措施", tuple(e.accountability))
    deaths = (e.facts.incident.casualties or {}).get("deaths")
    if deaths:
        return Dimension("官员问责", 3, -3, "有人员死亡，未见公布问责措施")
    return Dimension("官员问责", 3, 0, "未见公布问责措施（无人员死亡）")


def findings(e: Evaluation) -> list[Finding]:
    found = []
    late = [c for c in e.deadlines if c.official and c.met is False]
    if late:
        reasons = []
        serious = False
        for check in late:
            if check.done_at is None:
                reasons.append(f"{check.label}时限（{format_duration(check.limit)}）内未完成，至今未完成")
                serious = serious or check.clock != "press_conference"
            elif check.start is not None:
                over = check.done_at - check.start - check.limit
                reasons.append(f"{check.label}超过时限{format_duration(over)}")
                serious = serious or over > check.limit
        found.append(Finding("报告不及时", serious, "；".join(reasons)))
    before, after = negative_share(e.before), negative_share(e.after)
    worse = before is not None and after is not None and after > before + 0.05
    doubted = bool(e.after) and len(e.questioning) / len(e.after) >= 0.25
    if worse or doubted:
        reasons = []
        if worse:
            reasons.append(f"发布后负面占比由{format_percent(before)}升至{format_percent(after)}")
        if doubted:
            reasons.append(f"发布后{format_percent(len(e.questioning) / len(e.after))}的帖文质疑发布内容")
        found.append(Finding("回应不妥当", worse and doubted, "；".join(reasons)))
    slow = e.peak is not None and (e.restored_at is None or e.restored_at - e.peak[0] > 3 * DAY)
    if slow or e.recurred_at is not None:
        never = e.peak is not None and (e.restored_at is None or e.restored_at - e.peak[0] > 7 * DAY)
        reasons = []
        if slow:
            reasons.append("峰值后72小时内舆情未回落到基线")
        if e.recurred_at is not None:
            reasons.append(f"{format_datetime(e.recurred_at)}舆情再次升温")
        found.append(Finding("处置不得力", (slow and e.recurred_at is not None) or never, "；".join(reasons)))
    return found
