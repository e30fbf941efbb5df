"""Annotations of real text: records that point to their source, and the texts they point to.

The repository keeps no real text: an annotation record names the file and the ``id`` of the item in
``../shared/data/real/`` (or of a stored document, for an officer's correction), with its labels under
``../shared/docs/labels.md`` and its provenance (batch, annotator, guide revision). Training resolves the
records to texts when the real files are present (:func:`resolve`) and says so when they are not.

Layout (``nlp/data/annotations/``): ``real/<batch>.jsonl`` the final labels, one file per batch;
``double/first.jsonl``, ``double/second.jsonl`` and ``double/adjudicated.jsonl`` the double annotation and
its third look; ``manifest.json`` every batch (what, why, how many, when, by whom).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nlp.corpus import CorpusError, Example, join_title
from yuqing.vocabulary import SENTIMENTS, TOPICS

logger = logging.getLogger(__name__)

ANNOTATIONS_DIR = Path(__file__).with_name("data") / "annotations"
# Where the real texts are when the repository sits beside ``shared/`` (a developer's or CI's checkout).
DEFAULT_REAL_DIR = Path(__file__).resolve().parents[2] / "shared" / "data" / "real"
REAL_FILES = {"weibo-2020.jsonl": "weibo", "messages-2020.jsonl": "message", "headlines.jsonl": "headline"}
CORRECTION_FILE = "documents"  # the ``file`` of a record exported from an officer's correction
GUIDE = "labels.md@f0d07431b23a"  # the revision of ../shared/docs/labels.md the annotations follow
_GUIDE = re.compile(r"^labels\.md@[0-9a-f]{12}$")
_REQUIRED = ("file", "id", "topics", "sentiment", "batch", "annotator", "guide")


@dataclass(frozen=True)
class Annotation:
    """One labelled item, by reference: ``file`` and ``id`` say where its text is."""

    file: str
    id: str
    topics: frozenset[str]
    sentiment: str
    batch: str
    annotator: str
    guide: str
    register: str = ""
    note: str = ""

    @property
    def key(self) -> tuple[str, str]:
        return (self.file, self.id)


def parse_record(data: Any, where: str) -> Annotation:
    """A record checked against the guide: source, id, labels, provenance; :class:`CorpusError` naming the problem."""
    if not isinstance(data, dict):
        raise CorpusError(f"{where}: 应为 JSON 对象")
    missing = [name for name in _REQUIRED if name not in data]
    if missing:
        raise CorpusError(f"{where}: 缺少字段 {', '.join(missing)}")
    file, id_ = data["file"], data["id"]
    if file not in REAL_FILES and file != CORRECTION_FILE:
        raise CorpusError(f"{where}: file 应为 {', '.join(REAL_FILES)} 或 {CORRECTION_FILE}，实际为 {file!r}")
    if not isinstance(id_, str) or not id_.strip():
        raise CorpusError(f"{where}: id 应为非空字符串")
    topics = data["topics"]
    if not isinstance(topics, list) or not set(topics) <= set(TOPICS) or len(set(topics)) != len(topics):
        raise CorpusError(f"{where}: topics 应为不重复的议题键列表（{', '.join(TOPICS)}），实际为 {topics!r}")
    if data["sentiment"] not in SENTIMENTS:
        raise CorpusError(f"{where}: sentiment 应为 negative、neutral 或 positive，实际为 {data['sentiment']!r}")
    for name in ("batch", "annotator"):
        if not isinstance(data[name], str) or not data[name].strip():
            raise CorpusError(f"{where}: {name} 应为非空字符串")
    if not isinstance(data["guide"], str) or not _GUIDE.match(data["guide"]):
        raise CorpusError(f"{where}: guide 应写明标注指南的版本，如 labels.md@f0d07431b23a，实际为 {data['guide']!r}")
    return Annotation(
        file=file,
        id=id_,
        topics=frozenset(topics),
        sentiment=data["sentiment"],
        batch=data["batch"],
        annotator=data["annotator"],
        guide=data["guide"],
        register=str(data.get("register") or REAL_FILES.get(file, "")),
        note=str(data.get("note") or ""),
    )


def read_records(paths: Iterable[Path]) -> list[Annotation]:
    """Every record of ``paths`` (JSON Lines), validated; the first bad line raises :class:`CorpusError`."""
    found: list[Annotation] = []
    for path in sorted(paths):
        with path.open(encoding="utf-8") as fh:
            for number, line in enumerate(fh, start=1):
                if not line.strip():
                    continue
                try:
                    data = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise CorpusError(f"{path.name}:{number}: 不是有效的 JSON（{exc.msg}）") from None
                found.append(parse_record(data, f"{path.name}:{number}"))
    return found


def real_records(annotations_dir: Path = ANNOTATIONS_DIR) -> list[Annotation]:
    """The final labels of every real-text batch."""
    return read_records(annotation_files(annotations_dir))


def annotation_files(annotations_dir: Path = ANNOTATIONS_DIR) -> list[Path]:
    """The files of the final labels (what training reads)."""
    return sorted((annotations_dir / "real").glob("*.jsonl"))


def manifest(annotations_dir: Path = ANNOTATIONS_DIR) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((annotations_dir / "manifest.json").read_text(encoding="utf-8"))
    return data


def texts(real_dir: Path, wanted: Iterable[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """The text (title and body, as the tagger reads a post) of each wanted (file, id) found in ``real_dir``."""
    by_file: dict[str, set[str]] = {}
    for file, id_ in wanted:
        by_file.setdefault(file, set()).add(id_)
    found: dict[tuple[str, str], str] = {}
    for file, ids in by_file.items():
        path = real_dir / file
        if not path.is_file():
            continue
        for row in _rows(path):
            if row.get("id") in ids:
                found[(file, row["id"])] = join_title(row.get("title"), row.get("text"))
    return found


def resolve(records: Iterable[Annotation], real_dir: Path) -> tuple[list[Example], list[Annotation]]:
    """The examples of the records whose text ``real_dir`` holds, and the records it does not."""
    records = list(records)
    found = texts(real_dir, (r.key for r in records))
    examples, missing = [], []
    for record in records:
        text = found.get(record.key)
        if text:
            examples.append(
                Example(text=text, topics=record.topics, sentiment=record.sentiment, register=record.register)
            )
        else:
            missing.append(record)
    return examples, missing


def _rows(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)
