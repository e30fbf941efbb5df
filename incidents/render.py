"""Incidents for people and programs: the ``yuqing incidents`` table, ``incidents show`` and ``--json``.

Everything is read as of ``now``: an incident detected after it is not shown, its posts published
after it are not counted, and its grade is the last history entry at or before it. Instants are shown
in 北京时间; in JSON they are ISO 8601 with the +08:00 offset.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from alerts.clocks import Clock, clocks_of, describe
from incidents.members import Member, load_members
from incidents.spread import Spread, measure
from incidents.summary import summarize
from incidents.thread import Thread, thread_of
from storage import incidents as incident_rows
from storage import responses as response_rows
from yuqing.config import Config
from yuqing.formatting import format_duration, printable
from yuqing.instants import format_beijing, to_beijing
from yuqing.vocabulary import CASUALTIES, GRADES, INCIDENT_STATUSES, LISTED_STATUSES, SOURCE_TIERS, TOPICS

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from storage.models import GradeChange, Incident

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class View:
    """One incident as of ``now``."""

    incident: Incident
    members: list[Member]
    history: list[GradeChange]
    spread: Spread
    representatives: list[Member]
    complete: bool  # no grade change after ``now``: the stored grade and reasons are those of ``now``
    clocks: list[Clock]
    thread: Thread | None = None  # the letters of a recurring issue, when it holds two or more

    @property
    def grade(self) -> str:
        if self.complete or not self.history:
            return self.incident.grade
        return self.history[-1].grade

    @property
    def grade_reasons(self) -> list[str]:
        if self.complete or not self.history:
            return list(self.incident.grade_reasons or [])
        return list(self.history[-1].reasons)


def views(session: Session, now: datetime, config: Config, incident_ids: list[int] | None = None) -> list[View]:
    """The listed incidents detected at or before ``now``, highest grade then latest first report first."""
    found = [view(session, incident, now, config) for incident in incident_rows.listed(session, now, incident_ids)]
    order = list(GRADES)
    return sorted(found, key=lambda v: (order.index(v.grade), -v.incident.first_reported_at.timestamp(), v.incident.id))


def view(session: Session, incident: Incident, now: datetime, config: Config) -> View:
    members = load_members(session, incident.id, now)
    changes = incident_rows.grade_history(session, incident.id)
    history = [c for c in changes if c.at <= now]
    representatives = (
        list(summarize(members, config.grading.regrade_for, config.incidents.representatives).representatives)
        if members
        else []
    )
    spread = measure(members, config.grading.opinion.window)
    complete = len(history) == len(changes)
    events = response_rows.events_of(session, incident.id)
    grade = incident.grade if complete or not history else history[-1].grade
    clocks = clocks_of(_AsOf(incident, grade), events, config, now) if incident.status in LISTED_STATUSES else []
    return View(
        incident, members, history, spread, representatives, complete=complete, clocks=clocks, thread=thread_of(members)
    )


@dataclass(frozen=True)
class _AsOf:
    """The incident with its grade as of ``now``, in the shape the clocks read."""

    row: Incident
    grade: str

    def __getattr__(self, name: str) -> Any:
        return getattr(self.row, name)


def clock_json(clock: Clock) -> dict[str, Any]:
    return {
        "kind": clock.kind,
        "label": clock.label,
        "state": clock.state,
        "deadline": _iso(clock.deadline),
        "stopped_at": _iso(clock.stopped_at),
        "seconds_left": None if clock.time_left is None else int(clock.time_left.total_seconds()),
        "text": describe(clock),
    }


def next_deadline(clocks: list[Clock]) -> str:
    """The table's 时限 column: the running (or breached) clock whose deadline comes first."""
    open_clocks = [c for c in clocks if c.stopped_at is None and c.deadline is not None and c.time_left is not None]
    if not open_clocks:
        return "已完成" if any(c.state == "met" for c in clocks) else "—"
    clock = min(open_clocks, key=lambda c: c.time_left or timedelta(0))
    assert clock.time_left is not None
    left = clock.time_left
    state = f"剩{format_duration(left)}" if left.total_seconds() > 0 else f"超时{format_duration(-left)}"
    return f"{clock.label}{state}"


def to_json(v: View, config: Config) -> dict[str, Any]:
    incident = v.incident
    return {
        "id": incident.id,
        "title": incident.title,
        "status": incident.status,
        "grade": v.grade,
        "grade_label": GRADES[v.grade],
        "grade_reasons": v.grade_reasons,
        "grade_by_hand": incident.grade_by_hand,
        "grade_history": [
            {"at": _iso(c.at), "grade": c.grade, "reasons": list(c.reasons), "by_hand": c.by_hand} for c in v.history
        ],
        "topics": list(incident.topics or []),
        "departments": config.departments(incident.topics or []),
        "place": {"province": incident.province, "city": incident.city, "district": incident.district},
        "in_jurisdiction": incident.in_jurisdiction,
        "casualties": dict(incident.casualties or {}),
        "occurred_at": _iso(incident.occurred_at),
        "first_reported_at": _iso(incident.first_reported_at),
        "detected_at": _iso(incident.detected_at),
        "closed_at": _iso(incident.closed_at),
        "posts": len(v.members),
        "documents": [m.url for m in v.members],
        "sources": sorted({m.source for m in v.members}),
        "representatives": [{"url": m.url, "title": m.headline, "source": m.source} for m in v.representatives],
        "spread": spread_json(v.spread),
        "clocks": [clock_json(c) for c in v.clocks],
        "thread": thread_json(v.thread),
    }


def thread_json(thread: Thread | None) -> dict[str, Any] | None:
    if thread is None:
        return None
    return {
        "name": thread.name,
        "letters": len(thread.letters),
        "months": thread.months,
        "headline": thread.headline(),
        "history": [{"at": _iso(m.published_at), "title": m.headline, "url": m.url} for m in thread.letters],
    }


def spread_json(spread: Spread) -> dict[str, Any]:
    return {
        "posts": spread.posts,
        "sources": spread.sources,
        "sources_by_tier": spread.tiers,
        "reposts": spread.reposts,
        "comments": spread.comments,
        "likes": spread.likes,
        "negative_share": spread.negative_share,
        "peak_hour": _iso(spread.peak.start) if spread.peak else None,
        "window_posts": spread.window_posts,
        "window_sources": spread.window_sources,
        "hours": [
            {
                "start": _iso(h.start),
                "posts": h.posts,
                "sources": h.sources,
                "sources_by_tier": h.tiers,
                "reposts": h.reposts,
                "comments": h.comments,
                "likes": h.likes,
                "negative_share": h.negative_share,
                "growth": h.growth,
            }
            for h in spread.hours
        ],
    }


def table(found: list[View]) -> str:
    if not found:
        return "暂无事件。"
    lines = [
        "编号  等级      状态  首发（北京时间）    帖文  来源  地点            议题                "
        + "时限                标题"
    ]
    for v in found:
        incident = v.incident
        place = place_text(incident) + ("" if incident.in_jurisdiction else "（外省）")
        topics = "、".join(TOPICS.get(t, t) for t in incident.topics or [])
        lines.append(
            f"{incident.id:<5} {GRADES[v.grade]:<8} {INCIDENT_STATUSES.get(incident.status, incident.status):<4} "
            f"{format_beijing(incident.first_reported_at):<18} {len(v.members):>4}  {v.spread.sources:>4}  "
            f"{place:<14} {topics:<18} {next_deadline(v.clocks):<18} {incident.title}"
        )
    return printable("\n".join(lines))  # titles come from posts: their control characters are shown, not obeyed


def details(v: View, config: Config) -> str:
    incident = v.incident
    spread = v.spread
    lines = [
        f"事件 {incident.id}：{incident.title}",
        f"等级：{GRADES[v.grade]}{'（含手工定级）' if incident.grade_by_hand else ''}"
        f"　状态：{INCIDENT_STATUSES.get(incident.status, incident.status)}",
        "定级理由：" + "；".join(v.grade_reasons),
        f"地点：{place_text(incident)}　属地：{'本省' if incident.in_jurisdiction else '外省（不计时、不升级）'}",
        "议题：" + "、".join(TOPICS.get(t, t) for t in incident.topics or []),
        "责任处室：" + "、".join(config.departments(incident.topics or [])),
        f"发生时间：{format_beijing(incident.occurred_at)}　首次报道：{format_beijing(incident.first_reported_at)}"
        f"　发现时间：{format_beijing(incident.detected_at)}",
    ]
    lines += _casualty_lines(incident.casualties or {})
    tiers = "、".join(f"{SOURCE_TIERS.get(t, '未分级')}{n}" for t, n in spread.tiers.items())
    lines.append(
        f"传播：{spread.posts}条帖文，{spread.sources}个来源（{tiers}），转发{spread.reposts}、评论{spread.comments}、"
        f"点赞{spread.likes}，负面占比{spread.negative_share:.0%}"
    )
    if spread.peak is not None:
        lines.append(f"峰值：{format_beijing(spread.peak.start)} 起的一小时，{spread.peak.posts}条")
    if v.clocks:
        lines.append("时限：")
        lines += [f"  {describe(clock)}" for clock in v.clocks]
    elif incident.in_jurisdiction:
        lines.append("时限：一般事件不计时，纳入周报。")
    else:
        lines.append("时限：外省事件，不计时。")
    lines.append("定级记录：")
    for change in v.history:
        by = "（手工）" if change.by_hand else ""
        lines.append(f"  {format_beijing(change.at)} {GRADES[change.grade]}{by}：{'；'.join(change.reasons)}")
    if v.thread is not None:
        lines.append(f"来信线索：{v.thread.headline()}")
        lines += [f"  {format_beijing(m.published_at)} {m.headline} {m.url}" for m in v.thread.letters]
    lines.append("代表性帖文：")
    lines += [f"  {format_beijing(m.published_at)} {m.source}：{m.headline} {m.url}" for m in v.representatives]
    return printable("\n".join(lines))  # titles and headlines come from posts: control characters shown, not obeyed


def place_text(incident: Incident) -> str:
    parts = [p for p in (incident.city or incident.province, incident.district) if p]
    return "".join(parts) if parts else "地点不明"


def _casualty_lines(casualties: dict[str, Any]) -> list[str]:
    lines = []
    for key, (name, unit) in CASUALTIES.items():
        figure = casualties.get(key)
        if figure:
            lines.append(f"{name}：{figure['value']}{unit}（“{figure['phrase']}”，{figure.get('url') or ''}）")
    return lines


def _iso(instant: datetime | None) -> str | None:
    return to_beijing(instant).isoformat() if instant else None
