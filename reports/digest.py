"""The weekly digest (舆情周报): one week (Monday 00:00 – Sunday 24:00 北京时间) against the week before.

Step in the flow: ``yuqing digest`` and the scheduler's Monday job call :func:`build_digest`, which
reads the week through ``reports.data`` and returns a :class:`~reports.document.Report`; ``reports.html``
and ``reports.docx`` render it, ``reports.send`` mails it.

What counts: a post *about the remit* is a stored post with at least one topic; its published time
decides its week and day (北京时间). Topics are multi-label, so the topic counts may add up to more than
the total; the daily chart stacks each post once, under its highest-scoring topic. The sentiment split
and the negative share are over the posts about the remit; near-duplicate copies count (a copy on another
site is spread). The digest is read as of the week's end, so it is the same whenever it is rendered.
"""

from __future__ import annotations

import functools
import logging
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from alerts.clocks import Clock, clocks_of, start_of
from alerts.routing import department_label
from incidents.emergence import EmergenceSettings, EmergingSignal, find_emerging
from nlp.places import PlaceFinder
from nlp.segment import Segmenter
from reports import charts
from reports.data import IncidentFacts, Post, Week, clock_subject, incident_facts, posts_between, week_incidents
from reports.document import Bullets, Figure, Paragraph, Report, Run, Table, Text, text
from reports.privacy import deidentify
from yuqing.config import Config
from yuqing.formatting import format_count, format_date, format_datetime, format_duration, format_percent
from yuqing.instants import to_beijing
from yuqing.vocabulary import CLOCKS, GRADES, INCIDENT_STATUSES, SENTIMENTS, SOURCE_TIERS, TOPICS

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from storage.models import Incident

logger = logging.getLogger(__name__)

HOT_WORDS = 8
NOTABLE_POSTS = 10


@dataclass(frozen=True)
class WeekStats:
    """Counts of one week's posts about the remit."""

    total: int
    topics: Counter[str]
    cities: Counter[str]
    tiers: Counter[str]
    sentiments: Counter[str]

    @property
    def negative_share(self) -> float | None:
        rated = sum(self.sentiments.values())
        return self.sentiments["negative"] / rated if rated else None


def week_stats(posts: Sequence[Post]) -> WeekStats:
    relevant = [p for p in posts if p.topics]
    return WeekStats(
        total=len(relevant),
        topics=Counter(t for p in relevant for t in p.topics),
        cities=Counter(p.city or "未识别" for p in relevant),
        tiers=Counter(p.tier or "unknown" for p in relevant),
        sentiments=Counter(p.sentiment for p in relevant if p.sentiment),
    )


@dataclass(frozen=True)
class ClockLine:
    """One clock of an incident as the digest shows it: met / missed / open, with the delays."""

    label: str
    state: str  # met | missed | open
    text: str


@dataclass(frozen=True)
class WeekIncident:
    facts: IncidentFacts
    clocks: tuple[ClockLine, ...]
    department: str


@dataclass(frozen=True)
class Digest:
    """Everything the digest shows, computed once; :func:`to_report` lays it out."""

    week: Week
    posts: list[Post]
    this: WeekStats
    before: WeekStats
    incidents: list[WeekIncident]
    emerging: list[EmergingSignal]
    hot_words: dict[str, list[str]]
    notable: list[Post]


def collect(session: Session, week: Week, config: Config, segmenter: Segmenter) -> Digest:
    posts = posts_between(session, week.start, week.end)
    previous = week.previous()
    before = week_stats(posts_between(session, previous.start, previous.end))
    incidents = [_week_incident(session, row, week, config) for row in week_incidents(session, week)]
    relevant = [p for p in posts if p.topics]
    notable = sorted((p for p in relevant if not p.duplicate), key=lambda p: (-p.engagement, p.published_at, p.id))[
        :NOTABLE_POSTS
    ]
    return Digest(
        week=week,
        posts=relevant,
        this=week_stats(posts),
        before=before,
        incidents=incidents,
        emerging=emerging_pairs(session, week, config),
        hot_words=hot_words(relevant, segmenter),
        notable=notable,
    )


def build_digest(session: Session, week: Week, config: Config, segmenter: Segmenter | None = None) -> Report:
    digest = collect(session, week, config, segmenter or Segmenter())
    logger.info(
        "digest week=%s posts=%d incidents=%d emerging=%d",
        week.label,
        digest.this.total,
        len(digest.incidents),
        len(digest.emerging),
    )
    return to_report(digest)


def emerging_pairs(session: Session, week: Week, config: Config) -> list[EmergingSignal]:
    """Every (topic, city) pair flagged at some hour of the week, at its highest ratio, strongest first."""
    settings = EmergenceSettings(**config.incidents.emergence.model_dump())
    best: dict[tuple[str, str], EmergingSignal] = {}
    hour = week.start + timedelta(hours=1)
    while hour <= week.end:
        for signal in find_emerging(session, hour, settings):
            key = (signal.topic, signal.city)
            if key not in best or signal.ratio > best[key].ratio:
                best[key] = signal
        hour += timedelta(hours=1)
    return sorted(best.values(), key=lambda s: (-s.ratio, s.topic, s.city))


def hot_words(posts: Sequence[Post], segmenter: Segmenter, top_k: int = HOT_WORDS) -> dict[str, list[str]]:
    """Per topic, the words with the highest TF-IDF over the week's posts (jieba's IDF table, our stop words).

    ``nlp.segment.Segmenter.keywords`` computes exactly what ``jieba.analyse.extract_tags`` does, over our
    own tokenizer and stop words. A word that is a private person's name is masked like any other text.
    """
    places = place_finder()
    found: dict[str, list[str]] = {}
    for topic in TOPICS:
        texts = [p.text for p in posts if topic in p.topics]
        if texts:
            # where things happened is in the by-city table; hot words say what happened
            words = [w for w in segmenter.keywords("\n".join(texts), top_k=3 * top_k) if not places.is_place_name(w)]
            found[topic] = list(dict.fromkeys(deidentify(w, kind="social") for w in words[:top_k]))
    return found


@functools.cache
def place_finder() -> PlaceFinder:
    return PlaceFinder()


def _week_incident(session: Session, row: Incident, week: Week, config: Config) -> WeekIncident:
    facts = incident_facts(session, row, week.end - timedelta(microseconds=1), with_posts=False)
    subject = clock_subject(facts)
    clocks = clocks_of(subject, facts.responses, config, facts.as_of)
    lines = tuple(_clock_line(c, start_of(subject)) for c in clocks if c.deadline is not None)
    return WeekIncident(facts, lines, department_label(facts.incident.topics or [], config))


def _clock_line(clock: Clock, start: datetime) -> ClockLine:
    assert clock.deadline is not None
    label = CLOCKS[clock.kind]
    if clock.stopped_at is not None:
        took = format_duration(clock.stopped_at - start)
        if clock.state == "met":
            return ClockLine(label, "met", f"按时（用时{took}）")
        return ClockLine(label, "missed", f"超时{format_duration(clock.stopped_at - clock.deadline)}（用时{took}）")
    if clock.state == "breached":
        return ClockLine(label, "missed", f"未完成，截至周末已超时{format_duration(-(clock.time_left or timedelta()))}")
    return ClockLine(label, "open", f"计时中（截止 {format_datetime(clock.deadline)}）")


# --- layout ----------------------------------------------------------------------------------------


def to_report(d: Digest) -> Report:
    week = d.week
    last_day = week.end - timedelta(days=1)
    report = Report(
        kind="digest",
        title="住建舆情周报",
        subtitle=f"{week.label}（{format_date(week.start)}至{format_date(last_day, year=False)}，北京时间）",
        filename=f"舆情周报_{week.label}",
        footer="本周报由住建舆情监测系统根据数据库自动生成；文中个人信息已按规定脱敏。数字后的[1][2]链接指向所依据的原帖。",
    )
    report.summary = _summary(d)
    _overview(report, d)
    _distribution(report, d)
    _incidents(report, d)
    _emerging(report, d)
    _departments(report, d)
    _notable(report, d)
    return report


def _change(now: int, before: int) -> str:
    """The table's 变化 cell: ``增长25.0%`` / ``下降…`` / ``持平``; ``上周无`` when there is nothing to compare with."""
    if not before:
        return "上周无" if now else "持平"
    ratio = (now - before) / before
    return f"{'增长' if ratio > 0 else '下降' if ratio < 0 else '持平'}{format_percent(abs(ratio)) if ratio else ''}"


def _summary(d: Digest) -> list[Text]:
    this, before = d.this, d.before
    top = this.topics.most_common(1)
    if before.total:
        compared = f"，较上周（{format_count(before.total)}条）{_change(this.total, before.total)}；负面占比"
        negative_before = f"（上周{format_percent(before.negative_share)}）。"
    else:  # nothing to compare with: "较上周（0条）" and "上周0.0%" would say nothing
        compared, negative_before = "，上周无相关帖文；负面占比", "。"
    lines = [
        text(
            "本周监测到涉住建舆情信息",
            Run(f"{format_count(this.total)}条", bold=True),
            compared,
            Run(format_percent(this.negative_share), bold=True),
            negative_before,
        )
    ]
    if top:
        lines.append(text(f"信息量最多的专题是{TOPICS[top[0][0]]}（{format_count(top[0][1])}条）。"))
    missed = [i for i in d.incidents if any(c.state == "missed" for c in i.clocks)]
    lines.append(
        text(
            f"本周在办舆情事件{len(d.incidents)}起，其中回应超时",
            Run(f"{len(missed)}起", bold=bool(missed)),
            f"；苗头性舆情{len(d.emerging)}处。",
        )
    )
    return lines


def _overview(report: Report, d: Digest) -> None:
    section = report.section("一、总体态势")
    this, before = d.this, d.before
    rows = [
        (
            text("信息总量（条）"),
            text(format_count(this.total)),
            text(format_count(before.total)),
            text(_change(this.total, before.total)),
        ),
    ]
    for key, label in SENTIMENTS.items():
        rows.append(
            (
                text(f"{label}（条）"),
                text(format_count(this.sentiments[key])),
                text(format_count(before.sentiments[key])),
                text(_change(this.sentiments[key], before.sentiments[key])),
            )
        )
    rows.append(
        (
            text("负面占比"),
            text(format_percent(this.negative_share)),
            text(format_percent(before.negative_share) if before.total else "—"),
            text("—"),
        )
    )
    section.add(Table(("指标", "本周", "上周", "变化"), tuple(rows), caption="表1 本周与上周对比", widths=(3, 2, 2, 2)))
    days = d.week.days()
    volume: dict[date, Counter[str]] = {day: Counter() for day in days}
    negative: dict[date, list[int]] = {day: [0, 0] for day in days}
    for post in d.posts:
        day = to_beijing(post.published_at).date()
        volume[day][post.topics[0]] += 1
        if post.sentiment:
            negative[day][1] += 1
            negative[day][0] += post.sentiment == "negative"
    section.add(
        Figure(
            "daily_volume.png",
            charts.daily_volume_chart([charts.DayVolume(day, dict(volume[day])) for day in days]),
            "图1 每日舆情信息量（按主专题）",
        )
    )
    section.add(
        Figure(
            "negative_share.png",
            charts.negative_share_chart([charts.DayNegative(day, *negative[day]) for day in days]),
            "图2 每日负面信息占比",
        )
    )


def _distribution(report: Report, d: Digest) -> None:
    section = report.section("二、分布情况")
    this, before = d.this, d.before
    topic_rows = tuple(
        (
            text(label),
            text(format_count(this.topics[key])),
            text(format_percent(this.topics[key] / this.total if this.total else None)),
            text(format_count(before.topics[key])),
            text("、".join(d.hot_words.get(key, [])) or "—"),
        )
        for key, label in TOPICS.items()
    )
    section.add(
        Table(
            ("专题", "本周（条）", "占比", "上周（条）", "热词"),
            topic_rows,
            caption="表2 分专题信息量与热词（一条信息可属多个专题，占比以信息总量为分母）",
            widths=(2.2, 1.4, 1.2, 1.4, 5),
        )
    )
    section.add(Figure("topic_share.png", charts.topic_share_chart(dict(this.topics)), "图3 专题分布"))
    cities = this.cities.most_common(10)
    section.add(
        Table(
            ("地市", "本周（条）", "占比", "上周（条）"),
            tuple(
                (
                    text(city),
                    text(format_count(n)),
                    text(format_percent(n / this.total)),
                    text(format_count(before.cities[city])),
                )
                for city, n in cities
            ),
            caption="表3 分地市信息量（前10）",
        )
    )
    tiers = {**SOURCE_TIERS, "unknown": "未分级"}
    section.add(
        Table(
            ("来源级别", "本周（条）", "占比", "上周（条）"),
            tuple(
                (
                    text(tiers.get(key, key)),
                    text(format_count(n)),
                    text(format_percent(n / this.total)),
                    text(format_count(before.tiers[key])),
                )
                for key, n in sorted(this.tiers.items(), key=lambda item: (-item[1], item[0]))
            ),
            caption="表4 分来源级别信息量",
        )
    )


def _incidents(report: Report, d: Digest) -> None:
    section = report.section("三、舆情事件及回应时限")
    if not d.incidents:
        section.add(Paragraph(text("本周无在办舆情事件。")))
        return
    rows = []
    for item in d.incidents:
        facts = item.facts
        clocks = "；".join(f"{c.label}：{c.text}" for c in item.clocks) or "不计时"
        if not facts.incident.in_jurisdiction:
            clocks = "外省事件，不计时"
        rows.append(
            (
                text(str(facts.id)),
                text(facts.title),
                text(GRADES[facts.grade]),
                text(INCIDENT_STATUSES.get(facts.status, facts.status)),
                text(format_datetime(facts.incident.first_reported_at)),
                text(clocks),
                text(item.department),
            )
        )
    section.add(
        Table(
            ("编号", "事件", "等级", "状态", "首发", "回应时限", "责任处室"),
            tuple(rows),
            caption="表5 本周舆情事件",
            widths=(0.8, 4, 1, 1, 2.2, 4, 2),
        )
    )
    spans = [
        charts.IncidentSpan(
            title=i.facts.title,
            grade=i.facts.grade,
            start=i.facts.incident.first_reported_at,
            end=i.facts.incident.closed_at if i.facts.status == "closed" else None,
            released_at=next((r.at for r in i.facts.responses if r.kind in ("release", "follow_up")), None),
        )
        for i in d.incidents
    ]
    section.add(
        Figure(
            "incidents.png",
            charts.incidents_chart(spans, since=d.week.start, until=d.week.end),
            "图4 本周舆情事件时间轴",
        )
    )


def _emerging(report: Report, d: Digest) -> None:
    section = report.section("四、苗头性舆情")
    if not d.emerging:
        section.add(Paragraph(text("本周未发现明显高于基线的地市专题组合。")))
        return
    section.add(
        Table(
            ("地市", "专题", "首次达到的时段", "1小时信息量", "基线（条/小时）", "倍数"),
            tuple(
                (
                    text(s.city),
                    text(TOPICS.get(s.topic, s.topic)),
                    text(format_datetime(s.hour_start)),
                    text(format_count(s.count)),
                    text(f"{s.baseline:.2f}"),
                    text(f"{s.ratio:.1f}"),
                )
                for s in d.emerging
            ),
            caption="表6 苗头性舆情（某地市某专题1小时信息量显著高于近7日基线）",
        )
    )


def _departments(report: Report, d: Digest) -> None:
    section = report.section("五、各处室回应情况")
    record: dict[str, Counter[str]] = defaultdict(Counter)
    for item in d.incidents:
        for dept in item.department.split("、"):
            record[dept]["incidents"] += 1
            for clock in item.clocks:
                record[dept][clock.state] += 1
    if not record:
        section.add(Paragraph(text("本周无需回应的舆情事件。")))
        return
    section.add(
        Table(
            ("责任处室", "事件（起）", "按时", "超时", "计时中"),
            tuple(
                (
                    text(dept),
                    text(str(c["incidents"])),
                    text(str(c["met"])),
                    text(str(c["missed"])),
                    text(str(c["open"])),
                )
                for dept, c in sorted(record.items())
            ),
            caption="表7 各处室回应时限完成情况（按时限计数）",
        )
    )


def _notable(report: Report, d: Digest) -> None:
    section = report.section("六、重点信息")
    if not d.notable:
        section.add(Paragraph(text("本周无。")))
        return
    items = tuple(
        text(
            Run(p.title, url=p.url),
            f"（{p.source}，{format_datetime(p.published_at)}，互动{format_count(p.engagement)}，"
            f"{SENTIMENTS.get(p.sentiment or '', '未标注')}）",
        )
        for p in d.notable
    )
    section.add(Bullets(items))
    section.add(Paragraph(text("按转发、评论、点赞合计排序；转载副本不重复列出。"), tone="note"))
