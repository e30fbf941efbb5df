"""Spread (传播): how big an incident is and how fast it grows, per hour and in the busiest window.

Pure functions of the incident's members (``incidents.members``): the detect job passes the posts
published at or before its ``now``, so the figures are those of that instant. Hours are UTC hours,
which are also whole 北京时间 hours (UTC+8). Growth of an hour is its posts against the hour before:
``(n - previous) / previous``, or None when the hour before was empty.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from incidents.members import Member

logger = logging.getLogger(__name__)

HOUR = timedelta(hours=1)


@dataclass(frozen=True)
class HourSpread:
    start: datetime
    posts: int
    sources: int
    tiers: dict[str, int]
    reposts: int
    comments: int
    likes: int
    negative_share: float
    growth: float | None


@dataclass(frozen=True)
class Spread:
    posts: int
    sources: int
    tiers: dict[str, int]
    reposts: int
    comments: int
    likes: int
    negative_share: float
    hours: tuple[HourSpread, ...]
    peak: HourSpread | None
    first_reported_at: datetime | None
    window: timedelta
    window_posts: int = 0
    window_sources: int = 0
    window_end: datetime | None = field(default=None)


def measure(members: Sequence[Member], window: timedelta) -> Spread:
    """The spread of ``members`` (oldest first): totals, per hour, peak hour and busiest window."""
    by_hour: dict[datetime, list[Member]] = {}
    for member in members:
        by_hour.setdefault(_hour_of(member.published_at), []).append(member)
    hours = tuple(_hour(start, posts, by_hour.get(start - HOUR)) for start, posts in sorted(by_hour.items()))
    peak = max(hours, key=lambda h: (h.posts, h.sources, -h.start.timestamp()), default=None)
    posts, sources, end = busiest_window(members, window)
    return Spread(
        posts=len(members),
        sources=len({m.source_key for m in members}),
        tiers=_tiers(members),
        reposts=sum(m.reposts for m in members),
        comments=sum(m.comments for m in members),
        likes=sum(m.likes for m in members),
        negative_share=_negative_share(members),
        hours=hours,
        peak=peak,
        first_reported_at=min((m.published_at for m in members), default=None),
        window=window,
        window_posts=posts,
        window_sources=sources,
        window_end=end,
    )


def busiest_window(members: Sequence[Member], window: timedelta) -> tuple[int, int, datetime | None]:
    """The most posts and the most distinct sources in any ``window`` ending at a post (two pointers)."""
    ordered = sorted(members, key=lambda m: m.published_at)
    in_window: Counter[str] = Counter()
    best_posts, best_sources, best_end = 0, 0, None
    left = 0
    for right, member in enumerate(ordered):
        in_window[member.source_key] += 1
        while ordered[left].published_at <= member.published_at - window:
            key = ordered[left].source_key
            in_window[key] -= 1
            if not in_window[key]:
                del in_window[key]
            left += 1
        posts, sources = right - left + 1, len(in_window)
        if (sources, posts) > (best_sources, best_posts):
            best_end = member.published_at
        best_posts, best_sources = max(best_posts, posts), max(best_sources, sources)
    return best_posts, best_sources, best_end


def _hour_of(instant: datetime) -> datetime:
    return instant.replace(minute=0, second=0, microsecond=0)


def _hour(start: datetime, posts: list[Member], previous: list[Member] | None) -> HourSpread:
    before = len(previous or ())
    return HourSpread(
        start=start,
        posts=len(posts),
        sources=len({m.source_key for m in posts}),
        tiers=_tiers(posts),
        reposts=sum(m.reposts for m in posts),
        comments=sum(m.comments for m in posts),
        likes=sum(m.likes for m in posts),
        negative_share=_negative_share(posts),
        growth=(len(posts) - before) / before if before else None,
    )


def _tiers(members: Sequence[Member]) -> dict[str, int]:
    """Distinct sources by tier (``unknown`` for a source without one)."""
    by_tier: dict[str, set[str]] = {}
    for member in members:
        by_tier.setdefault(member.tier or "unknown", set()).add(member.source_key)
    return {tier: len(keys) for tier, keys in sorted(by_tier.items())}


def _negative_share(members: Sequence[Member]) -> float:
    rated = [m for m in members if m.sentiment]
    return round(sum(m.sentiment == "negative" for m in rated) / len(rated), 3) if rated else 0.0
