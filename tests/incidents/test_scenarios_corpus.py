"""The incident scenario corpus (tests/incidents/scenarios/) is well formed and agrees with its answer key."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from datetime import datetime, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest

from nlp.casualties import extract
from nlp.places import PlaceFinder
from storage.documents import DocumentRecord, parse_lines
from storage.urls import canonicalize_url
from yuqing import config
from yuqing.vocabulary import GRADES, TOPICS

SCENARIOS = Path(__file__).with_name("scenarios")
FIELDS = {"url", "title", "text", "published_at", "source", "kind", "incident"}
OPTIONAL = {"author", "metrics", "noise"}
INCIDENT_FIELDS = {"key", "summary", "topics", "city", "province", "in_jurisdiction", "grade", "reasons_contain", "why"}
NOISE = {"spam", "unrelated", "lone"}
START = datetime.fromisoformat("2026-11-16T00:00:00+08:00")
END = datetime.fromisoformat("2026-11-30T00:00:00+08:00")
PROVINCE = "山东省"
DEFAULTS = config.GradingConfig()


@pytest.fixture(scope="module")
def lines() -> list[dict[str, Any]]:
    raw = (SCENARIOS / "documents.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in raw if line.strip()]


@pytest.fixture(scope="module")
def incidents() -> dict[str, dict[str, Any]]:
    listed = json.loads((SCENARIOS / "incidents.json").read_text(encoding="utf-8"))
    keys = [incident["key"] for incident in listed]
    assert len(keys) == len(set(keys)), "incident keys must be unique"
    return {incident["key"]: incident for incident in listed}


@pytest.fixture(scope="module")
def tiers() -> dict[str, str]:
    loaded = config.load(SCENARIOS / "sources.toml", environ={})
    return {source.name: source.tier for source in loaded.sources}


@pytest.fixture(scope="module")
def members(lines: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for line in lines:
        if line["incident"] is not None:
            grouped[line["incident"]].append(line)
    return grouped


def full_text(line: dict[str, Any]) -> str:
    return f"{line['title']}\n{line['text']}"


def test_every_line_is_a_document_the_ingest_accepts(lines: list[dict[str, Any]]) -> None:
    raw = (SCENARIOS / "documents.jsonl").read_bytes().splitlines(keepends=True)
    parsed = [item for _number, item in parse_lines(raw)]
    assert len(parsed) == len(lines)
    assert all(isinstance(item, DocumentRecord) for item in parsed), [
        i for i in parsed if not isinstance(i, DocumentRecord)
    ]
    for line in lines:
        assert FIELDS <= set(line) <= FIELDS | OPTIONAL, line["url"]
        assert line["kind"] in {"news", "social", "forum", "official"}
        assert line["text"].strip()


def test_urls_are_unique_even_when_canonical(lines: list[dict[str, Any]]) -> None:
    urls = [canonicalize_url(line["url"]) for line in lines]
    assert [url for url, n in Counter(urls).items() if n > 1] == []
    assert all(line["url"].startswith("http://") for line in lines)


def test_published_at_has_an_offset_and_lies_in_the_fortnight(lines: list[dict[str, Any]]) -> None:
    for line in lines:
        published = datetime.fromisoformat(line["published_at"])
        assert published.utcoffset() == timedelta(hours=8), line["url"]
        assert START <= published < END, line["url"]


def test_incident_keys_match_both_ways(
    lines: list[dict[str, Any]], incidents: dict[str, dict[str, Any]], members: dict[str, list[dict[str, Any]]]
) -> None:
    assert set(members) == set(incidents)
    assert len(incidents) >= 20
    for key, incident in incidents.items():
        assert len(members[key]) >= 3, key
        assert incident["documents"] == len(members[key])
        assert incident["first_reported_at"] == min(line["published_at"] for line in members[key])


def test_noise_lines_say_what_they_are(lines: list[dict[str, Any]]) -> None:
    noise = [line for line in lines if line["incident"] is None]
    assert len(noise) >= 60
    assert {line["noise"] for line in noise} == NOISE
    assert all("noise" not in line for line in lines if line["incident"] is not None)


def test_incidents_are_described_in_the_vocabulary(incidents: dict[str, dict[str, Any]]) -> None:
    covered: set[str] = set()
    for key, incident in incidents.items():
        assert set(incident) >= INCIDENT_FIELDS, key
        assert incident["grade"] in GRADES, key
        assert incident["topics"] and set(incident["topics"]) <= set(TOPICS), key
        assert incident["in_jurisdiction"] == (incident["province"] == PROVINCE), key
        assert incident["reasons_contain"], key
        covered |= set(incident["topics"])
    assert covered == set(TOPICS)
    assert any(not incident["in_jurisdiction"] for incident in incidents.values())


def test_every_source_is_configured_with_a_tier(lines: list[dict[str, Any]], tiers: dict[str, str]) -> None:
    used = {line["source"] for line in lines}
    assert used == set(tiers)
    official = {name for name, tier in tiers.items() if tier == "official"}
    assert {line["source"] for line in lines if line["kind"] == "official"} <= official


def test_each_incident_is_placed_in_its_city(
    incidents: dict[str, dict[str, Any]], members: dict[str, list[dict[str, Any]]]
) -> None:
    finder = PlaceFinder()
    for key, incident in incidents.items():
        cities = Counter(place.city for line in members[key] if (place := finder.best(full_text(line))) is not None)
        assert cities.most_common(1)[0][0] == incident["city"], (key, cities)


def test_stated_figures_are_read_from_the_posts(
    incidents: dict[str, dict[str, Any]], members: dict[str, list[dict[str, Any]]]
) -> None:
    for key, incident in incidents.items():
        merged = extract("")
        for line in members[key]:
            merged = merged.merge(extract(full_text(line)))
        for field in ("deaths", "injuries", "serious_injuries"):
            figure = getattr(merged, field)
            assert (figure.value if figure else None) == incident.get(field), (key, field)


def test_the_casualty_update_upgrades_without_moving_the_first_report(
    incidents: dict[str, dict[str, Any]], members: dict[str, list[dict[str, Any]]]
) -> None:
    [upgraded] = [incident for incident in incidents.values() if "grade_history" in incident]
    assert upgraded["grade_history"] == ["large", "major"]
    posts = sorted(members[upgraded["key"]], key=lambda line: line["published_at"])
    deaths = [(line["published_at"], getattr(extract(full_text(line)).deaths, "value", 0)) for line in posts]
    first_large = next(at for at, n in deaths if n >= DEFAULTS.accident.large.deaths)
    first_major = next(at for at, n in deaths if n >= DEFAULTS.accident.major.deaths)
    assert first_large < first_major == upgraded["upgraded_at"]
    assert upgraded["first_reported_at"] == posts[0]["published_at"] < first_large


def test_grades_follow_from_the_default_thresholds(
    incidents: dict[str, dict[str, Any]], members: dict[str, list[dict[str, Any]]], tiers: dict[str, str]
) -> None:
    """The evidence the grader needs is in the posts, and nothing in a 一般 incident raises it."""
    terms = DEFAULTS.opinion.mass_gathering_terms
    for key, incident in incidents.items():
        posts = members[key]
        central = any(tiers[line["source"]] == "central" for line in posts)
        gathering = any(term in full_text(line) for line in posts for term in terms)
        deaths = incident.get("deaths", 0)
        assert _max_sources_in_window(posts, DEFAULTS.opinion.window) < DEFAULTS.opinion.large_sources, key
        if incident["grade"] == "general":
            assert not central and not gathering and deaths < DEFAULTS.accident.large.deaths, key
        elif incident["grade"] == "large":
            assert central or gathering or deaths >= DEFAULTS.accident.large.deaths, key
            assert deaths < DEFAULTS.accident.major.deaths, key
        if any("中央媒体" in reason for reason in incident["reasons_contain"]):
            assert central, key
        if any(term in reason for reason in incident["reasons_contain"] for term in terms):
            assert gathering, key


def test_the_corpus_holds_the_hard_cases(lines: list[dict[str, Any]], incidents: dict[str, dict[str, Any]]) -> None:
    assert any("//@" in line["text"] for line in lines if line["incident"])
    assert any("转发微博" in line["text"] for line in lines if line["incident"])
    assert any(line["text"].startswith("#") for line in lines if line.get("noise") == "spam")
    # Two engineering-quality incidents in one city within one week, which must stay apart.
    quality = sorted(
        (i["city"], datetime.fromisoformat(i["first_reported_at"]))
        for i in incidents.values()
        if "engineering_quality" in i["topics"]
    )
    assert any(a[0] == b[0] and b[1] - a[1] < timedelta(days=7) for a, b in pairwise(quality))


def _max_sources_in_window(posts: list[dict[str, Any]], window: timedelta) -> int:
    times = sorted((datetime.fromisoformat(line["published_at"]), line["source"]) for line in posts)
    return max(len({source for at, source in times if start <= at < start + window}) for start, _ in times)
