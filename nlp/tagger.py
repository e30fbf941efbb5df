"""The tagger: one post in, its topics, sentiment, places, casualties, occurrence time and keywords out.

Built once (``Tagger.load``) by the composition root and passed to whoever tags: the crawl
pipeline, ``yuqing tag``, ``yuqing classify``. It owns its segmenter and models; nothing global.

Its work per post is bounded: it reads the first :data:`MAX_TAG_CHARS` characters of the title and text joined,
for the topics and sentiment, the places, the casualties, the occurrence time and the keywords alike. What a post
says about its event is said at its start; a longer post (a whole report, a pasted thread) costs no more.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from nlp.casualties import extract as extract_casualties
from nlp.corpus import join_title
from nlp.features import prepare
from nlp.model import MODEL_DIR, TOPIC_KEYS, Models, load
from nlp.occurrence import occurred_at
from nlp.places import PlaceFinder
from nlp.segment import Segmenter

logger = logging.getLogger(__name__)

MIN_CHINESE_CHARS = 4
MAX_TAG_CHARS = 20_000
_ENOUGH_HAN = re.compile(rf"(?:[\u4e00-\u9fff][^\u4e00-\u9fff]*){{{MIN_CHINESE_CHARS}}}")


@dataclass(frozen=True)
class Post:
    text: str
    title: str = ""
    published_at: datetime | None = None


@dataclass(frozen=True)
class Tags:
    topics: list[str]
    scores: dict[str, float]
    sentiment: str
    places: list[dict[str, Any]]
    casualties: dict[str, Any]
    occurred_at: datetime | None = None
    occurred_phrase: str | None = None
    keywords: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """The ``yuqing classify`` output object (design.md contract)."""
        data: dict[str, Any] = {
            "topics": self.topics,
            "scores": self.scores,
            "sentiment": self.sentiment,
            "places": self.places,
            "casualties": self.casualties,
        }
        if self.occurred_at is not None:
            data["occurred_at"] = {"at": self.occurred_at.isoformat(), "phrase": self.occurred_phrase}
        if self.keywords:
            data["keywords"] = self.keywords
        return data


class Tagger:
    def __init__(self, segmenter: Segmenter, models: Models, places: PlaceFinder) -> None:
        self.segmenter = segmenter
        self.models = models
        self.places = places

    @classmethod
    def load(cls, model_dir: Path = MODEL_DIR, cache_dir: Path | None = None) -> Tagger:
        return cls(Segmenter(cache_dir=cache_dir), load(model_dir), PlaceFinder())

    @property
    def version(self) -> str:
        return str(self.models.metadata["version"])

    def tag(self, post: Post, keywords: bool = False) -> Tags:
        return self.tag_many([post], keywords=keywords)[0]

    def tag_many(self, posts: Sequence[Post], keywords: bool = False) -> list[Tags]:
        if not posts:
            return []
        texts = [join_title(p.title[:MAX_TAG_CHARS], p.text[:MAX_TAG_CHARS])[:MAX_TAG_CHARS] for p in posts]
        scores, sentiments = self.models.score([prepare(self.segmenter, t) for t in texts])
        chosen = [t if _enough_chinese(text) else [] for t, text in zip(self.models.decide(scores), texts, strict=True)]
        results = []
        for post, text, row, topics, sentiment in zip(posts, texts, scores, chosen, sentiments, strict=True):
            occurred = occurred_at(text, post.published_at) if post.published_at else None
            results.append(
                Tags(
                    topics=topics,
                    scores={t: round(float(s), 4) for t, s in zip(TOPIC_KEYS, row, strict=True)},
                    sentiment=sentiment,
                    places=[_place_json(p) for p in self.places.find(text)],
                    casualties=extract_casualties(text).to_dict(),
                    occurred_at=occurred[0] if occurred else None,
                    occurred_phrase=occurred[1] if occurred else None,
                    keywords=self.segmenter.keywords(text) if keywords else [],
                )
            )
        return results


def _enough_chinese(text: str) -> bool:
    """A post needs some Chinese words to be about anything: a bare number or link gets no topic."""
    return _ENOUGH_HAN.search(text) is not None  # stops at the fourth, not at the end of a long post


def _place_json(place: Any) -> dict[str, Any]:
    found = {"province": place.province, "city": place.city, "district": place.district, "mention": place.mention}
    return {**found, "abroad": True} if place.abroad else found
