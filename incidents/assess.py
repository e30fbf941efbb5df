"""Assessment (研判) of one incident as of ``now``: summary, promotion, grade and its history.

Step in the flow: after grouping, ``incidents.detect`` (and the duty officer's merge, split and grade)
call :func:`refresh` on every incident that changed. It reads the incident's posts published at or
before ``now`` and

1. rewrites the summary columns (title, place, jurisdiction, topics, casualties, the instants);
2. promotes a candidate whose evidence crosses ``[incidents]`` thresholds (posts, distinct sources, a
   post with casualties, a central-media post): status ``open``, ``detected_at = now``;
3. reopens a closed incident that received a post after its closing;
4. grades a promoted incident (``incidents.grading``), the hand-set grade being a floor, and appends a
   ``GradeChange`` at ``now`` when the grade changes (several changes at one instant are one entry).

Nothing is written when nothing changed, so refreshing twice at the same ``now`` is harmless.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from incidents import grading
from incidents.grouping import reach_of, write_keys
from incidents.jurisdiction import in_jurisdiction
from incidents.members import Member, load_members
from incidents.spread import HOUR, Spread, measure
from incidents.summary import Summary, summarize
from storage import incidents as incident_rows
from yuqing.config import Config

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from storage.models import Incident

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outcome:
    incident_id: int
    promoted: bool = False
    reopened: bool = False
    grade_before: str | None = None
    grade_after: str | None = None

    @property
    def regraded(self) -> bool:
        return self.grade_before is not None and self.grade_before != self.grade_after


def refresh(
    session: Session,
    incident: Incident,
    now: datetime,
    config: Config,
    home: str,
    members: list[Member] | None = None,
) -> Outcome:
    """Refresh ``incident`` as of ``now`` (``members``: its posts, when the caller has read them already)."""
    members = load_members(session, incident.id, now) if members is None else members
    if not members:
        return Outcome(incident.id)
    before = _snapshot(incident)
    reach_before = (reach_of(incident, config.incidents), incident.city)
    summary = summarize(members, config.grading.regrade_for, config.incidents.representatives)
    _apply_summary(incident, summary, home)
    promoted = incident.status == "candidate" and bool(promotion_reasons(members, summary, config))
    if promoted:
        incident.status, incident.detected_at, incident.status_since = "open", now, now
    reopened = (
        incident.status == "closed" and incident.closed_at is not None and summary.last_seen_at > incident.closed_at
    )
    if reopened:
        incident.status, incident.closed_at, incident.status_since = "active", None, now
    grade_before = None if promoted or incident.status == "candidate" else incident.grade
    if incident.status != "candidate":
        assess_grade(session, incident, members, summary, now, config)
    if (reach_of(incident, config.incidents), incident.city) != reach_before:
        write_keys(session, incident, config.incidents, [])
    if _snapshot(incident) != before:
        incident.updated_at = now
    return Outcome(incident.id, promoted, reopened, grade_before, incident.grade)


def promotion_reasons(members: list[Member], summary: Summary, config: Config) -> list[str]:
    """Why a candidate is an incident (empty: it is not, yet)."""
    settings = config.incidents
    reasons = []
    # Copies (reposts, near-identical spam) are one post's spread: they count once, with their original's source.
    originals = {m.duplicate_of_id or m.document_id: m for m in members if m.duplicate_of_id is None}
    originals.update(
        {m.duplicate_of_id: m for m in members if m.duplicate_of_id and m.duplicate_of_id not in originals}
    )
    if len(originals) >= settings.promote_posts:
        reasons.append(f"{len(originals)}条原创帖文")
    sources = len({m.source_key for m in originals.values()})
    if sources >= settings.promote_sources:
        reasons.append(f"{sources}个来源")
    casualties = summary.casualties
    if settings.promote_on_casualties and any(
        f is not None and f.value > 0 for f in (casualties.deaths, casualties.serious_injuries, casualties.missing)
    ):
        reasons.append("报道有人员伤亡或失联")
    if settings.promote_on_central_media and summary.central_media:
        reasons.append("中央媒体报道")
    return reasons


def assess_grade(
    session: Session, incident: Incident, members: list[Member], summary: Summary, now: datetime, config: Config
) -> None:
    spread = measure(members, config.grading.opinion.window)
    evidence = grading.Evidence(
        casualties=summary.casualties,
        window=spread.window,
        window_posts=spread.window_posts,
        window_sources=spread.window_sources,
        central_media=summary.central_media,
        provincial_sources=spread.tiers.get("provincial", 0),
        surge=surge(spread),
        gathering_terms=grading.gathering_terms(
            [f"{m.title} {m.text}" for m in members], config.grading.opinion.mass_gathering_terms
        ),
        topics=summary.topics,
    )
    auto = grading.grade(evidence, config.grading)
    grade, reasons = grading.with_hand(auto, hand_grade(session, incident))
    record_grade(session, incident, grade, reasons, now)


def surge(spread: Spread) -> tuple[int, int] | None:
    """The hour with the most posts, with the hour before it: (posts, posts the hour before)."""
    if spread.peak is None:
        return None
    before = next((h.posts for h in spread.hours if h.start == spread.peak.start - HOUR), 0)
    return spread.peak.posts, before


def hand_grade(session: Session, incident: Incident) -> tuple[str, list[str]] | None:
    """The latest grade set by hand, if any."""
    if not incident.grade_by_hand:
        return None
    change = incident_rows.last_grade_change(session, incident.id, by_hand=True)
    return (change.grade, list(change.reasons)) if change is not None else None


def record_grade(session: Session, incident: Incident, grade: str, reasons: list[str], now: datetime) -> None:
    """Set the grade; a change of grade is appended to the history at ``now`` (merged with one already there)."""
    last = incident_rows.last_grade_change(session, incident.id)
    if last is None or last.grade != grade:
        if last is not None and last.at == now and not last.by_hand:
            last.grade, last.reasons = grade, reasons
        else:
            incident_rows.add_grade_change(session, incident.id, now, grade, reasons)
    if incident.grade != grade or list(incident.grade_reasons or []) != reasons:
        incident.grade, incident.grade_reasons = grade, reasons


def _apply_summary(incident: Incident, summary: Summary, home: str) -> None:
    place = summary.place
    incident.title = summary.title
    incident.topics = list(summary.topics)
    incident.province, incident.city, incident.district = place.province, place.city, place.district
    incident.in_jurisdiction = in_jurisdiction(place.province, home)
    incident.casualties = summary.casualties_json()
    incident.occurred_at = summary.occurred_at
    incident.first_reported_at = summary.first_reported_at
    incident.last_seen_at = summary.last_seen_at


def _snapshot(incident: Incident) -> tuple[object, ...]:
    return (
        incident.title,
        list(incident.topics or []),
        incident.province,
        incident.city,
        incident.district,
        incident.in_jurisdiction,
        dict(incident.casualties or {}),
        incident.occurred_at,
        incident.first_reported_at,
        incident.last_seen_at,
        incident.status,
        incident.grade,
        list(incident.grade_reasons or []),
    )
