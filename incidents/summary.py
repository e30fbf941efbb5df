"""Summary (摘要) of one incident: title, place, topics, casualties, the three instants, representatives.

Pure functions of the incident's members (oldest first):

- title: the earliest original report of the highest-tier source (central > provincial > official > local >
  self-media; within a tier news > official > forum > social, then a post with a headline before one that only
  comments; an original before a copy), its title or its 【bracketed headline】 or first sentence, cleaned of
  hashtags, emoji, source brackets and "转发微博" (``nlp.surface.clean_title``), and led by the incident's place
  when it names none. It is recomputed on every refresh, so a better report (a news headline after a repost)
  replaces it;
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
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import groupby
from typing import Any

from incidents.members import Member
from nlp.casualties import FIELDS, Casualties
from nlp.surface import body, carried_headline, clean_title

logger = logging.getLogger(__name__)

HEADLINE_SCAN = 30  # how many of a tier's posts, earliest first, are read for a headline

_NAMED_PLACE = re.compile(r"[\u4e00-\u9fffA-Za-z0-9][省市区县镇乡州]")
CASUALTY_FIELDS = ("deaths", "serious_injuries", "missing", "economic_loss_yuan")


@dataclass(frozen=True)
class Place:
    province: str | None = None
    city: str | None = None
    district: str | None = None
    abroad: bool = False


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
    placed = [post_place(member_places(m)) for m in members]  # each post's place, read once
    place = incident_place(placed)
    agreeing = sum(p.city == place.city for p in placed)
    return Summary(
        title=incident_title(by_rank, place, agreeing),
        place=place,
        topics=_topics(members),
        casualties=casualties,
        casualty_urls=urls,
        occurred_at=occurred,
        first_reported_at=first,
        last_seen_at=members[-1].published_at,
        central_media=any(m.tier == "central" for m in members),
        representatives=_representatives(members, by_rank, representatives),
    )


def incident_title(by_rank: Sequence[Member], place: Place, agreeing: int) -> str:
    """The clean title of the best-ranked original that has one, led by the place when it names none and at
    least half the posts (``agreeing`` of them) are placed in its city. Within a tier, a post with a headline
    (a title, or a 【headline】 it relays) among its first ``HEADLINE_SCAN`` comes before one that only comments:
    the first of a thousand Weibo comments says less than the news they are about."""
    ranked = sorted(by_rank, key=_original_tier)  # stable: within a tier, the earliest first
    for _key, group in groupby(ranked, key=_original_tier):
        members = list(group)
        headed = next((m for m in members[:HEADLINE_SCAN] if carried_headline(m.title, m.text)), None)
        title = clean_title(headed.title, headed.text) if headed else ""
        title = title or next((t for t in (clean_title(m.title, m.text) for m in members) if t), "")
        if title:
            break
    else:
        title = ranked[0].headline
    agreed = place.city is not None and agreeing * 2 >= len(by_rank)
    return placed_title(title, place) if agreed else title


def _original_tier(member: Member) -> tuple[bool, tuple[int, int]]:
    """Originals before copies, then the source's tier (the order titles are taken in)."""
    return member.duplicate_of_id is not None, member.tier_rank


def placed_title(title: str, place: Place) -> str:
    """``title`` led by the place (``某市某区：``) unless it already names a place: the city, district or province,
    or any name with a unit (A3区, 某某县, 某镇)."""
    names = [n for n in (place.district, place.city, place.province) if n]
    if not names or any(_short(n) in title for n in names) or _NAMED_PLACE.search(title):
        return title
    where = "".join(n for n in (place.city or place.province, place.district) if n)
    return f"{where}：{title}"


def _short(name: str) -> str:
    """A place name without its unit (郑州市 → 郑州), as titles usually write it."""
    for unit in ("自治州", "地区", "新区", "省", "市", "区", "县", "州"):
        if name.endswith(unit) and len(name) - len(unit) >= 2:
            return name[: -len(unit)]
    return name


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
    """The place one post is about: the city named by most places (then first), its most named district; a
    place abroad only when the post names none at home (比美国… is a comparison, not where the matter is)."""
    places = [p for p in places if isinstance(p, dict) and not p.get("abroad")] or places
    abroad = any(isinstance(p, dict) and p.get("abroad") for p in places)  # then every one of them is abroad
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
        return Place(province=province, abroad=abroad and province is not None)
    city = _most(cities, order)
    districts: Counter[str] = Counter(
        p["district"] for p in places if isinstance(p, dict) and p.get("city") == city and p.get("district")
    )
    district_order = {d: i for i, d in enumerate(districts)}
    return Place(
        province=province_of.get(city or ""), city=city, district=_most(districts, district_order), abroad=abroad
    )


def member_places(member: Member) -> list[Any]:
    """The member's places, without a country named only in a hashtag it rides on (#日本医院口罩被盗#): a post is
    filed under the day's trending hashtags whatever it says, and a country there would take its incident
    abroad, out of the jurisdiction. (Places at home named only in a hashtag still count: the team's scenarios
    and many real posts name their city nowhere else.)"""
    said = f"{body(member.title)} {body(member.text)}"
    return [
        p
        for p in member.places
        if isinstance(p, dict) and not (p.get("abroad") and p.get("mention") and p["mention"] not in said)
    ]


def incident_place(places: Sequence[Place]) -> Place:
    """The city most posts are about (the earlier on a tie), with its most named district; a place abroad only
    when no post is placed at home and most are placed abroad (one letter misread abroad must not take a thread
    of letters that name no city out of the jurisdiction: unknown counts as inside). ``places``: each post's
    ``post_place``."""
    home = [p for p in places if p.province and not p.abroad]
    if home or sum(p.abroad for p in places) * 2 < len(places):
        places = [p for p in places if not p.abroad]  # abroad only when most of its posts say so
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
    return Place(
        province=in_city[0].province, city=city, district=_most(districts, district_order), abroad=in_city[0].abroad
    )


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
