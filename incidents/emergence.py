"""Emergence (苗头): a topic rising in one city, flagged before it is big.

Step in the flow: the detect job calls :func:`find_emerging` with its ``now``; it reads tagged
documents (topics from ``DocumentTopic``, places from ``DocumentAnalysis``) and returns one
:class:`EmergingSignal` per (topic, city) pair whose volume in the last hour stands well above that
pair's own baseline, with the figures that say by how much.

The test, per pair:

- ``count``: posts published in (now − 1 h, now];
- ``baseline``: the pair's mean hourly rate over the ``baseline_days`` before that hour, never below
  ``floor`` (so a pair never seen before is compared with a small rate, not divided by zero);
- flagged when ``count ≥ min_count``, ``count / baseline ≥ min_ratio`` and the Poisson upper tail
  P(X ≥ count | λ = baseline) ≤ ``p_value``.

Why a mean rate and not an EWMA: a single topic-place pair is sparse (most hours hold no post), so an
EWMA of hourly counts jumps by its smoothing factor with every lone post and decays to almost zero in
quiet days, which makes the ratio swing on noise; the mean count per hour is the maximum-likelihood
rate of the Poisson model the tail test assumes, and a 7-day window spans the weekly cycle. The daily
cycle (nights are quiet) is not modelled, which errs towards flagging daytime rises: the minimum count
and the p-value keep those small.

Near-duplicate copies (``duplicate_of_id`` set) count: a copy on another site is spread, which is
what an emerging topic looks like. A post counts for each of its topics, in the city of its places
(:func:`post_city`); a post with no city counts nowhere. The baseline runs over the hours for which
the database holds any document, so a monitor started yesterday (or a replay near the start of its
data) is not compared against six empty days.
"""

from __future__ import annotations

import logging
import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from storage import documents as document_rows
from yuqing.vocabulary import TOPICS

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

logger = logging.getLogger(__name__)

HOUR = timedelta(hours=1)

Pair = tuple[str, str]


@dataclass(frozen=True)
class EmergenceSettings:
    """Thresholds of the emergence test (config.toml ``[incidents.emergence]``)."""

    baseline_days: int = 7
    min_count: int = 3
    min_ratio: float = 3.0
    p_value: float = 0.01
    floor: float = 0.2

    def __post_init__(self) -> None:
        if self.baseline_days < 1:
            raise ValueError("baseline_days must be at least 1")
        if self.min_count < 1:
            raise ValueError("min_count must be at least 1")
        if self.floor <= 0:
            raise ValueError("floor must be positive")
        if not 0 < self.p_value <= 1:
            raise ValueError("p_value must lie in (0, 1]")


@dataclass(frozen=True)
class EmergingSignal:
    """One (topic, city) pair whose last hour stands above its baseline."""

    topic: str
    city: str
    hour_start: datetime
    count: int
    baseline: float
    ratio: float
    p_value: float

    @property
    def reason(self) -> str:
        """济南市·工程质量安全：最近1小时7条，基线每小时0.4条（17.5倍，p<0.001）"""
        topic = TOPICS.get(self.topic, self.topic)
        return (
            f"{self.city}·{topic}：最近1小时{self.count}条，基线每小时{_rate(self.baseline)}条"
            f"（{self.ratio:.1f}倍，{_p(self.p_value)}）"
        )


def find_emerging(session: Session, now: datetime, settings: EmergenceSettings | None = None) -> list[EmergingSignal]:
    """The (topic, city) pairs rising in the hour before ``now``, highest ratio first.

    Only documents published at or before ``now`` are read, so a replay sees the world as it was.
    """
    settings = settings or EmergenceSettings()
    now = now.astimezone(UTC)
    hour_start = now - HOUR
    baseline_start = hour_start - timedelta(days=settings.baseline_days)

    recent = _count_pairs(document_rows.topic_places(session, hour_start, now))
    candidates = {pair: n for pair, n in recent.items() if n >= settings.min_count}
    if not candidates:
        logger.debug("emergence now=%s candidates=0", now.isoformat())
        return []
    topics = sorted({topic for topic, _city in candidates})
    past = _count_pairs(document_rows.topic_places(session, baseline_start, hour_start, topics))
    hours = _observed_hours(session, baseline_start, hour_start)

    signals = []
    for (topic, city), count in candidates.items():
        baseline = max(past[(topic, city)] / hours, settings.floor) if hours > 0 else settings.floor
        ratio = count / baseline
        p = poisson_upper_tail(count, baseline)
        if ratio >= settings.min_ratio and p <= settings.p_value:
            signals.append(EmergingSignal(topic, city, hour_start, count, baseline, ratio, p))
    signals.sort(key=lambda s: (-s.ratio, -s.count, s.topic, s.city))
    logger.info(
        "emergence now=%s candidates=%d flagged=%d baseline_hours=%.1f",
        now.isoformat(),
        len(candidates),
        len(signals),
        hours,
    )
    return signals


def post_city(places: Sequence[Any] | None) -> str | None:
    """The city a post is about, from the tagger's places (``nlp.tagger._place_json`` dicts).

    The city named by the most places wins (a district counts for its city, so 济南市 + 历城区 beats a
    passing 青岛市); ties go to the city named first. Places without a city (a province) are ignored.
    """
    counts: Counter[str] = Counter()
    first: dict[str, int] = {}
    for index, place in enumerate(places or ()):
        city = place.get("city") if isinstance(place, dict) else None
        if city:
            counts[city] += 1
            first.setdefault(city, index)
    if not counts:
        return None
    return min(counts, key=lambda city: (-counts[city], first[city]))


def poisson_upper_tail(count: int, rate: float) -> float:
    """P(X ≥ count) for X ~ Poisson(rate), summed directly so tiny tails keep their precision."""
    if count <= 0:
        return 1.0
    if count <= rate:
        # The lower tail is the short sum here; 1 − it loses nothing that matters (p is large).
        term = math.exp(-rate)
        lower = term
        for i in range(1, count):
            term *= rate / i
            lower += term
        return max(0.0, 1.0 - lower)
    term = math.exp(-rate + count * math.log(rate) - math.lgamma(count + 1))
    total = 0.0
    i = count
    while term > total * 1e-17:
        total += term
        i += 1
        term *= rate / i
    return min(1.0, total)


def _count_pairs(rows: Iterable[tuple[str, Any]]) -> Counter[Pair]:
    counts: Counter[Pair] = Counter()
    for topic, places in rows:
        city = post_city(places)
        if city is not None:
            counts[(topic, city)] += 1
    return counts


def _observed_hours(session: Session, start: datetime, end: datetime) -> float:
    """Hours of (start, end] the database has data for: all of them once anything precedes ``start``."""
    if document_rows.any_published_by(session, start):
        return (end - start) / HOUR
    first = document_rows.first_published_in(session, start, end)
    if first is None:
        return 0.0
    return max((end - first) / HOUR, 1.0)


def _rate(value: float) -> str:
    if value >= 10:
        return f"{value:.0f}"
    if value >= 1:
        return f"{value:.1f}"
    return f"{value:.2g}"


def _p(value: float) -> str:
    return "p<0.001" if value < 0.001 else f"p={value:.3f}"
