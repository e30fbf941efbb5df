"""Grouping (归并): each newly tagged post joins the incident it is about, or starts a candidate.

Step in the flow: ``incidents.detect`` hands the posts to :class:`Placer` oldest first; each post is
placed exactly once (an ``IncidentDocument`` row) and never moved again by the job, so placing is
idempotent and a duty officer's merge or split (``by_hand``) stands.

What a post is compared by (:func:`pending_post`), all from what it *says* (``nlp.surface.body``: hashtags,
the repost chain, mentions and link stubs out; a hashtag names what a post is filed under, and unrelated
trending hashtags must not glue posts together):

- its **named things** (``nlp.names``: 青青家园, 火神山医院, 东四路): the strongest evidence that two posts
  speak of one matter;
- the character bigrams of its title and lead (place names, named things, digits and function characters
  removed), its **key terms** (the tagger's keywords that are neither places nor names nor only in a hashtag);
- its hashtags, as weak evidence: compared with what the incident's posts say, worth little on their own.

How a post is placed:

1. A near-duplicate or repost (``duplicate_of_id``) joins its original's incident: it is that post's spread.
2. Otherwise the incidents it may join are read through indexes: ``incident_keys`` (a topic of the post,
   the same city or none, reach extending to the post, a post within ``window``) and ``incident_marks`` (a
   named thing, a key term or a hashtag several of the incident's posts are filed under). Reach: a
   candidate's last post + ``window``; an incident's last post + ``reopen_within``; a closed one's closing +
   ``reopen_within``; and for the named things of an incident that holds letters (a recurring issue on a
   message board) the last post + ``thread_within``, so a thread that pauses for six weeks resumes where it
   was. An acute incident (a collapse) keeps its short window.
3. Similarity to each incident's profile: 0.6 × the share of the post's bigrams found in the incident's,
   + 0.4 × the share of its key terms among the incident's frequent terms, + 0.1 for the same district,
   + 0.25 when the post names one of the incident's named things within ``window`` of its last post
   (one site, one day), + 0.15 when it does so later (a letter months on must also speak of the same
   matter), + 0.15 × the share of its hashtags'
   bigrams in the incident's (a hashtag alone stays below the threshold). A letter names its estate whatever
   it asks for, so for a letter the named thing counts only with the same matter (a shared matter of
   ``nlp.matters``, or ``LETTER_TEXT_EVIDENCE`` of its text when the two do not each name other matters); a
   letter headed by another named thing than the incident's letters (neither names the other's anywhere) loses
   0.15; a post placed in another city (or country) than the incident's loses 0.3 unless it also names the
   incident's city or is filed under one of its hashtags. The best incident at or above
   ``[incidents] similarity`` gets the post, a promoted incident before a candidate (which it then takes in);
   with none, a post with a topic starts a candidate.
4. A post the tagger gave no topic joins an incident it matches at ``similarity`` + 0.1 (it is found
   through the marks) when it also shares a named thing, a matter or the incident's hashtag, or two key terms
   (one with the same district): a two-word post ("武汉加油") is wholly inside every incident of the day,
   which is no evidence. It starts nothing: the incident's topics come from its posts as a whole. A letter
   with no topic that matched nothing waits (``waiting_letters``, by the named things of its title, for
   ``thread_within``): when a letter with a topic later starts a thread on that thing, the waiting letters on
   the same matter join it, so the thread begins with its first letter.
5. The incident's profile takes in the post (the first posts' bigrams, a capped count of terms, its names).

Candidates are ``Incident`` rows with status ``candidate``: never listed, never graded or alerted,
promoted by ``incidents.assess`` once their evidence crosses the configured thresholds.
"""

from __future__ import annotations

import json
import logging
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from incidents.members import headline
from incidents.summary import post_place
from nlp.matters import find_matters
from nlp.names import find_names, same_thing
from nlp.surface import HASHTAG, body, hashtags
from storage import documents as document_rows
from storage import incidents as incident_rows
from yuqing.config import IncidentsConfig

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from storage.models import Incident

logger = logging.getLogger(__name__)

LEAD_CHARS = 80
LETTER_LEAD_CHARS = 300
SHINGLE_CAP = 400
TERM_CAP = 40
TERMS_COUNTED = 5
TERMS_MARKED = 8
NAME_CAP = 12
MIN_TITLE_SHINGLES = 4
TEXT_WEIGHT, TERM_WEIGHT, DISTRICT_BONUS = 0.6, 0.4, 0.1
NAME_BONUS, NAME_BONUS_RECENT, HASHTAG_WEIGHT = 0.15, 0.25, 0.1
MATTER_BONUS_RECENT, MATTERS_KEPT = 0.2, 3
LETTER_TEXT_EVIDENCE = 0.2
FILED_UNDER = 0.5
TAGS_KEPT, TAGS_MARKED = 5, 3
OTHER_SUBJECT_PENALTY = 0.15
OTHER_CITY_PENALTY = 0.3
UNTOPICAL_MARGIN = 0.1
UNTOPICAL_EVIDENCE = 2
GENERIC_WEIGHT = 0.3
MARKED_CANDIDATES = 30
TOPIC_CANDIDATES = 40
MIN_NAME_PART = 3
PROMOTED = ("open", "active", "quiet", "closed")

COMMON_BIGRAMS = Path(__file__).resolve().parents[1] / "nlp" / "data" / "common_bigrams.json"
_NOT_HAN_OR_LATIN = re.compile(r"[^\u4e00-\u9fffA-Za-z]+")
_FUNCTION_CHARS = frozenset("的了在是和与及等有一这那其于对为被将已月日年时分许午上下今昨前后")
_LOCAL_PLACE = re.compile(r"[\u4e00-\u9fff]{2,4}?(?:街道|街办|镇|乡)")
# key terms that say which, not what: codes (A3, B7: a district as the board writes it), phases and buildings
_NOT_A_MATTER = re.compile(r"^(?:[A-Za-z]+\d*|[一二三四五六七八九十\d]+(?:期|栋|号楼|单元|号))$")


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
    names: tuple[str, ...] = ()
    tag_shingles: frozenset[str] = frozenset()
    kind: str = "news"
    matters: tuple[str, ...] = ()
    subjects: tuple[str, ...] = ()  # the named things of its title: what a letter is about
    tags: tuple[str, ...] = ()  # its hashtags: what it is filed under
    cities: frozenset[str] = frozenset()  # every city (or country) its own words name
    weights: tuple[float, float, float] = (0.0, 0.0, 0.0)  # of shingles, title_shingles, tag_shingles

    @property
    def topical(self) -> bool:
        return bool(self.topics)

    def marks(self) -> set[str]:
        """The marks it is looked up by: its named things (and their parts), its key terms, its hashtags."""
        return names_marks(self.names) | {f"t:{term}" for term in self.terms} | {f"h:{tag}"[:64] for tag in self.tags}


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
            row["kind"],
        )
        for row in document_rows.pending_rows(session, ids)
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
    kind: str = "news",
) -> Pending:
    said_title, said = body(title), body(text)
    # places named only in what the post rides on (a hashtag, a location stamp) say nothing of its matter
    places = [
        p for p in places if isinstance(p, dict) and (not p.get("mention") or p["mention"] in f"{said_title} {said}")
    ]
    place = post_place(places)
    mentions = [p.get("mention") or "" for p in places]
    admin = [n for p in places if isinstance(p, dict) for n in (p.get("city"), p.get("district"), p.get("province"))]
    local = _LOCAL_PLACE.findall(f"{said_title} {said}")  # 梅溪湖街道, 星沙镇: below the gazetteer's reach
    place_words = [w for w in (*mentions, *admin, *local) if w]
    names = tuple(find_names(f"{title}。{text}")[:NAME_CAP])
    masked = [*place_words, *names]
    terms = {t for t in key_terms(keywords, place_words) if t in said or t in said_title}
    terms = {t for t in terms if not any(t in n or n in t for n in names)}
    lead = _lead(said_title, said, LETTER_LEAD_CHARS if kind == "forum" else LEAD_CHARS)
    grams = frozenset(shingles(lead, masked))
    title_grams = frozenset(shingles(headline(said_title, said), masked))
    tags = hashtags(f"{title} {text}")
    tag_grams = frozenset(shingles(" ".join(tags), place_words))
    return Pending(
        document_id=document_id,
        published_at=published_at,
        title=headline(title, text),
        topics=tuple(topics),
        province=place.province,
        city=place.city,
        district=place.district,
        shingles=grams,
        title_shingles=title_grams,
        terms=frozenset(terms),
        duplicate_of_id=duplicate_of_id,
        names=names,
        tag_shingles=tag_grams,
        kind=kind,
        matters=tuple(find_matters(f"{said_title} {said}")),
        subjects=tuple(find_names(said_title)[:NAME_CAP]),
        tags=tuple(dict.fromkeys(t for t in tags if t))[:TAGS_KEPT],
        cities=frozenset(p["city"] for p in places if p.get("city")),
        weights=(weight(grams), weight(title_grams), weight(tag_grams)),
    )


def name_marks(name: str) -> list[str]:
    """The marks of a named thing: itself, and its leading and trailing parts of three characters or more, so
    诺亚山林 finds 鹏基诺亚山林 and 中海国际 finds 中海国际城 (``nlp.names.same_thing`` then decides)."""
    parts = {name}
    parts |= {name[i:] for i in range(1, len(name) - MIN_NAME_PART + 1)}
    parts |= {name[:i] for i in range(MIN_NAME_PART, len(name))}
    return sorted(f"n:{part}"[:64] for part in parts)


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


def _lead(title: str, text: str, chars: int = LEAD_CHARS) -> str:
    """The title and the start of the text (both already without hashtags): what a report leads with. A letter
    reaches its matter after a paragraph of courtesy and says it at length, so more of it is read."""
    text = HASHTAG.sub(" ", text)
    return f"{title} {text[:chars]}" if title.strip() else text[:chars]


def key_terms(keywords: Iterable[str], place_words: Sequence[str]) -> set[str]:
    """The post's keywords that are not place names (济南, 历城 say where, not what) and not words every
    letter uses (业主, 小区, 问题: their bigrams are all common in real text)."""
    short = [w.removesuffix("市").removesuffix("区").removesuffix("县").removesuffix("省") for w in place_words]
    return {
        k
        for k in keywords
        if k
        and not any(k in w or (w and w in k) for w in (*place_words, *short))
        and not generic_term(k)
        and not _NOT_A_MATTER.match(k)
    }


def generic_term(term: str) -> bool:
    """Whether every bigram of ``term`` is common (weight under ``GENERIC_WEIGHT``) in real text."""
    grams = [term[i : i + 2] for i in range(len(term) - 1)]
    weights = bigram_weights()
    return bool(grams) and all(weights.get(gram, 1.0) < GENERIC_WEIGHT for gram in grams)


@dataclass(frozen=True)
class Fingerprint:
    """An incident's profile as sets, ready for comparison."""

    shingles: frozenset[str]
    terms: frozenset[str]
    names: tuple[str, ...] = ()
    matters: tuple[str, ...] = ()
    subjects: tuple[str, ...] = ()
    tags: frozenset[str] = frozenset()

    @classmethod
    def of(cls, profile: dict[str, Any] | None) -> Fingerprint:
        profile = profile or {}
        matters = sorted((profile.get("matters") or {}).items(), key=lambda kv: (-kv[1], kv[0]))[:MATTERS_KEPT]
        return cls(
            frozenset(profile.get("shingles") or ()),
            frozenset(profile.get("terms") or {}),
            tuple(profile.get("names") or ()),
            tuple(matter for matter, _count in matters),
            tuple(profile.get("subjects") or ()),
            frozenset(profile.get("hashtags") or {}),
        )


class FingerprintCache(dict[int, Fingerprint]):
    """Fingerprints by incident id, kept by whoever places posts for several batches (one detect run, or
    the daemon between runs) so a profile is decoded once, not once per post that might join it. Placing
    updates the entries it changes; ``forget`` drops an incident changed elsewhere (merge, split)."""

    def forget(self, *incident_ids: int) -> None:
        for incident_id in incident_ids:
            self.pop(incident_id, None)


@cache
def bigram_weights() -> dict[str, float]:
    """How much each common bigram says (``nlp/data/common_bigrams.json``, built from real text by
    ``tools/grouping/bigram_weights.py``); any other bigram weighs 1."""
    data = json.loads(COMMON_BIGRAMS.read_text(encoding="utf-8"))
    return {gram: float(weight) for gram, weight in data["weights"].items()}


def weight(grams: Iterable[str]) -> float:
    """The summed weight of ``grams``: 业主, 小区, 问题 say little; 塔吊, 烟道, 按揭 say much."""
    weights = bigram_weights()
    return sum(weights.get(gram, 1.0) for gram in grams)


def shared_share(grams: frozenset[str], profile_grams: frozenset[str], total: float | None = None) -> float:
    """The weighted share of ``grams`` (whose weight is ``total``, when known) found in ``profile_grams``."""
    total = weight(grams) if total is None else total
    return weight(grams & profile_grams) / total if total else 0.0


def similarity(
    post: Pending,
    profile: dict[str, Any] | Fingerprint | None,
    district: str | None,
    recent: bool = True,
    city: str | None = None,
) -> float:
    """How much ``post`` looks like the incident with ``profile``, ``district`` and ``city`` (0 to 1.75);
    ``recent``: the incident's last post is within the acute window of ``post`` (a shared name is then nearly
    enough, and so is the same matter in the same city: one site, one day)."""
    print_ = profile if isinstance(profile, Fingerprint) else Fingerprint.of(profile)
    text = shared_share(post.shingles, print_.shingles, post.weights[0])
    if len(post.title_shingles) >= MIN_TITLE_SHINGLES:
        # a short headline is not diluted by the rest of the lead: "东王庄片区补偿款只付一半" vs the first letter
        text = max(text, shared_share(post.title_shingles, print_.shingles, post.weights[1]))
    counted = min(len(post.terms), TERMS_COUNTED)
    terms = min(1.0, len(post.terms & print_.terms) / counted) if counted else 0.0
    bonus = DISTRICT_BONUS if post.district and post.district == district else 0.0
    # 人民医院 is in every city; a post that also names the incident's city is not another city's (青岛消防驰援济南…)
    other_city = post.city is not None and city is not None and post.city != city and city not in post.cities
    if (
        not other_city
        and shares_name(post.names, print_.names)
        and (post.kind != "forum" or letter_on_same_matter(post, print_, text))
    ):
        # a letter names its estate whatever it asks for: the estate counts only with the same matter
        bonus += NAME_BONUS_RECENT if recent else NAME_BONUS
    if post.kind == "forum" and other_subject(post, print_):
        bonus -= OTHER_SUBJECT_PENALTY
    filed = shared_share(post.tag_shingles, print_.shingles, post.weights[2]) if post.tag_shingles else 0.0
    bonus += HASHTAG_WEIGHT * filed
    # a post filed under the incident's hashtag that speaks of its matter, from whatever city: a national matter
    # (房贷延后) whose incident took the city of one of its posts, a collapse reposted across the province
    anywhere = filed >= FILED_UNDER
    if (
        recent
        and (post.city == city or city in post.cities or anywhere)
        and (city is not None or post.kind != "forum")
        and set(post.matters) & set(print_.matters)
    ):
        bonus += MATTER_BONUS_RECENT
    if other_city and not anywhere and not set(post.tags) & print_.tags:
        bonus -= OTHER_CITY_PENALTY  # another city's collapse reads like this one, unless filed under its hashtag
    return TEXT_WEIGHT * text + TERM_WEIGHT * terms + bonus


def letter_on_same_matter(post: Pending, print_: Fingerprint, text: float) -> bool:
    """Whether a letter that names the incident's estate is on the incident's matter: they share a matter, or
    its text is alike (``LETTER_TEXT_EVIDENCE``) and the two do not each have matters none of which is shared (a
    letter on an estate's fit-out is not one on its cracked floors, however alike letters to one estate read)."""
    if set(post.matters) & set(print_.matters):
        return True
    return text >= LETTER_TEXT_EVIDENCE and not (post.matters and print_.matters)


def corroborated(post: Pending, print_: Fingerprint, district: str | None) -> bool:
    """Whether a post the tagger gave no topic has evidence of the incident's matter beyond looking alike: a
    named thing, a matter, the incident's hashtag, or two key terms (the same district counts as one). A short
    post is wholly inside a large incident's bigrams whatever it says ("加油", "盛大奠基")."""
    if shares_name(post.names, print_.names) or set(post.matters) & set(print_.matters):
        return True
    if post.tag_shingles and shared_share(post.tag_shingles, print_.shingles, post.weights[2]) >= FILED_UNDER:
        return True
    place = 1 if post.district and post.district == district else 0
    return len(post.terms & print_.terms) + place >= UNTOPICAL_EVIDENCE


def names_marks(names: Iterable[str]) -> set[str]:
    """The marks of ``names`` with their parts: how an incident, or a waiting letter, is found by a name."""
    return {mark for name in names for mark in name_marks(name)}


def shares_name(names: Iterable[str], others: Iterable[str]) -> bool:
    """Whether any of ``names`` names one thing with any of ``others`` (``nlp.names.same_thing``)."""
    others = tuple(others)
    return any(same_thing(a, b) for a in names for b in others)


def other_subject(post: Pending, print_: Fingerprint) -> bool:
    """Whether ``post`` is about another named thing than the incident: its title names one, the incident's
    letters' titles name others, and neither side names the other's anywhere (青山新村 and 青青家园 stay one:
    the letter headed 青山新村 names 青青家园 in its text). Two letters headed by two estates are two matters
    however alike their complaints read (三期北门 of one estate is not 三期北门 of another)."""
    if not post.subjects or not print_.subjects:
        return False
    return not shares_name(post.subjects, print_.names) and not shares_name(print_.subjects, post.names)


def new_profile(posts: Iterable[Pending]) -> dict[str, Any]:
    profile: dict[str, Any] = {"shingles": [], "terms": {}, "topics": [], "names": [], "letters": 0, "matters": {}}
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
    names = list(profile.get("names") or ())
    names += [n for n in post.names if n not in names][: max(0, NAME_CAP - len(names))]
    letters = int(profile.get("letters") or 0) + (post.kind == "forum")
    matters = Counter(profile.get("matters") or {})
    matters.update(post.matters)
    subjects = list(profile.get("subjects") or ())
    subjects += [n for n in post.subjects if n not in subjects][: max(0, NAME_CAP - len(subjects))]
    tags = Counter(profile.get("hashtags") or {})
    tags.update(post.tags)
    return {
        **profile,
        "shingles": grams,
        "terms": kept,
        "topics": topics,
        "names": names,
        "letters": letters,
        "matters": dict(matters),
        "subjects": subjects,
        "hashtags": dict(sorted(tags.items(), key=lambda kv: (-kv[1], kv[0]))[:TERM_CAP]),
    }


def merge_profiles(first: dict[str, Any], second: dict[str, Any]) -> dict[str, Any]:
    grams = list(first.get("shingles") or ())
    seen = set(grams)
    grams += [g for g in second.get("shingles") or () if g not in seen]
    terms = Counter(first.get("terms") or {})
    terms.update(second.get("terms") or {})
    topics = list(first.get("topics") or ())
    topics += [t for t in second.get("topics") or () if t not in topics]
    kept = dict(sorted(terms.items(), key=lambda kv: (-kv[1], kv[0]))[:TERM_CAP])
    names = list(first.get("names") or ())
    names += [n for n in second.get("names") or () if n not in names]
    letters = int(first.get("letters") or 0) + int(second.get("letters") or 0)
    matters = Counter(first.get("matters") or {})
    matters.update(second.get("matters") or {})
    subjects = list(first.get("subjects") or ())
    subjects += [n for n in second.get("subjects") or () if n not in subjects]
    tags = Counter(first.get("hashtags") or {})
    tags.update(second.get("hashtags") or {})
    return {
        **first,
        "matters": dict(matters),
        "hashtags": dict(sorted(tags.items(), key=lambda kv: (-kv[1], kv[0]))[:TERM_CAP]),
        "subjects": subjects[:NAME_CAP],
        "shingles": grams[:SHINGLE_CAP],
        "terms": kept,
        "topics": topics,
        "names": names[:NAME_CAP],
        "letters": letters,
    }


def reach_of(incident: Incident, settings: IncidentsConfig) -> datetime:
    """Until when ``incident`` attracts new posts."""
    last = incident.last_seen_at or incident.first_reported_at
    if incident.status == "closed" and incident.closed_at is not None:
        return max(incident.closed_at, last) + settings.reopen_within
    if incident.status in PROMOTED or int((incident.profile or {}).get("letters") or 0) > 0:
        return last + settings.reopen_within  # letters to a board come days apart, not hours
    return last + settings.window


def names_reach_of(incident: Incident, settings: IncidentsConfig) -> datetime:
    """Until when ``incident``'s named things attract posts: a recurring issue (it holds letters) for
    ``thread_within`` after its last post, any other incident as long as its topics do."""
    if int((incident.profile or {}).get("letters") or 0) > 0:
        last = incident.last_seen_at or incident.first_reported_at
        return max(last + settings.thread_within, reach_of(incident, settings))
    return reach_of(incident, settings)


def profile_marks(profile: dict[str, Any] | None) -> list[str]:
    """The marks an incident is found by: its named things (with their parts), its most frequent terms, and the
    hashtags several of its posts are filed under (a national matter's posts come from every city)."""
    profile = profile or {}
    marks = names_marks(profile.get("names") or ())
    terms = sorted((profile.get("terms") or {}).items(), key=lambda kv: (-kv[1], kv[0]))[:TERMS_MARKED]
    marks |= {f"t:{term}"[:64] for term, _count in terms}
    tags = sorted((profile.get("hashtags") or {}).items(), key=lambda kv: (-kv[1], kv[0]))[:TAGS_MARKED]
    marks |= {f"h:{tag}"[:64] for tag, count in tags if count >= 2}
    return sorted(marks)


def write_keys(
    session: Session, incident: Incident, settings: IncidentsConfig, new_topics: Sequence[str], *, existing: bool = True
) -> None:
    """Insert keys for ``new_topics`` and marks for the profile's new names and terms; with ``existing``, bring
    the incident's other keys and marks to its reach and city."""
    reach = reach_of(incident, settings)
    incident_rows.write_keys(session, incident.id, incident.city, reach, new_topics, existing=existing)
    profile = incident.profile or {}
    written = set(profile.get("marks") or ())
    marks = profile_marks(profile)
    new_marks = [m for m in marks if m not in written]
    if new_marks:
        incident.profile = {**profile, "marks": sorted(written | set(new_marks))}
    reaches = {"n:": names_reach_of(incident, settings), "t:": reach, "h:": reach}
    incident_rows.write_marks(session, incident.id, incident.city, reaches, new_marks, existing=existing)


# id, district, status, last seen, city, first report
Reached = tuple[int, str | None, str, datetime | None, str | None, datetime]


class ReachIndex:
    """What grouping may reach, in memory for one batch of posts: the topic keys and marks reaching the batch's
    first post or later (``storage.incidents.index_rows``: a few rows per live incident, however long the
    history), updated as posts are placed, so placing a post reads no table; :meth:`Placer.finish` writes the
    changed keys and marks back in one go."""

    def __init__(self) -> None:
        self.topics: dict[str, dict[int, datetime]] = {}
        self.marks: dict[str, dict[int, datetime]] = {}
        self.info: dict[int, list[Any]] = {}

    @classmethod
    def load(cls, session: Session, since: datetime) -> ReachIndex:
        index = cls()
        keys, marks, info = incident_rows.index_rows(session, since)
        for incident_id, topic, reach in keys:
            index.topics.setdefault(topic, {})[incident_id] = reach
        for incident_id, mark, reach in marks:
            index.marks.setdefault(mark, {})[incident_id] = reach
        for row in info:
            index.info[row[0]] = list(row[1:])
        return index

    def put(self, incident: Incident, settings: IncidentsConfig) -> None:
        """Bring the incident's entries to its profile, reach, place and status."""
        reach, names_reach = reach_of(incident, settings), names_reach_of(incident, settings)
        profile = incident.profile or {}
        for topic in profile.get("topics") or ():
            self.topics.setdefault(topic, {})[incident.id] = reach
        for mark in profile_marks(profile):
            self.marks.setdefault(mark, {})[incident.id] = names_reach if mark.startswith("n:") else reach
        self.info[incident.id] = [
            incident.district,
            incident.status,
            incident.last_seen_at,
            incident.city,
            incident.first_reported_at,
        ]

    def drop(self, incident_id: int) -> None:
        self.info.pop(incident_id, None)

    def reachable(self, post: Pending, window: timedelta, back: timedelta | None = None) -> list[Reached]:
        """The incidents within reach of ``post`` that share a topic with it and had a post within ``window``
        in its city (any city when the post names none: the 40 most recently active), or share a named thing
        or a key term with it (a term only in the post's city, or with no city on either side): an older
        incident is found by what it is about, not by its topic alone. None that began more than ``back``
        (default ``window``) after the post: an old post found late (a year-old Weibo post quoted today) is
        not the start of an incident that began long after it."""
        at = post.published_at
        latest_start = at + (window if back is None else back)
        found: dict[int, Reached] = {}
        if post.topics:
            recent: dict[int, Reached] = {}
            for topic in post.topics:
                for incident_id, reach in self.topics.get(topic, {}).items():
                    info = self.info.get(incident_id)
                    if (
                        info is not None
                        and info[4] <= latest_start
                        and reach >= at
                        and (post.city is None or info[3] in (None, post.city))
                        and info[2] is not None
                        and info[2] >= at - window
                    ):
                        recent[incident_id] = (incident_id, *info)
            # the most recently active, when a busy city has more than a post can be compared with
            for row in sorted(recent.values(), key=lambda r: (r[3], r[0]), reverse=True)[:TOPIC_CANDIDATES]:
                found[row[0]] = row
        shared: Counter[int] = Counter()
        for mark in post.marks():
            for incident_id, reach in self.marks.get(mark, {}).items():
                info = self.info.get(incident_id)
                if info is None or reach < at or incident_id in found or info[4] > latest_start:
                    continue
                if mark.startswith("t:") and post.city is not None and info[3] not in (None, post.city):
                    continue
                shared[incident_id] += 2 if mark.startswith("n:") else 1
        # the incidents sharing most marks: a term as common as 事故 must not make every accident a candidate
        for incident_id, _count in shared.most_common(MARKED_CANDIDATES):
            found[incident_id] = (incident_id, *self.info[incident_id])
        return list(found.values())


class Placer:
    """Places posts for one batch; ``touched`` collects the incidents that changed. Call :meth:`finish` once
    the batch is placed: it writes the keys and marks of the incidents that changed."""

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
        self.index: ReachIndex | None = None
        self._new_topics: dict[int, set[str]] = {}
        self._created: set[int] = set()
        self._changed_incidents: dict[int, Incident] = {}  # held, so the session does not let them go

    def place(self, post: Pending) -> Incident | None:
        """The incident ``post`` joined or started; None for a post with no topic that matched nothing."""
        if self.index is None:
            self.index = ReachIndex.load(self.session, post.published_at)
        incident = self._original_incident(post) or self._best_match(post)
        if incident is None:
            if not post.topical:
                if post.kind == "forum" and post.subjects:
                    incident_rows.add_waiting(
                        self.session, post.document_id, names_marks(post.subjects), post.published_at
                    )
                return None
            incident = self._start(post)
            self.created += 1
            if post.kind == "forum" and post.names:
                self._adopt(incident, post)
        else:
            self._join(incident, post)
            self.joined += 1
        self.touched.add(incident.id)
        self.index.put(incident, self.settings)
        return incident

    def finish(self) -> None:
        """Write the keys and marks of every incident placing changed: new rows inserted, the reach and city of
        the others brought up to date in one statement per table (not one per post or per incident)."""
        keys: list[dict[str, Any]] = []
        marks: list[dict[str, Any]] = []
        reaches: list[dict[str, Any]] = []
        for incident_id, new_topics in sorted(self._new_topics.items()):
            incident = self._changed_incidents.get(incident_id) or incident_rows.get(self.session, incident_id)
            if incident is None or incident.status == "merged":
                continue
            reach, names_reach = reach_of(incident, self.settings), names_reach_of(incident, self.settings)
            created = incident_id in self._created
            topics = (incident.profile or {}).get("topics") or [] if created else sorted(new_topics)
            keys += [
                {"incident_id": incident.id, "topic": t, "city": incident.city, "reach_until": reach} for t in topics
            ]
            profile = incident.profile or {}
            written = set(profile.get("marks") or ())
            new_marks = [m for m in profile_marks(profile) if m not in written]
            if new_marks:
                incident.profile = {**profile, "marks": sorted(written | set(new_marks))}
            marks += [
                {
                    "incident_id": incident.id,
                    "mark": m,
                    "city": incident.city,
                    "reach_until": names_reach if m.startswith("n:") else reach,
                }
                for m in new_marks
            ]
            if not created:
                reaches.append({"id": incident.id, "city": incident.city, "reach": reach, "names_reach": names_reach})
        incident_rows.write_reaches(self.session, keys, marks, reaches)
        self._new_topics.clear()
        self._created.clear()
        self._changed_incidents.clear()

    def _adopt(self, incident: Incident, post: Pending) -> None:
        """The earlier letters on the thing ``post`` (a letter that starts a thread) is about that the tagger gave
        no topic and no incident took (``storage.incidents.waiting``, within ``thread_within``): those on the same
        matter join the thread, oldest first, as they would have joined had it existed, so the thread starts
        with its first letter (a run of letters against a hospital at an estate's gate that the tagger missed
        until a later letter named the estate's housing)."""
        incident_rows.flush(self.session)  # letters set waiting earlier in this batch
        since = post.published_at - self.settings.thread_within
        # by every name of the letter: its text may name what its title does not
        ids = incident_rows.waiting(self.session, names_marks(post.names), since, post.published_at)
        adopted: list[int] = []
        threshold = self.settings.similarity + UNTOPICAL_MARGIN
        left = load_pending(self.session, [i for i in ids if i != post.document_id])
        while left:  # a letter taken in may show that another one is on the same matter
            taken = [
                letter
                for letter in left
                if similarity(
                    letter,
                    self.cache[incident.id],
                    incident.district,
                    self._recent(letter, incident.last_seen_at),
                    incident.city,
                )
                >= threshold
            ]
            for letter in taken:
                self._join(incident, letter)
                incident.first_reported_at = min(incident.first_reported_at, letter.published_at)
                adopted.append(letter.document_id)
            left = [letter for letter in left if letter not in taken]
            if not taken:
                break
        if adopted:
            incident_rows.stop_waiting(self.session, adopted)
            logger.debug("incident=%s adopted %d earlier letters", incident.id, len(adopted))

    def _changed(self, incident: Incident, new_topics: Iterable[str] = ()) -> None:
        self._new_topics.setdefault(incident.id, set()).update(new_topics)
        self._changed_incidents[incident.id] = incident

    def _original_incident(self, post: Pending) -> Incident | None:
        if post.duplicate_of_id is None:
            return None
        incident_rows.flush(self.session)  # the original may have been placed in this batch
        incident = incident_rows.incident_of_document(self.session, post.duplicate_of_id)
        return incident if incident is not None and incident.status != "merged" else None

    def _best_match(self, post: Pending) -> Incident | None:
        assert self.index is not None
        back = self.settings.thread_within if post.kind == "forum" else self.settings.window
        rows = {row[0]: row for row in self.index.reachable(post, self.settings.window, back)}
        self._fill([incident_id for incident_id in rows if incident_id not in self.cache])
        threshold = self.settings.similarity + (0.0 if post.topical else UNTOPICAL_MARGIN)
        scored = [
            (similarity(post, self.cache[row[0]], row[1], self._recent(post, row[3]), row[4]), row)
            for row in rows.values()
            if row[0] in self.cache
        ]
        scored = [
            (s, row)
            for s, row in scored
            if s >= threshold and (post.topical or corroborated(post, self.cache[row[0]], row[1]))
        ]
        if not scored:
            return None
        # An incident that names what the post names comes first: the strongest evidence of one matter. Then a post
        # like a promoted incident and a candidate shows the candidate is that incident's matter split off (its
        # first post did not look alike): the promoted one takes the post and the candidate, unless the two name
        # different things (two estates' letters that read alike are two matters).
        ranked = sorted(
            scored,
            key=lambda sr: (
                shares_name(post.names, self.cache[sr[1][0]].names),
                sr[1][2] != "candidate",
                sr[0],
                sr[1][3] or self.now,
                -sr[1][0],
            ),
            reverse=True,
        )
        incident = incident_rows.get(self.session, ranked[0][1][0])
        if incident is None:
            return None
        for _score, row in ranked[1:]:
            names, other = self.cache[incident.id].names, self.cache[row[0]].names  # names grow with each absorbed
            if row[2] == "candidate" and (not names or not other or shares_name(names, other)):
                self._absorb(incident, row[0])
        return incident

    def _absorb(self, incident: Incident, candidate_id: int) -> None:
        """A post like both ``incident`` and the candidate shows they are one matter, split because their first
        posts did not look alike: the candidate's posts join ``incident`` (not pinned) and the candidate is
        retired as merged. Promoted incidents are never absorbed (their alerts went out under their number), nor
        a candidate that began more than ``window`` apart from the incident (letters of one thread aside)."""
        candidate = incident_rows.get(self.session, candidate_id)
        if candidate is None or candidate.status != "candidate" or candidate.id == incident.id:
            return
        if abs(candidate.first_reported_at - incident.first_reported_at) > self.settings.window and not (
            (candidate.profile or {}).get("letters") and (incident.profile or {}).get("letters")
        ):
            return  # an old post quoted today, or a matter that began long apart: not one acute incident
        known = set((incident.profile or {}).get("topics") or ())
        incident_rows.absorb_members(self.session, candidate.id, incident.id)
        incident.profile = merge_profiles(incident.profile or {}, candidate.profile or {})
        incident.first_reported_at = min(incident.first_reported_at, candidate.first_reported_at)
        if candidate.last_seen_at and (incident.last_seen_at is None or candidate.last_seen_at > incident.last_seen_at):
            incident.last_seen_at = candidate.last_seen_at
        incident_rows.delete_keys(self.session, candidate.id)
        candidate.status, candidate.status_since, candidate.updated_at = "merged", self.now, self.now
        candidate.profile = {**(candidate.profile or {}), "merged_into": incident.id}
        self.cache.forget(candidate.id)
        self.cache[incident.id] = Fingerprint.of(incident.profile)
        self.touched.discard(candidate.id)
        self.touched.add(incident.id)
        self._new_topics.pop(candidate.id, None)
        self._created.discard(candidate.id)
        if self.index is not None:
            self.index.drop(candidate.id)
        self._changed(incident, [t for t in (incident.profile or {}).get("topics") or () if t not in known])
        logger.debug("absorbed candidate=%s into=%s", candidate.id, incident.id)

    def _recent(self, post: Pending, last_seen: datetime | None) -> bool:
        return last_seen is not None and abs(post.published_at - last_seen) <= self.settings.window

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
        self._created.add(incident.id)
        self._changed(incident, post.topics)
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
        if incident.last_seen_at is None or post.published_at > incident.last_seen_at:
            incident.last_seen_at = post.published_at
        if incident.city is None and post.city is not None:
            incident.province, incident.city, incident.district = post.province, post.city, post.district
        self._member(incident, post)
        self._changed(incident, [t for t in post.topics if t not in known])

    def _member(self, incident: Incident, post: Pending) -> None:
        incident_rows.add_member(self.session, incident.id, post.document_id, self.now)
