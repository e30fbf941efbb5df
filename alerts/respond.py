"""Recording a response (``yuqing respond``): a release, a follow-up or a press conference stops its clock.

The event and the notification announcing it are written in one transaction, after every check has
passed: on bad input (unknown incident, malformed URL, an instant before the incident's start or in
the future, nothing to revoke) nothing is written and the command exits with status 2.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from alerts.clocks import Clock, clocks_of, start_of
from alerts.compose import IncidentFacts, response_drafts
from alerts.tick import facts_of
from storage import incidents as incident_rows
from storage import outbox as rows
from storage import responses
from storage.db import transaction
from storage.models import IncidentEvent
from yuqing.config import Config
from yuqing.errors import InputError
from yuqing.instants import format_beijing
from yuqing.vocabulary import RESPONSES

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

logger = logging.getLogger(__name__)

URL_EXAMPLE = "https://zjt.shandong.gov.cn/art/2026/11/27/art_1.html"
RESPONDABLE = ("open", "active", "quiet", "closed")


@dataclass(frozen=True)
class Recorded:
    event: IncidentEvent
    revoked: bool
    clocks: list[Clock]


def check_url(url: str) -> str:
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or any(ch.isspace() for ch in url):
        raise InputError(f"网址 {url!r} 无效：应为以 http:// 或 https:// 开头的完整网址，如 {URL_EXAMPLE}")
    return url


def record(
    sessions: sessionmaker[Session],
    config: Config,
    incident_id: int,
    kind: str,
    now: datetime,
    *,
    url: str | None = None,
    at: datetime | None = None,
    channel: str | None = None,
    place: str | None = None,
    revoke: bool = False,
) -> Recorded:
    """Record (or revoke) one response of ``kind`` (release | follow_up | press_conference)."""
    if url is not None:
        url = check_url(url)
    with transaction(sessions) as session:
        row = incident_rows.get(session, incident_id)
        if row is None or row.status not in RESPONDABLE:
            raise InputError(f"没有编号为 {incident_id} 的事件。提示：用 yuqing incidents 查看事件编号。")
        facts = facts_of(session, row, now)
        if revoke:
            event = _revoke(session, incident_id, kind, url, now)
        else:
            event = _record(session, facts, kind, url, at or now, now, channel, place)
        events = responses.events_of(session, incident_id)
        clocks = clocks_of(facts, events, config, now)
        posts = incident_rows.top_posts(session, incident_id, now, config.alerts.top_posts)
        key = f"incident:{incident_id}:response:{'revoke:' if revoke else ''}{event.id}"
        for draft in response_drafts(key, facts, event, clocks, events, posts, config, now, revoked=revoke):
            rows.enqueue(session, draft, now)
    logger.info(
        "response %s incident=%d kind=%s event=%d", "revoked" if revoke else "recorded", incident_id, kind, event.id
    )
    return Recorded(event=event, revoked=revoke, clocks=clocks)


def _record(
    session: Session,
    facts: IncidentFacts,
    kind: str,
    url: str | None,
    at: datetime,
    now: datetime,
    channel: str | None,
    place: str | None,
) -> IncidentEvent:
    what = RESPONSES[kind]
    start = start_of(facts)
    if at < start:
        raise InputError(
            f"{what}时间 {format_beijing(at)} 早于事件的计时起点 {format_beijing(start)}"
            "（事发与首报中较早者，北京时间）。"
            "提示：检查 --at；不带时区的时间按北京时间理解。"
        )
    if at > now:
        raise InputError(
            f"{what}时间 {format_beijing(at)} 晚于现在 {format_beijing(now)}（北京时间），不能记录尚未发生的回应。"
            "提示：检查 --at 的日期和时区。"
        )
    incident_id = facts.id
    if url is not None:
        same = responses.live_response(session, incident_id, ("release", "follow_up", "proposal"), url)
        if same is not None and same.kind == "proposal" and kind in ("release", "follow_up"):
            return responses.confirm_proposal(session, same, kind, at, now, channel)
        if same is not None and same.kind == kind:
            raise InputError(
                f"事件 {incident_id} 已记录过这条{what}（{format_beijing(same.at)}，{url}），无需重复记录。"
            )
    return responses.record_event(session, incident_id, kind, at, now, url=url, channel=channel, place=place)


def _revoke(session: Session, incident_id: int, kind: str, url: str | None, now: datetime) -> IncidentEvent:
    kinds = ("press_conference",) if kind == "press_conference" else ("release", "follow_up", "proposal")
    event = responses.live_response(session, incident_id, kinds, url)
    if event is None:
        what = RESPONSES[kind]
        where = f"网址为 {url} 的" if url else ""
        raise InputError(
            f"事件 {incident_id} 没有{where}有效{what}记录，无法撤销。提示：用 yuqing incidents 查看已记录的回应。"
        )
    responses.revoke(session, event, now)
    return event
