"""An officer's correction of a post's topics or sentiment, and what follows from it for its incident.

``yuqing correct`` and the console call :func:`correct`. The correction is stored with who, when and why
(``storage.tags``), the post's tags change at once and stay so at every later re-tagging, and its incident
follows: a post in an incident refreshes it (topics, grade); a post corrected to no topic leaves it (an
incident left with no post is dismissed); a placed-nowhere post that now has a topic is placed at once.
Bad input raises :class:`~yuqing.errors.InputError` before anything is written.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from incidents.actions import find_document
from incidents.assess import refresh
from incidents.grouping import Placer, load_pending, write_keys
from storage import incidents as incident_rows
from storage import tags as tag_rows
from yuqing.config import Config
from yuqing.errors import InputError
from yuqing.vocabulary import SENTIMENTS, TOPICS

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

logger = logging.getLogger(__name__)

NO_TOPIC = ("none", "无")  # what ``--topics`` says for "about none of the five topics"


@dataclass(frozen=True)
class Corrected:
    document_id: int
    before: tag_rows.CurrentTags
    after: tag_rows.CurrentTags
    incident_id: int | None  # the incident the post belongs to afterwards
    left_incident: int | None = None  # the incident it left (corrected to no topic)


def parse_topics(text: str | None) -> list[str] | None:
    """``engineering_quality,housing_market`` (keys or Chinese names) → keys; ``none`` → []; None → None."""
    if text is None:
        return None
    parts = [p.strip() for p in text.replace("，", ",").replace("、", ",").split(",") if p.strip()]
    if not parts:
        raise InputError(
            "参数 --topics 为空。提示：写议题键（如 engineering_quality,housing_market），"
            "或写 none 表示不涉及任何议题。"
        )
    if len(parts) == 1 and parts[0].lower() in NO_TOPIC:
        return []
    by_label = {label: key for key, label in TOPICS.items()}
    found = []
    for part in parts:
        key = part if part in TOPICS else by_label.get(part)
        if key is None:
            known = "、".join(f"{k}（{v}）" for k, v in TOPICS.items())
            raise InputError(f"未知的议题 {part!r}。可选：{known}，或 none。")
        if key not in found:
            found.append(key)
    return found


def check_sentiment(value: str | None) -> str | None:
    if value is None:
        return None
    by_label = {label: key for key, label in SENTIMENTS.items()}
    key = value.strip() if value.strip() in SENTIMENTS else by_label.get(value.strip())
    if key is None:
        raise InputError(f"未知的情感 {value!r}。可选：negative（负面）、neutral（中性）、positive（正面）。")
    return key


def correct(
    session: Session,
    reference: str,
    topics: Sequence[str] | None,
    sentiment: str | None,
    reason: str | None,
    by: str,
    now: datetime,
    config: Config,
    home: str,
) -> Corrected:
    """Correct the post ``reference`` (id or URL); ``topics`` None or ``sentiment`` None leave that part as it is."""
    if not reference or not reference.strip():
        raise InputError("请给出要更正的文档编号或链接。")
    if topics is None and sentiment is None:
        raise InputError("请用 --topics 和/或 --sentiment 说明更正后的标注。")
    if not by.strip():
        raise InputError("更正须署名（--by）。")
    document_id = find_document(session, reference)
    before = tag_rows.current(session, document_id)
    reason = reason.strip() if reason and reason.strip() else None
    tag_rows.record_correction(session, document_id, topics, sentiment, reason, by.strip(), now)
    after = tag_rows.current(session, document_id)
    incident = incident_rows.incident_of_document(session, document_id)
    left = None
    if incident is not None and after.topics == []:
        left = incident.id
        incident_rows.remove_member(session, document_id)
        if incident_rows.member_ids(session, incident.id):
            refresh(session, incident, now, config, home)
        else:
            incident_rows.dismiss(session, incident, now)
        incident = None
    elif incident is not None:
        new_topics = [t for t in after.topics or [] if t not in ((incident.profile or {}).get("topics") or [])]
        if new_topics:
            incident.profile = {
                **(incident.profile or {}),
                "topics": [*(incident.profile or {}).get("topics", []), *new_topics],
            }
            write_keys(session, incident, config.incidents, new_topics)
        refresh(session, incident, now, config, home)
    elif after.topics:
        placer = Placer(session, config.incidents, now)
        for post in load_pending(session, [document_id]):
            incident = placer.place(post)
        placer.finish()
        if incident is not None:
            refresh(session, incident, now, config, home)
    logger.info(
        "correction document=%d by=%s topics=%s sentiment=%s incident=%s left=%s",
        document_id,
        by,
        after.topics,
        after.sentiment,
        incident.id if incident is not None else None,
        left,
    )
    return Corrected(document_id, before, after, incident.id if incident is not None else None, left)
