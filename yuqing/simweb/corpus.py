"""The corpus of the simulated web: hand-written items in ``simweb/data/*.jsonl``, loaded into frozen dataclasses.

One JSON object per line, one file per channel. ``offset`` is written ``"4d19h20m"`` (days, hours, minutes,
seconds; any part may be left out) and is the time after the scenario start at which the item is published.
The texts mention dates, so they read right with :data:`DEFAULT_START` (Monday 2026-11-23 08:00 北京时间);
any other start shifts every item by the same amount.

``expected`` is the answer key for our own tests and benchmarks (topics of labels.md, and the storyline the
item belongs to); the server never shows it.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from yuqing.instants import BEIJING
from yuqing.vocabulary import TOPICS

logger = logging.getLogger(__name__)

DEFAULT_START = datetime(2026, 11, 23, 8, 0, tzinfo=BEIJING)
DATA_DIR = Path(__file__).resolve().with_name("data")
SCENARIO_LENGTH = timedelta(days=7)

KIND_BY_CHANNEL: dict[str, str] = {
    "news": "news",
    "city": "news",
    "weibo": "social",
    "board": "forum",
    "official": "official",
}
STORIES = ("crane", "expropriation")
CHARSETS = ("utf-8", "gbk", "gb18030-mislabeled", "none")

_OFFSET = re.compile(r"^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")


@dataclass(frozen=True)
class Expected:
    """The answer key of one item: its topics (keys of vocabulary.TOPICS) and its storyline, if any."""

    topics: tuple[str, ...] = ()
    story: str | None = None


@dataclass(frozen=True)
class Item:
    """One published piece of the simulated web: an article, a post, a letter or a release."""

    id: str
    channel: str
    title: str
    text: str
    author: str
    offset: timedelta
    kind: str
    metrics: Mapping[str, int] = field(default_factory=dict)
    extra: Mapping[str, Any] = field(default_factory=dict)
    expected: Expected = field(default_factory=Expected)

    def published(self, start: datetime) -> datetime:
        """The instant the item appears in a scenario that starts at ``start``, in 北京时间."""
        return (start + self.offset).astimezone(BEIJING)

    def paragraphs(self) -> list[str]:
        """The body text split into its non-empty paragraphs."""
        return [line.strip() for line in self.text.split("\n") if line.strip()]


def parse_offset(text: str) -> timedelta:
    """``"4d19h20m"`` → ``timedelta(days=4, hours=19, minutes=20)``."""
    match = _OFFSET.match(text.strip())
    if not text.strip() or match is None:
        raise ValueError(f"offset {text!r} is not of the form 4d19h20m")
    days, hours, minutes, seconds = (int(part or 0) for part in match.groups())
    return timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)


def load_items(directory: Path = DATA_DIR) -> tuple[Item, ...]:
    """Every item of every ``*.jsonl`` file in ``directory``, checked, ordered by offset then id."""
    items: list[Item] = []
    for path in sorted(directory.glob("*.jsonl")):
        items.extend(_read_file(path))
    _check_references(items)
    items.sort(key=lambda item: (item.offset, item.id))
    logger.debug("loaded corpus directory=%s items=%d", directory, len(items))
    return tuple(items)


def by_id(items: Iterable[Item]) -> dict[str, Item]:
    """Items keyed by id."""
    return {item.id: item for item in items}


def _read_file(path: Path) -> list[Item]:
    items = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            items.append(item_from_json(json.loads(line)))
        except (ValueError, KeyError, TypeError) as error:
            raise ValueError(f"{path.name}:{number}: {error}") from error
    return items


def item_from_json(record: Mapping[str, Any]) -> Item:
    """Build and check one item from its JSON object."""
    channel = record["channel"]
    if channel not in KIND_BY_CHANNEL:
        raise ValueError(f"unknown channel {channel!r}")
    offset = parse_offset(record["offset"])
    if not timedelta(0) <= offset <= SCENARIO_LENGTH:
        raise ValueError(f"offset {record['offset']!r} is outside the scenario week")
    expected = record.get("expected") or {}
    topics = tuple(expected.get("topics", ()))
    unknown = [topic for topic in topics if topic not in TOPICS]
    if unknown:
        raise ValueError(f"unknown topics {unknown}")
    story = expected.get("story")
    if story is not None and story not in STORIES:
        raise ValueError(f"unknown story {story!r}")
    extra = dict(record.get("extra") or {})
    if extra.get("charset", "utf-8") not in CHARSETS:
        raise ValueError(f"unknown charset {extra['charset']!r}")
    return Item(
        id=str(record["id"]),
        channel=channel,
        title=str(record.get("title", "")),
        text=str(record["text"]),
        author=str(record.get("author", "")),
        offset=offset,
        kind=str(record.get("kind", KIND_BY_CHANNEL[channel])),
        metrics={key: int(value) for key, value in (record.get("metrics") or {}).items()},
        extra=extra,
        expected=Expected(topics=topics, story=story),
    )


def _check_references(items: list[Item]) -> None:
    """Ids are unique, reposts point at an earlier post, replies come after their letter."""
    index: dict[str, Item] = {}
    for item in items:
        if item.id in index:
            raise ValueError(f"duplicate item id {item.id!r}")
        index[item.id] = item
    for item in items:
        original_id = item.extra.get("retweet_of")
        if original_id is not None:
            original = index.get(original_id)
            if original is None or original.channel != "weibo" or original.offset > item.offset:
                raise ValueError(f"{item.id}: retweet_of {original_id!r} is not an earlier Weibo post")
        reply = item.extra.get("reply")
        if reply is not None and parse_offset(reply["offset"]) < item.offset:
            raise ValueError(f"{item.id}: the reply comes before the letter")
