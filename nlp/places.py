"""Places named in a post: province, city and (in Shandong) district, from the gazetteer we ship.

Step in the flow: ``nlp.tagger`` calls ``PlaceFinder.find`` on every post and stores the places as the
post's region attribute; ``best`` gives the one place a post is about. Pure text matching, no I/O
beyond reading ``nlp/data/gazetteer.json`` once.

Gazetteer format (``nlp/data/gazetteer.json``)::

    {
      "version": 1,
      "provinces": [{"name": "山东省", "aliases": ["山东"]},
                    {"name": "北京市", "aliases": ["北京"], "municipality": true}, ...],
      "cities":    [{"name": "济南市", "aliases": ["济南"], "province": "山东省"},
                    {"name": "安康市", "weak_aliases": ["安康"], "province": "陕西省"}, ...],
      "districts": [{"name": "历城区", "aliases": ["历城"], "city": "济南市", "kind": "district"},
                    {"name": "济南高新区", "aliases": ["济南高新技术产业开发区"],
                     "local_aliases": ["高新区"], "city": "济南市", "kind": "zone"}, ...],
      "countries": [{"name": "尼日利亚"}, {"name": "澳大利亚", "aliases": ["澳洲"]}, ...],
      "false_friends": ["东营业厅", "平泰安康", "日照时间", ...]
    }

- ``provinces``: every province-level division. A ``municipality`` is its own city too, so 北京 is
  reported as province 北京市, city 北京市.
- ``cities``: every prefecture-level division (cities, autonomous prefectures, leagues, 地区),
  each with the ``province`` it belongs to.
- ``districts``: every county-level division of Shandong and its best-known development zones, and the
  districts and counties of the four municipalities (national news names 闵行 or 海淀 without its city;
  a district whose name another city's district also bears is left out, so that a post about the other city
  is not placed in the municipality: 河东区 (临沂's stays), 朝阳区 (长春), 和平区 (沈阳), 通州区 (南通),
  普陀区 (舟山), 宝山区 (双鸭山), 江北区 (宁波); and 河北区, which would take 河北区域);
  ``city`` names an entry of ``cities`` or a municipality, and the province follows from it. ``kind`` is
  ``district`` (市辖区), ``county`` (县), ``county_city`` (县级市) or ``zone`` (开发区/新区).
- Name fields, all optional except ``name``: ``aliases`` count wherever they occur; ``weak_aliases``
  are also everyday words (安康, 来宾, 白银) and count only when the same text names a place of the
  same province by a name that is not weak; ``local_aliases`` (高新区, 经开区) count only next to
  their city. A name shared by several entries (市中区 in 济南 and 枣庄) is treated like a local alias.
- ``countries``: foreign countries, each its own province and city (尼日利亚一座楼房倒塌 is placed in 尼日利亚):
  a post about a collapse abroad is then outside the jurisdiction and in another place than a collapse at
  home, so grouping keeps the two apart. Only names that are rarely part of other words are listed (not 海地,
  inside 沿海地区; 朝鲜 and 日本 come with their false friends 朝鲜族, 今日本 …).
- ``false_friends``: strings that contain a place name but are not that place; a match lying inside
  one of them is ignored.

Matching is leftmost-longest, so 济南高新区 beats 济南 and 广东营业厅 never yields 东营. A short name
directly followed by 路, 街, 巷, 大街, 大道 or 东路/西路/... is a street (青岛的山东路), not the place.
Adjacent names that nest (山东省济南市历城区, 山东济南) are one mention of the most specific place.
"""

from __future__ import annotations

import json
import logging
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

DEFAULT_GAZETTEER = Path(__file__).with_name("data") / "gazetteer.json"

# How far (in characters between the two names) a city may be from an ambiguous name that it resolves.
DEFAULT_WINDOW = 40

DISTRICT_KINDS = frozenset({"district", "county", "county_city", "zone"})

_STREET_AFTER = frozenset("路街巷")
_STREET_AFTER_TWO = frozenset({"大街", "大道", "东路", "西路", "南路", "北路", "中路"})
_NOT_STREET = frozenset({"路桥", "路况", "路网", "路政", "路面", "路段", "街头", "街道", "街巷", "街面"})
_CHAIN_GAP = frozenset(" \u3000·•")

_STRONG, _WEAK, _LOCAL = "strong", "weak", "local"


@dataclass(frozen=True)
class Place:
    """A place named in a text: ``district`` implies ``city`` implies ``province``."""

    province: str
    city: str | None
    district: str | None
    mention: str
    abroad: bool = False  # a country of the gazetteer's ``countries``: its own province and city


@dataclass(frozen=True)
class _Unit:
    """One gazetteer entry, with its ancestors filled in."""

    province: str
    city: str | None
    district: str | None
    abroad: bool = False

    @property
    def level(self) -> int:
        return 2 if self.district else 1 if self.city else 0

    def contains(self, other: _Unit) -> bool:
        """True when ``other`` is this unit or lies inside it."""
        if self.province != other.province:
            return False
        if self.city is not None and self.city != other.city:
            return False
        return self.district is None or self.district == other.district


@dataclass(frozen=True)
class _Name:
    unit: _Unit
    strength: str
    full: bool  # the entry's official name, not an alias


@dataclass
class _Hit:
    """A name found in the text; ``unit`` is set once the name is resolved to one place."""

    start: int
    end: int
    names: tuple[_Name, ...]
    unit: _Unit | None = None

    @property
    def strength(self) -> str:
        if len(self.names) > 1:
            return _LOCAL
        return self.names[0].strength


class PlaceFinder:
    """Finds places in Chinese text with the gazetteer; build once and share (it is read-only)."""

    def __init__(self, gazetteer: Path = DEFAULT_GAZETTEER, window: int = DEFAULT_WINDOW) -> None:
        self.gazetteer = gazetteer
        self.window = window
        data = json.loads(gazetteer.read_text(encoding="utf-8"))
        self._index: dict[str, tuple[_Name, ...]] = _build_index(data, gazetteer)
        self._max_len = max(len(name) for name in self._index)
        # Where a name could start: a search for the first characters of names jumps over the text between them,
        # and a name's first two characters rule out most of what it finds before ``_match_at`` tries lengths.
        # (One alternation of all names cost seven times as much: the regex engine tries every name in turn.)
        names = [n for n in self._index if len(n) > 1]
        self._starts = re.compile("[" + "".join(sorted({re.escape(n[0]) for n in names})) + "]")
        self._prefixes = frozenset(n[:2] for n in names)
        self._false_friends = _false_friend_index(data.get("false_friends", []), self._index)
        logger.debug("gazetteer loaded path=%s names=%d", gazetteer, len(self._index))

    def find(self, text: str) -> list[Place]:
        """Every place named in ``text``, in order of first mention, each place once."""
        places: dict[_Unit, Place] = {}
        for unit, mention in self._mentions(text):
            places.setdefault(unit, _place(unit, mention))
        return list(places.values())

    def best(self, text: str) -> Place | None:
        """The place the text is most about: the most mentioned province, then city, then district.

        A mention counts for all of its ancestors (历城区 counts for 济南市 and 山东省), so the answer is
        as specific as the mentions allow; ties go to the place named first. A text that names a place at home
        and one abroad is about the one at home (比美国…, 从新加坡抵杭州的航班).
        """
        mentions = self._mentions(text)
        if not mentions:
            return None
        mentions = [(u, m) for u, m in mentions if not u.abroad] or mentions
        province = _most_common([u.province for u, _ in mentions])
        in_province = [(u, m) for u, m in mentions if u.province == province]
        city = _most_common([u.city for u, _ in in_province if u.city is not None])
        in_city = [(u, m) for u, m in in_province if city is not None and u.city == city]
        district = _most_common([u.district for u, _ in in_city if u.district is not None])
        if province is None:
            return None
        chosen = next(u for u, _ in mentions if (u.province, u.city, u.district) == (province, city, district))
        mention = next(m for u, m in mentions if u == chosen)
        return _place(chosen, mention)

    def is_place_name(self, word: str) -> bool:
        """True when ``word`` is a name in the gazetteer (济南, 兰山区, 山东省), however weak."""
        return word.strip() in self._index

    def province_of(self, name: str) -> str | None:
        """The province of a place name (full name, alias or weak alias); None if unknown or ambiguous."""
        names = [n for n in self._index.get(name.strip(), ()) if n.strength != _LOCAL]
        provinces = {n.unit.province for n in names}
        return provinces.pop() if len(provinces) == 1 else None

    def _mentions(self, text: str) -> list[tuple[_Unit, str]]:
        """Resolved mentions in text order, adjacent nested names merged into one."""
        hits = self._scan(text)
        self._resolve(hits)
        return _chains(text, [h for h in hits if h.unit is not None])

    def _scan(self, text: str) -> list[_Hit]:
        hits: list[_Hit] = []
        i = 0
        while (candidate := self._starts.search(text, i)) is not None:
            start = candidate.start()
            hit = self._match_at(text, start) if text[start : start + 2] in self._prefixes else None
            if hit is None:
                i = start + 1
                continue
            hits.append(hit)
            i = hit.end
        return hits

    def _match_at(self, text: str, start: int) -> _Hit | None:
        """The longest valid name starting at ``start``."""
        for length in range(min(self._max_len, len(text) - start), 1, -1):
            surface = text[start : start + length]
            names = self._index.get(surface)
            if names is None or self._is_false_friend(text, start, surface):
                continue
            end = start + length
            if not any(n.full for n in names) and _is_street(text, end):
                continue
            if surface.endswith("市") and self._city_before_district(text, end - 1, names):
                end -= 1  # 枣庄市中区: the 市 belongs to 市中区
            return _Hit(start, end, names)
        return None

    def _city_before_district(self, text: str, at: int, city_names: tuple[_Name, ...]) -> bool:
        """True when a district whose name starts with 市 (市中区, 市南区) of this city begins at ``at``."""
        cities = {n.unit.city for n in city_names if n.unit.level == 1}
        for length in range(min(self._max_len, len(text) - at), 2, -1):
            for name in self._index.get(text[at : at + length], ()):
                if name.unit.level == 2 and name.unit.city in cities:
                    return True
        return False

    def _is_false_friend(self, text: str, start: int, surface: str) -> bool:
        return any(
            start >= offset and text.startswith(friend, start - offset)
            for friend, offset in self._false_friends.get(surface, ())
        )

    def _resolve(self, hits: list[_Hit]) -> None:
        """Strong names first, then weak names backed by their province, then names needing a city nearby."""
        for hit in hits:
            if hit.strength == _STRONG:
                hit.unit = hit.names[0].unit
        strong_provinces = {h.unit.province for h in hits if h.unit is not None}
        for hit in hits:
            if hit.strength == _WEAK and hit.names[0].unit.province in strong_provinces:
                hit.unit = hit.names[0].unit
        for hit in hits:
            if hit.strength == _LOCAL:
                hit.unit = self._nearby_choice(hit, hits)

    def _nearby_choice(self, hit: _Hit, hits: list[_Hit]) -> _Unit | None:
        """The candidate whose city is named closest to ``hit`` (within the window), if any."""
        by_city = {n.unit.city: n.unit for n in hit.names}
        best: tuple[int, int, _Unit] | None = None
        for other in hits:
            if other is hit or other.unit is None or other.unit.city not in by_city:
                continue
            gap = hit.start - other.end if other.end <= hit.start else other.start - hit.end
            if gap > self.window:
                continue
            rank = (gap, 0 if other.end <= hit.start else 1, by_city[other.unit.city])
            if best is None or rank[:2] < best[:2]:
                best = rank
        return best[2] if best else None


def _build_index(data: dict[str, Any], path: Path) -> dict[str, tuple[_Name, ...]]:
    """Map every name to the places it may denote; a name with several places needs a city nearby."""
    entries: list[tuple[dict[str, Any], _Unit]] = []
    provinces: set[str] = set()
    for row in data["provinces"]:
        city = row["name"] if row.get("municipality") else None
        entries.append((row, _Unit(row["name"], city, None)))
        provinces.add(row["name"])
    city_province = {row["name"]: row["name"] for row in data["provinces"] if row.get("municipality")}
    for row in data.get("countries", []):  # abroad: the country is its province and its city
        entries.append((row, _Unit(row["name"], row["name"], None, abroad=True)))
    for row in data["cities"]:
        if row["province"] not in provinces:
            raise ValueError(f"{path}: city {row['name']} names unknown province {row['province']}")
        city_province[row["name"]] = row["province"]
        entries.append((row, _Unit(row["province"], row["name"], None)))
    for row in data["districts"]:
        if row["city"] not in city_province:
            raise ValueError(f"{path}: district {row['name']} names unknown city {row['city']}")
        if row.get("kind") not in DISTRICT_KINDS:
            raise ValueError(f"{path}: district {row['name']} has kind {row.get('kind')!r}")
        entries.append((row, _Unit(city_province[row["city"]], row["city"], row["name"])))

    index: dict[str, list[_Name]] = {}
    for row, unit in entries:
        for strength, names in (
            (_STRONG, [row["name"], *row.get("aliases", [])]),
            (_WEAK, row.get("weak_aliases", [])),
            (_LOCAL, row.get("local_aliases", [])),
        ):
            for name in names:
                if len(name) < 2:
                    raise ValueError(f"{path}: name {name!r} of {row['name']} is shorter than two characters")
                index.setdefault(name, []).append(_Name(unit, strength, full=name == row["name"]))
    return {name: tuple(found) for name, found in index.items()}


def _false_friend_index(friends: list[str], index: dict[str, tuple[_Name, ...]]) -> dict[str, list[tuple[str, int]]]:
    """For each place name, the false friends containing it and where in them it sits."""
    found: dict[str, list[tuple[str, int]]] = {}
    for friend in friends:
        for length in range(2, len(friend) + 1):
            for offset in range(len(friend) - length + 1):
                name = friend[offset : offset + length]
                if name in index:
                    found.setdefault(name, []).append((friend, offset))
    return found


def _is_street(text: str, end: int) -> bool:
    """True when a short name ending at ``end`` is followed by a street word (青岛的山东路, 上海的南京东路)."""
    after = text[end : end + 2]
    if after in _NOT_STREET:
        return False
    return after in _STREET_AFTER_TWO or after[:1] in _STREET_AFTER


def _chains(text: str, hits: list[_Hit]) -> list[tuple[_Unit, str]]:
    """Merge runs of adjacent hits that nest (山东省 + 济南市 + 历城区) into one mention."""
    mentions: list[tuple[_Unit, str]] = []
    run: list[_Hit] = []
    for hit in hits:
        if run and _continues(text, run[-1], hit):
            run.append(hit)
            continue
        if run:
            mentions.append(_mention(text, run))
        run = [hit]
    if run:
        mentions.append(_mention(text, run))
    return mentions


def _continues(text: str, previous: _Hit, hit: _Hit) -> bool:
    assert previous.unit is not None and hit.unit is not None
    gap = text[previous.end : hit.start]
    return (
        len(gap) <= 1
        and all(ch in _CHAIN_GAP for ch in gap)
        and hit.unit.level > previous.unit.level
        and previous.unit.contains(hit.unit)
    )


def _mention(text: str, run: list[_Hit]) -> tuple[_Unit, str]:
    unit = run[-1].unit
    assert unit is not None
    return unit, text[run[0].start : run[-1].end]


def _most_common(values: list[str]) -> str | None:
    """The most frequent value; ties go to the one seen first (Counter keeps insertion order)."""
    if not values:
        return None
    counts = Counter(values)
    top = max(counts.values())
    return next(v for v in counts if counts[v] == top)


def _place(unit: _Unit, mention: str) -> Place:
    return Place(province=unit.province, city=unit.city, district=unit.district, mention=mention, abroad=unit.abroad)
