"""Grouping (归并): each newly tagged post joins the incident it is about, or starts a candidate.

Step in the flow: ``incidents.detect`` hands the posts to :class:`Placer` oldest first; each post is
placed exactly once (an ``IncidentDocument`` row) and never moved again by the job, so placing is
idempotent and a duty officer's merge or split (``by_hand``) stands.

How a post is placed:

1. A near-duplicate or repost (``duplicate_of_id``) joins its original's incident.
2. Otherwise the incidents it may join are read through ``incident_keys`` (index on topic and
   ``reach_until``): incidents sharing one of its topics whose reach extends to the post's publication,
   in the same city or with no city on either side. Reach: a candidate's last post + ``window``; an
   incident's last post + ``reopen_within``; a closed one's closing + ``reopen_within`` (a resurgence
   reopens it). The cost of one post is a handful of indexed statements, whatever the history's size.
3. Similarity to each incident's profile: 0.6 × the share of the post's title/lead character bigrams
   found in the incident's (place names, digits and function characters removed, so two incidents of
   one city and week do not look alike), + 0.4 × the share of its key terms (the tagger's keywords,
   place names removed) among the incident's frequent terms; + 0.1 for the same district. The best
   incident at or above ``[incidents] similarity`` gets the post; with none, it starts a candidate.
4. The incident's profile takes in the post (the first posts' bigrams, a capped count of terms).

Candidates are ``Incident`` rows with status ``candidate``: never listed, never graded or alerted,
promoted by ``incidents.assess`` once their evidence crosses the configured thresholds.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from incidents.members import headline
from incidents.summary import post_place
from storage import documents as document_rows
from storage import incidents as incident_rows
from yuqing.config import IncidentsConfig

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from storage.models import Incident

logger = logging.getLogger(__name__)

LEAD_CHARS = 80
SHINGLE_CAP = 400
TERM_CAP = 40
TERMS_COUNTED = 5
MIN_TITLE_SHINGLES = 4
TEXT_WEIGHT, TERM_WEIGHT, DISTRICT_BONUS = 0.6, 0.4, 0.1
PROMOTED = ("open", "active", "quiet", "closed")

_NOT_HAN_OR_LATIN = re.compile(r"[^\u4e00-\u9fffA-Za-z]+")
_HASHTAG = re.compile(r"#[^#\n]{1,40}#")
_FUNCTION_CHARS = frozenset("的了在是和与及等有一这那其于对为被将已月日年时分许午上下今昨前后")


@dataclass(frozen=True)
class Pending:
    """A tagged post waiting to be placed, with what grouping compares."""

    document_id: int
    published_at: datetime
    title: str
    topics: tuple[str, ...]
    province: str | None
    city: str | None
    district: str | None
    shingles: frozenset[str]
    terms: frozenset[str]
    duplicate_of_id: int | None
    title_shingles: frozenset[str] = frozenset()


def load_pending(session: Session, ids: Sequence[int]) -> list[Pending]:
    """The posts ``ids`` (tagged, with a topic), oldest first; two queries for the lot."""
    pending = [
        pending_post(
            row["id"],
            row["published_at"],
            row["title"] or "",
            row["text"],
            row["topics"],
            row["places"] or [],
            row["keywords"] or [],
            row["duplicate_of_id"],
        )
        for row in document_rows.pending_rows(session, ids)
        if row["topics"]
    ]
    pending.sort(key=lambda p: (p.published_at, p.document_id))
    return pending


def pending_post(
    document_id: int,
    published_at: datetime,
    title: str,
    text: str,
    topics: Sequence[str],
    places: Sequence[Any],
    keywords: Sequence[str],
    duplicate_of_id: int | None = None,
) -> Pending:
    place = post_place(places)
    mentions = [p.get("mention") or "" for p in places if isinstance(p, dict)]
    names = [n for p in places if isinstance(p, dict) for n in (p.get("city"), p.get("district"), p.get("province"))]
    place_words = [w for w in (*mentions, *names) if w]
    return Pending(
        document_id=document_id,
        published_at=published_at,
        title=headline(title, text),
        topics=tuple(topics),
        province=place.province,
        city=place.city,
        district=place.district,
        shingles=frozenset(shingles(_lead(title, text), place_words)),
        title_shingles=frozenset(shingles(_HASHTAG.sub(" ", headline(title, text)), place_words)),
        terms=frozenset(key_terms(keywords, place_words)),
        duplicate_of_id=duplicate_of_id,
    )


def shingles(text: str, place_words: Iterable[str] = ()) -> set[str]:
    """Character bigrams of ``text`` without place names, digits, punctuation and function characters."""
    for word in sorted(place_words, key=len, reverse=True):
        text = text.replace(word, " ")
    grams: set[str] = set()
    for run in _NOT_HAN_OR_LATIN.split(text):
        for i in range(len(run) - 1):
            gram = run[i : i + 2]
            if not (gram[0] in _FUNCTION_CHARS or gram[1] in _FUNCTION_CHARS):
                grams.add(gram)
    return grams


def _lead(title: str, text: str) -> str:
    """The title and the start of the text: what a report leads with. A #话题# says what the post rides on,
    not what it is about (spam rides trending hashtags), so it is left out."""
    text = _HASHTAG.sub(" ", text)
    return f"{title} {text[:LEAD_CHARS]}" if title.strip() else text[:LEAD_CHARS]


def key_terms(keywords: Iterable[str], place_words: Sequence[str]) -> set[str]:
    """The post's keywords that are not place names (济南, 历城 say where, not what)."""
    short = [w.removesuffix("市").removesuffix("区").removesuffix("县").removesuffix("省") for w in place_words]
    return {k for k in keywords if k and not any(k in w or (w and w in k) for w in (*place_words, *short))}


@dataclass(frozen=True)
class Fingerprint:
    """An incident's profile as sets, ready for comparison."""

    shingles: frozenset[str]
    terms: frozenset[str]

    @classmethod
    def of(cls, profile: dict[str, Any] | None) -> Fingerprint:
        profile = profile or {}
        return cls(frozenset(profile.get("shingles") or ()), frozenset(profile.get("terms") or {}))


class FingerprintCache(dict[int, Fingerprint]):
    """Fingerprints by incident id, kept by whoever places posts for several batches (one detect run, or
    the daemon between runs) so a profile is decoded once, not once per post that might join it. Placing
    updates the entries it changes; ``forget`` drops an incident changed elsewhere (merge, split)."""

    def forget(self, *incident_ids: int) -> None:
        for incident_id in incident_ids:
            self.pop(incident_id, None)


def similarity(post: Pending, profile: dict[str, Any] | Fingerprint | None, district: str | None) -> float:
    """How much ``post`` looks like the incident with ``profile`` (0 to 1.1)."""
    print_ = profile if isinstance(profile, Fingerprint) else Fingerprint.of(profile)
    text = len(post.shingles & print_.shingles) / len(post.shingles) if post.shingles else 0.0
    if len(post.title_shingles) >= MIN_TITLE_SHINGLES:
        # a short headline is not diluted by the rest of the lead: "东王庄片区补偿款只付一半" vs the first letter
        text = max(text, len(post.title_shingles & print_.shingles) / len(post.title_shingles))
    counted = min(len(post.terms), TERMS_COUNTED)
    terms = min(1.0, len(post.terms & print_.terms) / counted) if counted else 0.0
    bonus = DISTRICT_BONUS if post.district and post.district == district else 0.0
    return TEXT_WEIGHT * text + TERM_WEIGHT * terms + bonus


def new_profile(posts: Iterable[Pending]) -> dict[str, Any]:
    profile: dict[str, Any] = {"shingles": [], "terms": {}, "topics": []}
    for post in posts:
        profile = absorb(profile, post)
    return profile


def absorb(profile: dict[str, Any], post: Pending) -> dict[str, Any]:
    """A new profile with ``post`` taken in: its bigrams while there is room, its terms counted, its topics."""
    grams = list(profile.get("shingles") or ())
    if len(grams) < SHINGLE_CAP:
        seen = set(grams)
        grams += sorted(g for g in post.shingles if g not in seen)[: SHINGLE_CAP - len(grams)]
    terms = Counter(profile.get("terms") or {})
    terms.update(post.terms)
    kept = dict(sorted(terms.items(), key=lambda kv: (-kv[1], kv[0]))[:TERM_CAP])
    topics = list(profile.get("topics") or ())
    topics += [t for t in post.topics if t not in topics]
    return {**profile, "shingles": grams, "terms": kept, "topics": topics}


def merge_profiles(first: dict[str, Any], second: dict[str, Any]) -> dict[str, Any]:
    grams = list(first.get("shingles") or ())
    seen = set(grams)
    grams += [g for g in second.get("shingles") or () if g not in seen]
    terms = Counter(first.get("terms") or {})
    terms.update(second.get("terms") or {})
    topics = list(first.get("topics") or ())
    topics += [t for t in second.get("topics") or () if t not in topics]
    kept = dict(sorted(terms.items(), key=lambda kv: (-kv[1], kv[0]))[:TERM_CAP])
    return {**first, "shingles": grams[:SHINGLE_CAP], "terms": kept, "topics": topics}


def reach_of(incident: Incident, settings: IncidentsConfig) -> datetime:
    """Until when ``incident`` attracts new posts."""
    last = incident.last_seen_at or incident.first_reported_at
    if incident.status == "closed" and incident.closed_at is not None:
        return max(incident.closed_at, last) + settings.reopen_within
    if incident.status in PROMOTED:
        return last + settings.reopen_within
    return last + settings.window


def write_keys(
    session: Session, incident: Incident, settings: IncidentsConfig, new_topics: Sequence[str], *, existing: bool = True
) -> None:
    """Insert keys for ``new_topics``; with ``existing``, bring the incident's other keys to its reach and city."""
    incident_rows.write_keys(
        session, incident.id, incident.city, reach_of(incident, settings), new_topics, existing=existing
    )


class Placer:
    """Places posts for one detect run; ``touched`` collects the incidents that changed."""

    def __init__(
        self, session: Session, settings: IncidentsConfig, now: datetime, cache: FingerprintCache | None = None
    ) -> None:
        self.session = session
        self.settings = settings
        self.now = now
        self.cache = FingerprintCache() if cache is None else cache
        self.touched: set[int] = set()
        self.created = 0
        self.joined = 0

    def place(self, post: Pending) -> Incident:
        incident = self._original_incident(post) or self._best_match(post)
        if incident is None:
            incident = self._start(post)
            self.created += 1
        else:
            self._join(incident, post)
            self.joined += 1
        self.touched.add(incident.id)
        return incident

    def _original_incident(self, post: Pending) -> Incident | None:
        if post.duplicate_of_id is None:
            return None
        incident = incident_rows.incident_of_document(self.session, post.duplicate_of_id)
        return incident if incident is not None and incident.status != "merged" else None

    def _best_match(self, post: Pending) -> Incident | None:
        rows = incident_rows.reachable(self.session, post.topics, post.published_at, post.city)
        self._fill([row[0] for row in rows if row[0] not in self.cache])
        scored = [(similarity(post, self.cache[row[0]], row[1]), row) for row in rows]
        scored = [(s, row) for s, row in scored if s >= self.settings.similarity]
        if not scored:
            return None
        best = max(scored, key=lambda sr: (sr[0], sr[1][2] != "candidate", sr[1][3], sr[1][0]))[1]
        return incident_rows.get(self.session, best[0])

    def _fill(self, incident_ids: list[int]) -> None:
        found = incident_rows.profiles(self.session, incident_ids)
        self.cache.update((incident_id, Fingerprint.of(profile)) for incident_id, profile in found.items())

    def _start(self, post: Pending) -> Incident:
        incident = incident_rows.create(
            self.session,
            title=post.title,
            status="candidate",
            grade="general",
            grade_reasons=[],
            grade_by_hand=False,
            topics=list(post.topics),
            province=post.province,
            city=post.city,
            district=post.district,
            in_jurisdiction=True,
            casualties={},
            first_reported_at=post.published_at,
            detected_at=self.now,
            updated_at=self.now,
            last_seen_at=post.published_at,
            status_since=self.now,
            profile=new_profile([post]),
        )
        self.cache[incident.id] = Fingerprint.of(incident.profile)
        self._member(incident, post)
        write_keys(self.session, incident, self.settings, post.topics, existing=False)
        return incident

    def _join(self, incident: Incident, post: Pending) -> None:
        known = set((incident.profile or {}).get("topics") or ())
        if post.duplicate_of_id is None:
            incident.profile = absorb(incident.profile or {}, post)
            self.cache[incident.id] = Fingerprint.of(incident.profile)
        else:
            incident.profile = {
                **(incident.profile or {}),
                "topics": [*known, *(t for t in post.topics if t not in known)],
            }
        moved = incident.last_seen_at is None or post.published_at > incident.last_seen_at
        if moved:
            incident.last_seen_at = post.published_at
        if incident.city is None and post.city is not None:
            incident.province, incident.city, incident.district = post.province, post.city, post.district
            moved = True
        self._member(incident, post)
        new_topics = [t for t in post.topics if t not in known]
        write_keys(self.session, incident, self.settings, new_topics, existing=moved)

    def _member(self, incident: Incident, post: Pending) -> None:
        incident_rows.add_member(self.session, incident.id, post.document_id, self.now)
