"""The detect job (``yuqing detect [--now T]``): tagged posts in, graded incidents out.

1. Scan: the documents after the cursor (``detect_state.low_water``) that are tagged, are not placed
   yet and were published at or before ``now`` (with a topic or without: a post the tagger missed may
   still join an incident it matches, though it starts none). The cursor then moves to just before
   the first document that is still untagged or published after ``now`` (a replay defers those), so a
   run reads only what is new, not the whole history.
2. Place them oldest first (``incidents.grouping``), in batches of ``BATCH``, one transaction each; then
   refresh every incident the run touched once (``incidents.assess``), not once per batch: a large incident
   is read once per run however many batches it grew in.
3. Advance the lifecycle of every live incident (``incidents.lifecycle``).
4. Emergence (苗头): ``incidents.emergence.find_emerging`` on the same ``now``.

Replay: everything is as of ``now`` (posts published after it are neither placed nor counted; promotion,
grade changes and status changes are stamped ``now``), so running detect at successive instants over a
stored history reproduces the live system, and a second run at the same ``now`` changes nothing.
Replay runs forward: a run at an instant earlier than a previous run does not undo what that run did.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from incidents.assess import Outcome, refresh
from incidents.emergence import EmergenceSettings, EmergingSignal, find_emerging
from incidents.grouping import FingerprintCache, Placer, load_pending
from incidents.jurisdiction import home_province
from incidents.lifecycle import Transition, advance
from incidents.members import load_members_of
from storage import documents as document_rows
from storage import incidents as incident_rows
from storage.db import transaction
from yuqing.config import Config

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

logger = logging.getLogger(__name__)

BATCH = 500


@dataclass
class DetectResult:
    placed: int = 0
    joined: int = 0
    candidates: int = 0
    outcomes: list[Outcome] = field(default_factory=list)
    transitions: list[Transition] = field(default_factory=list)
    emerging: list[EmergingSignal] = field(default_factory=list)

    @property
    def promoted(self) -> list[int]:
        return [o.incident_id for o in self.outcomes if o.promoted]

    @property
    def regraded(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.regraded]


def detect(
    sessions: sessionmaker[Session], now: datetime, config: Config, cache: FingerprintCache | None = None
) -> DetectResult:
    """One detect run at ``now``; ``cache`` may be kept between runs by a long-lived caller (the daemon)."""
    home = home_province(config.jurisdiction.province)
    result = DetectResult()
    cache = FingerprintCache() if cache is None else cache
    with transaction(sessions) as session:
        pending, low_water = scan(session, now)
    touched: set[int] = set()
    for start in range(0, len(pending), BATCH):
        with transaction(sessions) as session:
            touched |= place_batch(session, pending[start : start + BATCH], now, config, result, cache)
    ordered = sorted(touched)
    for start in range(0, len(ordered), BATCH):
        with transaction(sessions) as session:
            assess_batch(session, ordered[start : start + BATCH], now, config, home, result)
    with transaction(sessions) as session:
        incident_rows.save_low_water(session, low_water, now)
        incident_rows.stop_waiting(session, before=now - config.incidents.thread_within)
        result.transitions = advance(session, now, config.incidents)
    with sessions() as session:
        result.emerging = find_emerging(session, now, emergence_settings(config))
    logger.info(
        "detect now=%s placed=%d joined=%d candidates=%d promoted=%d regraded=%d transitions=%d emerging=%d",
        now.isoformat(),
        result.placed,
        result.joined,
        result.candidates,
        len(result.promoted),
        len(result.regraded),
        len(result.transitions),
        len(result.emerging),
    )
    return result


def place_batch(
    session: Session,
    ids: list[int],
    now: datetime,
    config: Config,
    result: DetectResult,
    cache: FingerprintCache | None = None,
) -> set[int]:
    """Place the posts ``ids``; the incidents they changed."""
    placer = Placer(session, config.incidents, now, cache)
    posts = load_pending(session, ids)
    with session.no_autoflush:  # placing reads by primary key; one flush at the end, not one per read
        for post in posts:
            placer.place(post)  # a post with no topic that matches nothing stays out
    placer.finish()
    result.placed += placer.created + placer.joined
    result.joined += placer.joined
    result.candidates += placer.created
    return placer.touched


def assess_batch(
    session: Session, incident_ids: list[int], now: datetime, config: Config, home: str, result: DetectResult
) -> None:
    """Refresh (summary, promotion, grade) every incident of ``incident_ids`` still standing, once per run."""
    members = load_members_of(session, incident_ids, now)
    for incident in sorted(incident_rows.listed(session, now, incident_ids), key=lambda i: i.id):
        if incident.status not in ("merged", "dismissed"):
            result.outcomes.append(refresh(session, incident, now, config, home, members.get(incident.id, [])))


def scan(session: Session, now: datetime) -> tuple[list[int], int]:
    """The ids to place (oldest publication first) and the new cursor. An untagged document holds the cursor
    back, unless the tagger set it aside: tagged later, it sends the cursor back itself (``storage.tags.release``)."""
    low_water = incident_rows.low_water(session)
    rows = incident_rows.scan_rows(session, low_water)
    set_aside = document_rows.quarantined_ids(session, low_water)
    pending: list[tuple[datetime, int]] = []
    blocked: list[int] = []
    for document_id, published_at, tagged, placed, _topical in rows:
        if not tagged:
            if document_id not in set_aside:
                blocked.append(document_id)
        elif not placed:
            if published_at <= now:
                pending.append((published_at, document_id))
            else:
                blocked.append(document_id)
    last = rows[-1][0] if rows else low_water
    new_low = min(blocked) - 1 if blocked else last
    pending.sort()
    return [document_id for _at, document_id in pending], max(new_low, low_water)


def emergence_settings(config: Config) -> EmergenceSettings:
    return EmergenceSettings(**config.incidents.emergence.model_dump())
