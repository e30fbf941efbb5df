"""Composing notifications: an incident, its clocks and posts in, outbox drafts (email + webhooks) out.

Step in the flow: ``alerts tick`` and ``yuqing respond`` call these builders inside the transaction of
the change that causes the notification, and queue what they return. Every email is Chinese, HTML
(Jinja2 with autoescape, so a post's ``<script>`` arrives as text) with a plain-text alternative, and
carries the incident's title, grade and reasons, place, casualties, first report and detection, each
deadline in 北京时间 with the time left, the responsible department, the top posts, the exact
``yuqing respond`` command and the incident's page on the duty console (``[web] base_url``), where it
is signed for (签收). Header values are single lines: a title with ``\\r\\nBcc:`` in it stays
inside the Subject. The robots' markdown escapes every value (``alerts.markdown``): a title cannot add a
link, close ours or colour a line.

Threading: the first alert of incident 42 has Message-ID ``<yuqing.incident-42.<detected>@domain>``;
every later email about it names that ID in In-Reply-To and References, so mail clients show one
thread per incident. ``X-Yuqing-Incident`` and ``X-Yuqing-Kind`` let offices filter.
"""

from __future__ import annotations

import hashlib
import logging
import shlex
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.utils import parseaddr
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from alerts.clocks import Announcement, Clock, Due, describe, format_deadline, start_of
from alerts.markdown import environment as markdown_environment
from alerts.routing import department_label, held_until, recipients
from storage.incidents import Post
from storage.outbox import Draft
from yuqing.config import DEFAULT_PATH, Config
from yuqing.formatting import format_duration, one_line
from yuqing.instants import format_beijing
from yuqing.vocabulary import CASUALTIES, GRADES, NOTICE_KINDS, RESPONSES, TOPICS, grade_rank

logger = logging.getLogger(__name__)

TEMPLATES = Path(__file__).with_name("templates")
SUBJECT_TITLE_CHARS = 60
AUTO_ACCEPTED = "官方来源自动采纳"  # channel prefix of a release accepted from an official post
WEBHOOK_BYTES = 3800  # WeCom caps markdown content at 4096 bytes; DingTalk's limit is larger

_environment = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)
_markdown = markdown_environment(TEMPLATES)  # webhook.md: every value escaped as markdown text


@dataclass(frozen=True)
class IncidentFacts:
    """An incident as of ``now`` (grade from its history), in the shape the clocks read."""

    id: int
    title: str
    grade: str
    grade_reasons: list[str]
    topics: list[str]
    province: str | None
    city: str | None
    district: str | None
    in_jurisdiction: bool
    casualties: dict[str, Any]
    occurred_at: datetime | None
    first_reported_at: datetime
    detected_at: datetime
    status: str


@dataclass(frozen=True)
class Notice:
    """Everything one notification says; rendered into the HTML, text and webhook bodies."""

    kind: str
    key: str
    subject: str
    headline: str
    now: datetime
    summary: list[str] = field(default_factory=list)
    incident: IncidentFacts | None = None
    clocks: Sequence[Clock] = ()
    responses: list[str] = field(default_factory=list)
    posts: Sequence[Post] = ()
    commands: list[str] = field(default_factory=list)


def short(text: str, limit: int = SUBJECT_TITLE_CHARS) -> str:
    text = one_line(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def grade_label(grade: str) -> str:
    return GRADES.get(grade, grade)


# --- incident notifications ----------------------------------------------------------------------


def incident_drafts(
    due: Due,
    facts: IncidentFacts,
    clocks: Sequence[Clock],
    events: Sequence[Any],
    posts: Sequence[Post],
    config: Config,
    now: datetime,
) -> list[Draft]:
    """Drafts for an alert, upgrade, reminder, breach, re-send or escalation about ``facts``."""
    grade = grade_label(facts.grade)
    title = short(facts.title)
    if due.kind == "alert":
        headline = f"新发{grade}舆情事件，请立即研判处置"
        subject = f"舆情预警：{title}"
    elif due.kind == "upgrade":
        headline = f"事件等级上调为{grade}，时限自最早起算时刻计算"
        subject = f"等级上调为{grade}：{title}"
    elif due.kind == "reminder" and due.clock is not None:
        left = format_duration(abs(due.clock.time_left or timedelta(0)))
        headline = f"{due.clock.label}剩余 {left}，尚未记录回应"
        subject = f"提醒：{due.clock.label}剩余{left}：{title}"
    elif due.kind == "breach" and due.clock is not None:
        headline = f"{due.clock.label}已超过时限，请督办并向领导报告"
        subject = f"超时：{due.clock.label}已超时：{title}"
    elif due.kind == "unacknowledged" and due.about is not None:
        waited = format_duration(now - due.about.sent_at)
        headline = f"{_what(due.about)}已过 {waited}，仍无人签收，请立即登录值班台签收并研判处置"
        subject = f"预警未签收，再次提醒：{title}"
    elif due.kind == "escalation" and due.about is not None:
        waited = format_duration(now - due.about.sent_at)
        headline = f"{_what(due.about)}已过 {waited}，再次提醒后仍无人签收，特报告领导督办"
        subject = f"预警未签收，报告领导：{title}"
    else:
        raise ValueError(f"unknown incident notification {due.kind}")
    summary = [describe(due.clock)] if due.clock is not None else []
    if due.about is not None:
        summary = _unsigned_summary(due.about, facts, config, now)
    notice = Notice(
        kind=due.kind,
        key=due.key,
        subject=_subject_prefix(facts) + subject,
        headline=headline,
        now=now,
        summary=summary,
        incident=facts,
        clocks=clocks,
        responses=_responses(events, now),
        posts=posts,
        commands=_commands(facts, clocks, config),
    )
    return _drafts(notice, config)


def response_drafts(
    key: str,
    facts: IncidentFacts,
    event: Any,
    clocks: Sequence[Clock],
    events: Sequence[Any],
    posts: Sequence[Post],
    config: Config,
    now: datetime,
    *,
    revoked: bool = False,
) -> list[Draft]:
    """Drafts announcing a recorded (or revoked, or proposed) response."""
    what = RESPONSES.get(event.kind, event.kind)
    auto = (event.channel or "").startswith(AUTO_ACCEPTED)
    if revoked:
        headline = f"已撤销{what}记录（{format_beijing(event.at)}），相关时限恢复计时"
        subject = f"已撤销{what}：{short(facts.title)}"
    elif event.kind == "proposal":
        headline = f"官方来源发布了与事件相关的信息（{format_beijing(event.at)}），请确认是否作为权威发布"
        subject = f"待确认：官方来源发布：{short(facts.title)}"
    elif auto:
        headline = f"已自动采纳官方来源发布为{what}（{format_beijing(event.at)}）；如不妥，请用下方命令撤销"
        subject = f"已自动采纳{what}：{short(facts.title)}"
    else:
        headline = f"已记录{what}（{format_beijing(event.at)}）"
        subject = f"已记录{what}：{short(facts.title)}"
    commands = _commands(facts, clocks, config)
    if event.kind == "proposal":
        at = format_beijing(event.at).replace(" ", "T")
        commands.insert(0, f"{_yuqing(config)} respond {facts.id} --release {shlex.quote(event.url)} --at {at}")
    elif not revoked:
        flag = {"release": "--release", "follow_up": "--follow-up"}.get(event.kind)
        target = f"{flag} {shlex.quote(event.url)}" if flag and event.url else "--press-conference"
        commands.insert(0, f"{_yuqing(config)} respond {facts.id} {target} --revoke")
    summary = [f"网址：{event.url}" if event.url else "", f"渠道：{event.channel}" if event.channel else ""]
    summary += [f"地点：{event.place}" if event.place else ""]
    notice = Notice(
        kind="response",
        key=key,
        subject=_subject_prefix(facts) + subject,
        headline=headline,
        now=now,
        summary=[line for line in summary if line],
        incident=facts,
        clocks=clocks,
        responses=_responses(events, now),
        posts=posts,
        commands=commands,
    )
    return _drafts(notice, config)


def _what(sent: Announcement) -> str:
    """``北京时间 11月27日 03:20 发出的舆情预警通知``: which notification nobody signed for."""
    return f"{format_deadline(sent.sent_at)} 发出的{NOTICE_KINDS[sent.kind].title}通知"


def _unsigned_summary(sent: Announcement, facts: IncidentFacts, config: Config, now: datetime) -> list[str]:
    period = config.clocks.acknowledge
    lines = [
        f"未签收的通知：{NOTICE_KINDS[sent.kind].title}通知“{one_line(sent.subject)}”",
        f"发出时间：{format_beijing(sent.sent_at)}（北京时间），至今 {format_duration(now - sent.sent_at)} 无人签收"
        f"（应在发出后 {format_duration(period)} 内签收）",
    ]
    if now < sent.sent_at + 2 * period:
        escalate_at = format_deadline(sent.sent_at + 2 * period)
        lines.append(f"{escalate_at} 前仍未签收的，将报告领导")
    lines.append(f"签收：请登录值班台 {console_link(facts.id, config)}")
    return lines


def console_link(incident_id: int, config: Config) -> str:
    """The incident's page on the duty console: ``{base_url}/incidents/{id}``."""
    return f"{config.web.base_url.rstrip('/')}/incidents/{incident_id}"


def _subject_prefix(facts: IncidentFacts) -> str:
    prefix = f"[{grade_label(facts.grade)}]"
    return prefix + ("" if facts.in_jurisdiction else "[外省]") + " "


def _responses(events: Sequence[Any], now: datetime) -> list[str]:
    lines = []
    for event in events:
        if event.at > now:
            continue
        what = RESPONSES.get(event.kind, event.kind)
        parts = [f"{what}：{format_beijing(event.at)}"]
        parts += [f"渠道 {event.channel}"] if event.channel else []
        parts += [f"地点 {event.place}"] if event.place else []
        parts += [event.url] if event.url else []
        if (event.channel or "").startswith(AUTO_ACCEPTED):
            parts.append("（自动采纳，如不妥可撤销）")
        if event.revoked_at is not None and event.revoked_at <= now:
            parts.append(f"（已于 {format_beijing(event.revoked_at)} 撤销）")
        lines.append("，".join(parts))
    return lines


def _yuqing(config: Config) -> str:
    path = config.path
    if path == DEFAULT_PATH:
        return "yuqing"
    return f"yuqing --config {shlex.quote(str(path.resolve()))}"


def _commands(facts: IncidentFacts, clocks: Sequence[Clock], config: Config) -> list[str]:
    """The exact commands that record the responses this incident still owes."""
    base = f"{_yuqing(config)} respond {facts.id}"
    open_kinds = {c.kind for c in clocks if c.stopped_at is None}
    commands = []
    if not clocks or open_kinds & {"release", "response"}:
        commands.append(f"{base} --release 发布网址 --at 发布时间 --channel 发布渠道")
    if "press_conference" in open_kinds:
        commands.append(f"{base} --press-conference --at 召开时间 --place 地点")
    if "follow_up" in open_kinds and any(c.kind == "follow_up" and c.deadline for c in clocks):
        commands.append(f"{base} --follow-up 续报网址 --at 发布时间")
    return commands


# --- system notifications ------------------------------------------------------------------------


def blind_spot_drafts(
    key: str, name: str, last_seen: datetime | None, limit: timedelta, error: str | None, config: Config, now: datetime
) -> list[Draft]:
    silent = f"已沉寂 {format_duration(now - last_seen)}" if last_seen else "从未采集到内容"
    summary = [
        f"来源：{name}",
        f"最近一次采集到内容：{format_beijing(last_seen)}（北京时间）",
        f"盲区判定：沉寂超过 {format_duration(limit)}",
    ]
    if error:
        summary.append(f"最近错误：{one_line(error)[:300]}")
    notice = Notice(
        kind="blind_spot",
        key=key,
        subject=f"[盲区] 来源“{short(name, 40)}”{silent}",
        headline=f"监测来源“{name}”{silent}，该来源的舆情可能漏报，请检查采集",
        now=now,
        summary=summary,
        commands=[f"{_yuqing(config)} sources"],
    )
    return _drafts(notice, config)


def self_test_drafts(key: str, stats: dict[str, int], config: Config, now: datetime) -> list[Draft]:
    summary = [
        f"在办事件：{stats.get('incidents', 0)} 起，其中计时中 {stats.get('running', 0)} 起、"
        f"已超时未回应 {stats.get('breached', 0)} 起",
        f"待投递通知：{stats.get('pending', 0)} 条；投递结果未确认：{stats.get('unconfirmed', 0)} 条",
        f"监测盲区：{stats.get('blind', 0)} 个来源",
    ]
    notice = Notice(
        kind="self_test",
        key=key,
        subject=f"[自检] 住建舆情预警通道自检（{format_beijing(now)[:10]}）",
        headline="收到本邮件，说明预警邮件通道工作正常；未按时收到，请检查监测系统和邮件服务器",
        now=now,
        summary=summary,
        commands=[f"{_yuqing(config)} alerts outbox"],
    )
    return _drafts(notice, config)


# --- drafts --------------------------------------------------------------------------------------


def _drafts(notice: Notice, config: Config) -> list[Draft]:
    facts = notice.incident
    topics = facts.topics if facts else []
    grade = facts.grade if facts else None
    context = _context(notice, config)
    subject = one_line(notice.subject)
    headers = {"X-Yuqing-Kind": notice.kind}
    root = thread_root(facts, config) if facts else ""
    if facts is not None:
        headers["X-Yuqing-Incident"] = str(facts.id)
        headers["X-Yuqing-Grade"] = facts.grade
        if notice.kind != "alert":
            headers["In-Reply-To"] = root
            headers["References"] = root
    if grade and grade_rank(grade) >= grade_rank("major"):
        headers["X-Priority"] = "1"
        headers["Importance"] = "high"
    message_id = root if facts and notice.kind == "alert" else _message_id(notice.key + root, config)
    send_at = held_until(notice.now, grade, config)
    to = recipients(notice.kind, topics, grade, config)
    email = Draft(
        key=notice.key,
        kind=notice.kind,
        incident_id=facts.id if facts else None,
        channel="email",
        recipients=to,
        subject=subject,
        body_text=_environment.get_template("email.txt").render(context),
        body_html=_environment.get_template("email.html").render(context),
        headers=headers,
        message_id=message_id,
        next_attempt_at=send_at,
        status="pending" if to else "skipped",
        last_error=None if to else "没有收件人：请在 config.toml 的 [recipients] 或 [topics.<议题>].emails 中配置邮箱",
    )
    drafts = [email]
    body = _markdown.get_template("webhook.md").render(context)
    for webhook in config.alerts.webhooks:
        if notice.kind in webhook.kinds:
            drafts.append(
                webhook_draft(
                    f"{notice.key}#{webhook.name}", notice.kind, email.incident_id, webhook, subject, body, send_at
                )
            )
    return drafts


def webhook_draft(
    key: str, kind: str, incident_id: int | None, webhook: Any, subject: str, markdown: str, send_at: datetime
) -> Draft:
    body = markdown.encode("utf-8")[:WEBHOOK_BYTES].decode("utf-8", errors="ignore")
    return Draft(
        key=key,
        kind=kind,
        incident_id=incident_id,
        channel=webhook.type,
        recipients=[webhook.name],
        subject=subject,
        body_text=body,
        headers={"X-Yuqing-Kind": kind},
        next_attempt_at=send_at,
    )


def _context(notice: Notice, config: Config) -> dict[str, Any]:
    facts = notice.incident
    return {
        "kind": notice.kind,
        "kind_label": NOTICE_KINDS[notice.kind].title,
        "subject": one_line(notice.subject),
        "headline": notice.headline,
        "summary": notice.summary,
        "generated": format_beijing(notice.now),
        "incident": _incident_view(facts, config) if facts else None,
        "clocks": [{"line": describe(c), "state": c.state} for c in notice.clocks],
        "responses": notice.responses,
        "posts": [_post_view(p) for p in notice.posts],
        "commands": notice.commands,
    }


def _incident_view(facts: IncidentFacts, config: Config) -> dict[str, Any]:
    start = start_of(facts)
    place = "".join(p for p in (facts.province, facts.city, facts.district) if p) or "地点未明（按属地内处理）"
    if not facts.in_jurisdiction:
        place += "（不属本省管辖：不计时、不升级督办，供研判同类事件参考）"
    return {
        "id": facts.id,
        "link": console_link(facts.id, config),
        "title": one_line(facts.title),
        "grade": grade_label(facts.grade),
        "reasons": facts.grade_reasons,
        "place": place,
        "casualties": casualty_text(facts.casualties),
        "topics": "、".join(TOPICS.get(t, t) for t in facts.topics) or "未分议题",
        "department": department_label(facts.topics, config),
        "occurred": format_beijing(facts.occurred_at) if facts.occurred_at else "未知",
        "first_reported": format_beijing(facts.first_reported_at),
        "detected": format_beijing(facts.detected_at),
        "detection_delay": format_duration(facts.detected_at - facts.first_reported_at),
        "start": format_beijing(start),
    }


def _post_view(post: Post) -> dict[str, Any]:
    return {
        "title": one_line(post.title)[:120],
        "url": post.url,
        "linkable": post.url.startswith(("http://", "https://")),
        "source": post.source,
        "published": format_beijing(post.published_at),
    }


def casualty_text(casualties: dict[str, Any]) -> str:
    parts = []
    for name, (label, unit) in CASUALTIES.items():
        figure = casualties.get(name)
        value = figure.get("value") if isinstance(figure, dict) else figure
        if isinstance(value, int) and value > 0:
            if unit == "元" and value >= 10_000:
                parts.append(f"{label} {value / 10_000:g} 万元")
            else:
                parts.append(f"{label} {value} {unit}")
    return "、".join(parts) or "未报道伤亡"


def thread_root(facts: IncidentFacts, config: Config) -> str:
    return f"<yuqing.incident-{facts.id}.{facts.detected_at:%Y%m%d%H%M%S}@{_domain(config)}>"


def _message_id(key: str, config: Config) -> str:
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:24]
    return f"<yuqing.{digest}@{_domain(config)}>"


def _domain(config: Config) -> str:
    address = parseaddr(config.smtp.sender)[1]
    return address.rpartition("@")[2] or "localhost"
