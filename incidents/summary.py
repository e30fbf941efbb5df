"""Summary (摘要) of one incident: title, place, topics, casualties, the three instants, representatives.

Pure functions of the incident's members (oldest first):

- title: the earliest report of the highest-tier source (central > provincial > official > local >
  self-media; within a tier news > official > forum > social), its title or the start of its text;
- place: the city most of the posts are about (``post_place``), then the district most named in that
  city; the province is that city's (or, with no city, the most named province);
- casualties: the largest figure per field among the posts published within ``regrade_for`` of the
  incident's start (the earliest of occurrence and first report); later figures no longer count;
- ``occurred_at``: the occurrence time stated by the highest-tier, earliest report that states one;
  ``first_reported_at``: the earliest publication;
- representatives: the title post, then the earliest post of each other tier, then the most shared.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from incidents.members import Member
from nlp.casualties import FIELDS, Casualties

logger = logging.getLogger(__name__)

CASUALTY_FIELDS = ("deaths", "serious_injuries", "missing", "economic_loss_yuan")


@dataclass(frozen=True)
class Place:
    province: str | None = None
    city: str | None = None
    district: str | None = None


@dataclass(frozen=True)
class Summary:
    title: str
    place: Place
    topics: tuple[str, ...]
    casualties: Casualties
    casualty_urls: dict[str, str]
    occurred_at: datetime | None
    first_reported_at: datetime
    last_seen_at: datetime
    central_media: bool
    representatives: tuple[Member, ...]

    def casualties_json(self) -> dict[str, Any]:
        """``{"deaths": {"value": 3, "phrase": "造成3人死亡", "url": …}, "missing": None, …}``."""
        result: dict[str, Any] = {}
        for name in CASUALTY_FIELDS:
            figure = getattr(self.casualties, name)
            result[name] = (
                None
                if figure is None
                else {"value": figure.value, "phrase": figure.phrase, "url": self.casualty_urls.get(name)}
            )
        return result


def summarize(members: Sequence[Member], regrade_for: timedelta, representatives: int = 5) -> Summary:
    """The summary of a non-empty list of members, oldest first."""
    by_rank = sorted(members, key=lambda m: (m.tier_rank, m.published_at, m.document_id))
    first = members[0].published_at
    occurred = next((m.occurred_at for m in by_rank if m.occurred_at is not None), None)
    start = min(first, occurred) if occurred else first
    casualties, urls = merged_casualties([m for m in members if m.published_at <= start + regrade_for])
    return Summary(
        title=by_rank[0].headline,
        place=incident_place(members),
        topics=_topics(members),
        casualties=casualties,
        casualty_urls=urls,
        occurred_at=occurred,
        first_reported_at=first,
        last_seen_at=members[-1].published_at,
        central_media=any(m.tier == "central" for m in members),
        representatives=_representatives(members, by_rank, representatives),
    )


def merged_casualties(members: Sequence[Member]) -> tuple[Casualties, dict[str, str]]:
    """The largest figure per field (the earlier report on a tie) and the URL of the post it came from."""
    merged = Casualties()
    urls: dict[str, str] = {}
    for member in members:
        if not member.casualties:
            continue
        try:
            found = Casualties.from_dict(member.casualties)
        except ValueError:
            logger.warning("bad casualties document=%s", member.document_id)
            continue
        combined = merged.merge(found)
        for name in FIELDS:
            if getattr(combined, name) is not getattr(merged, name):
                urls[name] = member.url
        merged = combined
    return merged, urls


def post_place(places: Sequence[Any]) -> Place:
    """The place one post is about: the city named by most places (then first), its most named district."""
    cities: Counter[str] = Counter()
    provinces: Counter[str] = Counter()
    order: dict[str, int] = {}
    province_of: dict[str, str | None] = {}
    for index, place in enumerate(p for p in places if isinstance(p, dict)):
        if place.get("province"):
            provinces[place["province"]] += 1
            order.setdefault(place["province"], index)
        if place.get("city"):
            cities[place["city"]] += 1
            order.setdefault(place["city"], index)
            province_of[place["city"]] = place.get("province")
    if not cities:
        province = _most(provinces, order)
        return Place(province=province)
    city = _most(cities, order)
    districts: Counter[str] = Counter(
        p["district"] for p in places if isinstance(p, dict) and p.get("city") == city and p.get("district")
    )
    district_order = {d: i for i, d in enumerate(districts)}
    return Place(province=province_of.get(city or ""), city=city, district=_most(districts, district_order))


def incident_place(members: Sequence[Member]) -> Place:
    """The city most posts are about (the earlier on a tie), with its most named district."""
    places = [post_place(m.places) for m in members]
    cities: Counter[str] = Counter(p.city for p in places if p.city)
    order: dict[str, int] = {}
    for index, place in enumerate(places):
        for name in (place.city, place.province):
            if name:
                order.setdefault(name, index)
    if not cities:
        provinces: Counter[str] = Counter(p.province for p in places if p.province)
        return Place(province=_most(provinces, order))
    city = _most(cities, order)
    in_city = [p for p in places if p.city == city]
    districts: Counter[str] = Counter(p.district for p in in_city if p.district)
    district_order: dict[str, int] = {}
    for index, place in enumerate(in_city):
        if place.district:
            district_order.setdefault(place.district, index)
    return Place(province=in_city[0].province, city=city, district=_most(districts, district_order))


def _most(counts: Counter[str], order: dict[str, int]) -> str | None:
    if not counts:
        return None
    return min(counts, key=lambda name: (-counts[name], order.get(name, 0)))


def _topics(members: Sequence[Member]) -> tuple[str, ...]:
    counts: Counter[str] = Counter()
    first: dict[str, int] = {}
    for index, member in enumerate(members):
        for topic in member.topics:
            counts[topic] += 1
            first.setdefault(topic, index)
    return tuple(sorted(counts, key=lambda t: (-counts[t], first[t])))


def _representatives(members: Sequence[Member], by_rank: Sequence[Member], limit: int) -> tuple[Member, ...]:
    chosen: list[Member] = []
    tiers: set[tuple[int, int]] = set()
    for member in by_rank:
        if member.tier_rank not in tiers:
            tiers.add(member.tier_rank)
            chosen.append(member)
    shared = sorted(members, key=lambda m: (-(m.reposts + m.comments), m.published_at))
    for member in shared:
        if member not in chosen:
            chosen.append(member)
    return tuple(chosen[:limit])
