"""Charts for the weekly digest and the incident evaluation, rendered to PNG bytes.

Step in the flow: ``reports.digest`` and ``reports.evaluation`` reduce stored posts and incidents to
the plain values below (counts per day, hourly volume, response instants) and call one function per
chart; the PNG goes into the document or the e-mail as it is.

Every function takes plain data (the dataclasses here; instants timezone-aware, normally UTC) and
returns the bytes of a PNG. Times are drawn in 北京时间 with ``formatting``; all text is in
the CJK font of ``reports.fonts``. Figures are built with ``matplotlib.figure.Figure`` on the Agg
canvas, never through pyplot, so nothing global is left behind. Labels are drawn as given: titles
that come from posts must be de-identified (``reports.privacy``) before they reach a chart.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

import matplotlib
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, MaxNLocator, PercentFormatter

from reports.fonts import chart_rc
from yuqing.formatting import format_count, format_date, format_percent, format_time, one_line
from yuqing.instants import to_beijing
from yuqing.vocabulary import GRADES, RESPONSES, TOPICS, notice_label

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.typing import LineStyleType

logger = logging.getLogger(__name__)

WIDTH, HEIGHT, DPI = 10.0, 5.0, 120  # 1200 x 600 pixels

TOPIC_LABELS: dict[str, str] = {**TOPICS, "other": "其他"}
TOPIC_COLORS: dict[str, str] = {
    "engineering_quality": "#d62728",
    "housing_market": "#1f77b4",
    "expropriation": "#ff7f0e",
    "shantytown": "#2ca02c",
    "urban_management": "#9467bd",
    "other": "#9e9e9e",
}
GRADE_COLORS: dict[str, str] = {
    "especially_major": "#8e0c1c",
    "major": "#e34a33",
    "large": "#fdae61",
    "general": "#74add1",
}

# Markers of an incident timeline: colour, line style, marker. Their legend labels: the moments the chart
# names itself, then the notice and response labels of the vocabulary.
EVENT_STYLES: dict[str, tuple[str, LineStyleType, str]] = {
    "occurred": ("#6d4c41", ":", "v"),
    "first_report": ("#455a64", "-", "o"),
    "detection": ("#00838f", "-", "s"),
    "alert": ("#f9a825", "-", "^"),
    "release": ("#2e7d32", "-", "D"),
    "follow_up": ("#66bb6a", "--", "d"),
    "press_conference": ("#1565c0", "-", "P"),
    "peak": ("#c62828", "none", "*"),
    "close": ("#757575", "-.", "X"),
}
MOMENTS = {"occurred": "事发", "first_report": "首发", "detection": "监测发现", "peak": "峰值", "close": "平息"}
DEADLINE_STYLES: tuple[LineStyleType, ...] = ("--", (0, (8, 3, 2, 3)))


@dataclass(frozen=True)
class DayVolume:
    """Posts of one calendar day (in 北京时间) by topic key (``TOPIC_LABELS``; ``other`` for none)."""

    day: date
    counts: Mapping[str, int]


@dataclass(frozen=True)
class DayNegative:
    """Negative posts among all posts of one calendar day (in 北京时间)."""

    day: date
    negative: int
    total: int

    @property
    def share(self) -> float | None:
        return self.negative / self.total if self.total else None


@dataclass(frozen=True)
class IncidentSpan:
    """One incident of the week: active from ``start`` to ``end`` (None: still active)."""

    title: str
    grade: str
    start: datetime
    end: datetime | None = None
    released_at: datetime | None = None


@dataclass(frozen=True)
class HourlyCount:
    """Posts about an incident published in the hour that starts at ``hour``."""

    hour: datetime
    count: int


@dataclass(frozen=True)
class TimelineEvent:
    """A moment of an incident's handling; ``kind`` is a key of ``EVENT_STYLES``."""

    kind: str
    at: datetime


@dataclass(frozen=True)
class Deadline:
    """A response deadline drawn as a vertical line, e.g. ``权威信息时限（5小时）``."""

    label: str
    due: datetime


@dataclass(frozen=True)
class IncidentTimeline:
    """Everything the timeline chart of one incident shows."""

    title: str
    hourly: Sequence[HourlyCount]
    events: Sequence[TimelineEvent] = ()
    deadlines: Sequence[Deadline] = ()


def major_incident_deadlines(start: datetime, *, release_hours: float = 5, press_hours: float = 24) -> list[Deadline]:
    """The two deadlines of a 特别重大/重大 incident whose clock starts at ``start`` (design.md, "Clocks")."""
    return [
        Deadline(f"权威信息时限（{release_hours:g}小时）", start + timedelta(hours=release_hours)),
        Deadline(f"新闻发布会时限（{press_hours:g}小时）", start + timedelta(hours=press_hours)),
    ]


def daily_volume_chart(days: Sequence[DayVolume], *, title: str = "每日舆情信息量（按专题）") -> bytes:
    """Stacked bars: posts per day, one colour per topic."""
    _check_keys({key for d in days for key in d.counts}, TOPIC_LABELS)
    with _figure(title) as (fig, ax):
        keys = [key for key in TOPIC_LABELS if any(d.counts.get(key, 0) for d in days)]
        if not keys:
            return _empty(fig, ax)
        positions = range(len(days))
        bottom = [0] * len(days)
        for key in keys:
            values = [d.counts.get(key, 0) for d in days]
            ax.bar(positions, values, bottom=bottom, color=TOPIC_COLORS[key], label=TOPIC_LABELS[key], width=0.7)
            bottom = [b + v for b, v in zip(bottom, values, strict=True)]
        for x, total in zip(positions, bottom, strict=True):
            ax.annotate(format_count(total, compact=True), (x, total), ha="center", va="bottom", fontsize=9)
        ax.set_xticks(list(positions), [format_date(d.day, year=False) for d in days])
        ax.set_ylabel("信息量（条）")
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.yaxis.set_major_formatter(FuncFormatter(lambda y, _: format_count(int(y), compact=True)))
        ax.margins(y=0.08)
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.08), ncols=len(keys), frameon=False)
        return _png(fig)


def topic_share_chart(counts: Mapping[str, int], *, title: str = "专题分布") -> bytes:
    """Horizontal bars: posts per topic with their share of all topic labels, largest on top."""
    _check_keys(set(counts), TOPIC_LABELS)
    with _figure(title) as (fig, ax):
        items = sorted(((k, n) for k, n in counts.items() if n > 0), key=lambda item: item[1])
        total = sum(n for _, n in items)
        if not total:
            return _empty(fig, ax)
        labels = [TOPIC_LABELS[k] for k, _ in items]
        values = [n for _, n in items]
        ax.barh(labels, values, color=[TOPIC_COLORS[k] for k, _ in items], height=0.6)
        for y, n in enumerate(values):
            text = f" {format_count(n)}条（{format_percent(n / total)}）"
            ax.annotate(text, (n, y), va="center", ha="left", fontsize=10)
        ax.set_xlabel("信息量（条）")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: format_count(int(x), compact=True)))
        ax.margins(x=0.25)
        return _png(fig)


def negative_share_chart(days: Sequence[DayNegative], *, title: str = "负面信息占比走势") -> bytes:
    """A line of the daily negative share, over light bars of the daily total on a second axis."""
    with _figure(title) as (fig, ax):
        if not any(d.total for d in days):
            return _empty(fig, ax)
        positions = list(range(len(days)))
        volume = ax.twinx()
        volume.bar(positions, [d.total for d in days], color="#cfd8dc", width=0.6, label="信息总量")
        volume.set_ylabel("信息总量（条）")
        volume.yaxis.set_major_locator(MaxNLocator(integer=True))
        volume.spines[["top", "left"]].set_visible(False)
        ax.spines["top"].set_visible(False)
        ax.set_zorder(volume.get_zorder() + 1)
        ax.patch.set_visible(False)
        shares = [d.share if d.share is not None else float("nan") for d in days]
        ax.plot(positions, shares, color="#c62828", marker="o", linewidth=2, label="负面占比")
        for x, share in zip(positions, shares, strict=True):
            if share == share:  # not NaN
                ax.annotate(format_percent(share), (x, share), textcoords="offset points", xytext=(0, 7), ha="center")
        ax.set_ylim(0, min(1.0, max((s for s in shares if s == s), default=0) * 1.3 + 0.05))
        ax.yaxis.set_major_formatter(PercentFormatter(xmax=1.0, decimals=0))
        ax.set_ylabel("负面占比")
        ax.set_xticks(positions, [format_date(d.day, year=False) for d in days])
        handles = [*ax.get_legend_handles_labels()[0], *volume.get_legend_handles_labels()[0]]
        ax.legend(handles=handles, loc="upper left", frameon=False)
        return _png(fig)


def incidents_chart(
    incidents: Sequence[IncidentSpan], *, since: datetime, until: datetime, title: str = "本期舆情事件时间轴"
) -> bytes:
    """Gantt-like bars: when each incident was active within [since, until], coloured by grade."""
    _check_keys({i.grade for i in incidents}, GRADES)
    height = max(HEIGHT, 1.6 + 0.45 * len(incidents))
    with _figure(title, height=height) as (fig, ax):
        if not incidents:
            return _empty(fig, ax)
        ordered = sorted(incidents, key=lambda i: i.start, reverse=True)  # earliest at the top
        for y, incident in enumerate(ordered):
            start = max(incident.start, since)
            end = min(incident.end or until, until)
            ax.barh(y, _hours(end - start), left=_hours(start - since), color=GRADE_COLORS[incident.grade], height=0.55)
            if incident.released_at is not None and since <= incident.released_at <= until:
                ax.plot(_hours(incident.released_at - since), y, marker="D", color="#1b5e20", markersize=7)
        ax.set_yticks(range(len(ordered)), [_short(i.title, 16) for i in ordered])
        _time_axis(ax, since, until)
        ax.set_xlim(0, _hours(until - since))
        grades = [g for g in GRADES if any(i.grade == g for i in incidents)]
        handles: list[Patch | Line2D] = [Patch(color=GRADE_COLORS[g], label=GRADES[g]) for g in grades]
        if any(i.released_at for i in incidents):
            handles.append(Line2D([], [], marker="D", color="#1b5e20", linestyle="none", label="权威发布"))
        ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.12), ncols=len(handles), frameon=False)
        ax.grid(axis="x", alpha=0.3)
        return _png(fig)


def incident_timeline_chart(timeline: IncidentTimeline) -> bytes:
    """Hourly volume of one incident with its response markers and deadline lines."""
    with _figure(f"{_short(timeline.title, 30)} · 传播与处置时间线") as (fig, ax):
        instants = [h.hour for h in timeline.hourly] + [e.at for e in timeline.events]
        instants += [d.due for d in timeline.deadlines]
        if not timeline.hourly:
            return _empty(fig, ax)
        since = min(instants)
        until = max(max(instants), max(h.hour for h in timeline.hourly) + timedelta(hours=1))
        ax.bar(
            [_hours(h.hour - since) for h in timeline.hourly],
            [h.count for h in timeline.hourly],
            width=1.0,
            align="edge",
            color="#90caf9",
            edgecolor="#64b5f6",
            label="每小时信息量",
        )
        peak = max(h.count for h in timeline.hourly)
        handles: list[Patch | Line2D] = [Patch(color="#90caf9", label="每小时信息量")]
        for event in sorted(timeline.events, key=lambda e: e.at):
            handles.append(_draw_event(ax, event, since, peak))
        for index, deadline in enumerate(timeline.deadlines):
            style = DEADLINE_STYLES[index % len(DEADLINE_STYLES)]
            ax.axvline(_hours(deadline.due - since), color="#b71c1c", linestyle=style, linewidth=1.4)
            label = f"{deadline.label} {format_date(deadline.due, year=False)} {format_time(deadline.due, label=False)}"
            handles.append(Line2D([], [], color="#b71c1c", linestyle=style, label=label))
        _time_axis(ax, since, until)
        pad = max(0.5, _hours(until - since) / 60)  # keep markers at either end inside the frame
        ax.set_xlim(-pad, _hours(until - since) + pad)
        ax.set_ylim(0, peak * 1.15 + 1)
        ax.set_ylabel("信息量（条/小时）")
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, fontsize=9)
        return _png(fig)


def _draw_event(ax: Axes, event: TimelineEvent, since: datetime, peak: int) -> Line2D:
    if event.kind not in EVENT_STYLES:
        raise ValueError(f"unknown timeline event kind {event.kind!r}; expected one of {sorted(EVENT_STYLES)}")
    color, style, marker = EVENT_STYLES[event.kind]
    label = MOMENTS.get(event.kind) or RESPONSES.get(event.kind) or notice_label(event.kind)
    x = _hours(event.at - since)
    if style != "none":
        ax.axvline(x, color=color, linestyle=style, linewidth=1.2, alpha=0.9)
    ax.plot(x, peak * 1.07 if event.kind != "peak" else peak, marker=marker, color=color, markersize=8)
    when = f"{format_date(event.at, year=False)} {format_time(event.at, label=False)}"
    return Line2D([], [], color=color, linestyle=style, marker=marker, label=f"{label} {when}")


def _time_axis(ax: Axes, since: datetime, until: datetime) -> None:
    """Ticks on whole Beijing hours (or midnights) between ``since`` and ``until``: ``09:00``,
    with ``11月27日`` under the first tick of each day."""
    span = _hours(until - since)
    step = next((s for s in (1, 2, 3, 6, 12, 24, 48, 72) if span / s <= 12), 168)
    local = to_beijing(since)
    first = local.replace(minute=0, second=0, microsecond=0)
    while first < local or first.hour % step:
        first += timedelta(hours=1)
    ticks = [first + timedelta(hours=step * i) for i in range(int(span // step) + 2)]
    ticks = [t for t in ticks if t <= to_beijing(until)]
    labels, last_day = [], None
    for tick in ticks:
        day = format_date(tick, year=False)
        if step >= 24:
            labels.append(day)
        else:
            labels.append(
                f"{format_time(tick, label=False)}\n{day}" if day != last_day else format_time(tick, label=False)
            )
        last_day = day
    ax.set_xticks([_hours(t - since) for t in ticks], labels)
    ax.set_xlabel("北京时间")


@contextmanager
def _figure(title: str, *, height: float = HEIGHT) -> Iterator[tuple[Figure, Axes]]:
    with matplotlib.rc_context(chart_rc()):
        fig = Figure(figsize=(WIDTH, height), dpi=DPI, layout="constrained")
        FigureCanvasAgg(fig)
        ax = fig.add_subplot()
        ax.set_title(title, fontsize=14, loc="left")
        ax.spines[["top", "right"]].set_visible(False)
        yield fig, ax


def _empty(fig: Figure, ax: Axes) -> bytes:
    ax.set_axis_off()
    ax.text(0.5, 0.5, "本期暂无数据", ha="center", va="center", fontsize=16, color="#757575", transform=ax.transAxes)
    return _png(fig)


def _png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()


def _check_keys(keys: set[str], known: Mapping[str, str]) -> None:
    unknown = keys - set(known)
    if unknown:
        raise ValueError(f"unknown keys {sorted(unknown)}; expected some of {list(known)}")


def _hours(delta: timedelta) -> float:
    return delta.total_seconds() / 3600


def _short(text: str, limit: int) -> str:
    """A title from posts as one line of drawable text (no control characters), cut to ``limit``."""
    text = one_line(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"
