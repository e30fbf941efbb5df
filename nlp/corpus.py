"""The team-written training corpus (``nlp/data/corpus/*.jsonl``) and labelled files for evaluation.

Each line: ``{"text", "register", "topics": [...], "sentiment"}``; evaluation files may also carry a
``title``, which is read together with the text, as the tagger reads a post.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from yuqing.vocabulary import SENTIMENTS, TOPICS

logger = logging.getLogger(__name__)

CORPUS_DIR = Path(__file__).with_name("data") / "corpus"


@dataclass(frozen=True)
class Example:
    text: str
    topics: frozenset[str]
    sentiment: str
    register: str = ""


class CorpusError(ValueError):
    """A corpus or evaluation line is malformed; the message names the file and the line."""


def join_title(title: str | None, text: str | None) -> str:
    """The text a post is judged by: its title, then its body."""
    title, text = (title or "").strip(), (text or "").strip()
    if title and text and not text.startswith(title):
        return f"{title}\n{text}"
    return text or title


def read_examples(paths: Iterable[Path]) -> list[Example]:
    examples: list[Example] = []
    for path in sorted(paths):
        with path.open(encoding="utf-8") as fh:
            for number, line in enumerate(fh, start=1):
                if line.strip():
                    examples.append(_parse(line, f"{path.name}:{number}"))
    return examples


def _parse(line: str, where: str) -> Example:
    try:
        data = json.loads(line)
    except json.JSONDecodeError as exc:
        raise CorpusError(f"{where}: 不是有效的 JSON（{exc.msg}）") from None
    text = join_title(data.get("title"), data.get("text"))
    topics = data.get("topics")
    sentiment = data.get("sentiment")
    if not text:
        raise CorpusError(f"{where}: 缺少 text")
    if not isinstance(topics, list) or not set(topics) <= set(TOPICS):
        raise CorpusError(f"{where}: topics 应为议题键的列表（{', '.join(TOPICS)}），实际为 {topics!r}")
    if sentiment not in SENTIMENTS:
        raise CorpusError(f"{where}: sentiment 应为 negative、neutral 或 positive，实际为 {sentiment!r}")
    return Example(text=text, topics=frozenset(topics), sentiment=sentiment, register=data.get("register", ""))


def corpus_files(corpus_dir: Path = CORPUS_DIR) -> list[Path]:
    """Every ``.jsonl`` file under ``corpus_dir`` (one folder per register)."""
    return sorted(corpus_dir.rglob("*.jsonl"))


def corpus_hash(paths: Iterable[Path], extra: str = "") -> str:
    """SHA-256 over the files' names and bytes (and ``extra``), so a model names the exact inputs it saw."""
    digest = hashlib.sha256()
    for path in sorted(paths):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    digest.update(extra.encode())
    return digest.hexdigest()
