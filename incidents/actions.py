"""The duty officer's decisions: merge two incidents, split posts out of one, set a grade by hand.

Every decision pins the posts it moves (``IncidentDocument.by_hand``); the detect job never moves a
placed post, so the decision stands, and the profiles and keys are rebuilt so that later posts follow
it (a post like the merged incident's joins the merged incident; a post like the split-out posts joins
the new one). Bad input raises :class:`errors.InputError` with a Chinese message before anything is
written; the command layer turns it into exit status 2.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from incidents.assess import Outcome, refresh
from incidents.grouping import load_pending, merge_profiles, new_profile, write_keys
from incidents.members import headline
from storage import documents as document_rows
from storage import incidents as incident_rows
from yuqing.config import Config
from yuqing.errors import InputError
from yuqing.vocabulary import GRADES, grade_rank

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from storage.models import Incident

logger = logging.getLogger(__name__)


def find_incident(session: Session, reference: str | int) -> Incident:
    """The incident numbered ``reference``; a merged-away or unknown number is bad input."""
    try:
        number = int(reference)
    except (TypeError, ValueError):
        raise InputError(f"事件编号 {reference!r} 无效，应为整数，如 12") from None
    incident = incident_rows.get(session, number)
    if incident is None:
        raise InputError(f"找不到事件 {number}。提示：用 yuqing incidents 查看现有事件编号。")
    if incident.status == "merged":
        into = (incident.profile or {}).get("merged_into")
        raise InputError(f"事件 {number} 已并入事件 {into}，请改用事件 {into}。")
    return incident


def merge(session: Session, target_ref: str, source_ref: str, now: datetime, config: Config, home: str) -> Outcome:
    """Move every post of ``source`` into ``target``; ``source`` is retired (status ``merged``)."""
    target, source = find_incident(session, target_ref), find_incident(session, source_ref)
    if target.id == source.id:
        raise InputError(f"不能把事件 {target.id} 与自身合并。")
    incident_rows.move_members(session, [source.id, target.id], target.id)
    target_topics = set((target.profile or {}).get("topics") or ())
    target.profile = merge_profiles(target.profile or {}, source.profile or {})
    if target.status == "candidate" and source.status != "candidate":
        target.status, target.detected_at, target.status_since = "open", source.detected_at, now
    elif source.status != "candidate":
        target.detected_at = min(target.detected_at, source.detected_at)
    _carry_hand_grade(session, target, source, now)
    incident_rows.delete_keys(session, source.id)
    source.status, source.status_since, source.updated_at = "merged", now, now
    source.profile = {**(source.profile or {}), "merged_into": target.id}
    incident_rows.flush(session)
    write_keys(session, target, config.incidents, [t for t in target.profile["topics"] if t not in target_topics])
    logger.info("merge target=%s source=%s", target.id, source.id)
    return refresh(session, target, now, config, home)


def split(
    session: Session, incident_ref: str, documents: Sequence[str], now: datetime, config: Config, home: str
) -> Incident:
    """Move ``documents`` (ids or URLs) out of the incident into a new incident of their own."""
    incident = find_incident(session, incident_ref)
    moved = [find_document(session, ref) for ref in documents]
    if not moved:
        raise InputError("请用 --documents 给出要拆分的文档编号或链接。")
    members = incident_rows.member_ids(session, incident.id)
    for ref, document_id in zip(documents, moved, strict=True):
        if document_id not in members:
            raise InputError(f"文档 {ref} 不属于事件 {incident.id}。")
    if members <= set(moved):
        raise InputError(f"拆分后事件 {incident.id} 将没有任何文档；请至少保留一条，或不拆分。")
    moved_posts = load_pending(session, sorted(set(moved)))
    kept_posts = load_pending(session, sorted(members - set(moved)))
    first = moved_posts[0] if moved_posts else None
    created = incident_rows.create(
        session,
        title=first.title if first else headline("", ""),
        status="open",
        grade="general",
        grade_reasons=[],
        grade_by_hand=False,
        topics=list(first.topics) if first else [],
        province=first.province if first else None,
        city=first.city if first else None,
        district=first.district if first else None,
        in_jurisdiction=True,
        casualties={},
        first_reported_at=first.published_at if first else now,
        detected_at=now,
        updated_at=now,
        last_seen_at=first.published_at if first else now,
        status_since=now,
        profile=new_profile(moved_posts),
    )
    incident_rows.move_documents(session, moved, created.id)
    incident.profile = new_profile(kept_posts)
    incident_rows.delete_keys(session, incident.id)
    incident_rows.flush(session)
    write_keys(session, incident, config.incidents, (incident.profile or {}).get("topics") or [])
    write_keys(session, created, config.incidents, (created.profile or {}).get("topics") or [])
    refresh(session, incident, now, config, home)
    refresh(session, created, now, config, home)
    logger.info("split incident=%s new=%s documents=%d", incident.id, created.id, len(moved))
    return created


def set_grade(
    session: Session, incident_ref: str, grade: str, reason: str, now: datetime, config: Config, home: str
) -> Outcome:
    """Set the grade by hand: a floor that automatic grading may raise but never lowers."""
    incident = find_incident(session, incident_ref)
    if grade not in GRADES:
        chosen = {label: key for key, label in GRADES.items()}.get(grade)
        if chosen is None:
            raise InputError(f"等级 {grade!r} 无效，应为 {'、'.join(GRADES)} 或 {'、'.join(GRADES.values())} 之一。")
        grade = chosen
    if not reason.strip():
        raise InputError("手工定级须用 --reason 说明理由。")
    if incident.status == "candidate":
        incident.status, incident.detected_at, incident.status_since = "open", now, now
    incident.grade_by_hand = True
    incident_rows.add_grade_change(session, incident.id, now, grade, [f"值班员定级：{reason.strip()}"], by_hand=True)
    incident_rows.flush(session)
    logger.info("hand grade incident=%s grade=%s", incident.id, grade)
    return refresh(session, incident, now, config, home)


def _carry_hand_grade(session: Session, target: Incident, source: Incident, now: datetime) -> None:
    """A hand-set grade of the merged-away incident stays a floor of the merged one."""
    if not source.grade_by_hand:
        return
    change = incident_rows.last_grade_change(session, source.id, by_hand=True)
    if change is None or (target.grade_by_hand and grade_rank(target.grade) >= grade_rank(change.grade)):
        return
    target.grade_by_hand = True
    reasons = [f"并入的事件 {source.id} 的手工定级", *change.reasons]
    incident_rows.add_grade_change(session, target.id, now, change.grade, reasons, by_hand=True)


def find_document(session: Session, reference: str) -> int:
    """The id of the document numbered or addressed by ``reference``; an unknown one is bad input."""
    reference = reference.strip()
    if reference.isdigit():
        found = document_rows.find_id(session, int(reference))
        if found is None:
            raise InputError(f"找不到文档 {reference}。")
        return found
    try:
        document_id = document_rows.id_by_url(session, reference)
    except ValueError:
        raise InputError(f"文档 {reference!r} 既不是编号也不是有效链接。") from None
    if document_id is None:
        raise InputError(f"找不到链接为 {reference} 的文档。")
    return document_id
