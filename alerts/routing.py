"""Routing (分送): who receives a notification, which department answers for an incident, and when a
notification may leave during quiet hours.

Recipients cascade from the incident to its topics to the global lists: ``[alerts.route].<kind>``
names groups; ``department`` is the mailboxes of the incident's topics (``[topics.<key>].emails``),
``duty`` and ``leadership`` are ``[recipients]``. An incident without a topic, or whose topics have no
mailbox, reaches the department through the duty officers. Alerts and upgrades at or above
``[alerts].leadership_grade`` also go to the leadership.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from email.utils import parseaddr

from yuqing.config import Config
from yuqing.instants import BEIJING
from yuqing.vocabulary import grade_rank

logger = logging.getLogger(__name__)

UNROUTED_DEPARTMENT = "未定（由值班室转办）"
NEVER_HELD = ("major", "especially_major")  # design.md: quiet hours never hold back 重大/特别重大


def department_label(topics: Iterable[str], config: Config) -> str:
    return "、".join(config.departments(topics)) or UNROUTED_DEPARTMENT


def recipients(kind: str, topics: Sequence[str], grade: str | None, config: Config) -> list[str]:
    """Addresses for a notification of ``kind`` about an incident with ``topics`` and ``grade``, deduplicated."""
    groups = list(getattr(config.alerts.route, kind))
    if kind in ("alert", "upgrade") and grade and grade_rank(grade) >= grade_rank(config.alerts.leadership_grade):
        groups.append("leadership")
    found: list[str] = []
    seen: set[str] = set()
    for group in groups:
        for address in _group(group, topics, config):
            bare = parseaddr(address)[1].lower()
            if bare not in seen:
                seen.add(bare)
                found.append(address)
    return found


def _group(group: str, topics: Sequence[str], config: Config) -> list[str]:
    if group == "duty":
        return list(config.recipients.duty)
    if group == "leadership":
        return list(config.recipients.leadership)
    tables = [getattr(config.topics, topic, None) for topic in topics]
    mailboxes = [address for table in tables if table is not None for address in table.emails]
    return mailboxes or list(config.recipients.duty)


def held_until(now: datetime, grade: str | None, config: Config) -> datetime:
    """When a notification queued at ``now`` may leave: ``now``, or the end of the quiet hours."""
    window = config.alerts.quiet_hours
    if not window or grade in NEVER_HELD:
        return now
    local = now.astimezone(BEIJING)
    start_h, start_m = (int(p) for p in window[:5].split(":"))
    end_h, end_m = (int(p) for p in window[6:].split(":"))
    minute = local.hour * 60 + local.minute
    start, end = start_h * 60 + start_m, end_h * 60 + end_m
    inside = start <= minute < end if start < end else (minute >= start or minute < end)
    if not inside:
        return now
    release = local.replace(hour=end_h, minute=end_m, second=0, microsecond=0)
    if release <= local:
        release += timedelta(days=1)
    return release.astimezone(now.tzinfo)
