"""Documents in and out: the Document JSON contract (design.md), storing without doubles, exporting.

A document is identified by its canonical URL (``storage.urls``); storing uses the database's
``ON CONFLICT DO NOTHING``, so two writers racing on the same post still store it once.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlalchemy import Select, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, selectinload

from storage.models import Document, Source
from storage.urls import canonicalize_url
from yuqing.instants import parse_instant, to_beijing

logger = logging.getLogger(__name__)

_SPACES = re.compile(r"\s+")


class Metrics(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    reposts: int | None = Field(default=None, ge=0)
    comments: int | None = Field(default=None, ge=0)
    likes: int | None = Field(default=None, ge=0)
    views: int | None = Field(default=None, ge=0)


class DocumentRecord(BaseModel):
    """One line of Document JSON, validated. Extra fields (an export's ``tags``) are ignored."""

    model_config = ConfigDict(extra="ignore", strict=True, frozen=True)

    url: str
    title: str = ""
    text: str
    published_at: datetime
    source: str = Field(min_length=1)
    kind: Literal["news", "social", "forum", "official"]
    author: str | None = None
    metrics: Metrics = Metrics()

    @field_validator("url")
    @classmethod
    def _absolute(cls, value: str) -> str:
        canonicalize_url(value)
        return value.strip()

    @field_validator("text")
    @classmethod
    def _not_empty(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("正文不能为空")
        return value.strip()

    @field_validator("published_at", mode="before")
    @classmethod
    def _instant(cls, value: Any) -> datetime:
        if isinstance(value, datetime):
            return value
        return parse_instant(value)

    @property
    def canonical_url(self) -> str:
        return canonicalize_url(self.url)


@dataclass
class LineError:
    line: int
    reason: str


@dataclass
class IngestResult:
    stored: int = 0
    duplicates: int = 0
    rejected: list[LineError] = field(default_factory=list)


def parse_lines(stream: Iterable[bytes]) -> Iterator[tuple[int, DocumentRecord | LineError]]:
    """Yield (line number, record or error) for each non-blank line of a JSON Lines byte stream.

    Lines are decoded one at a time, so a line in the wrong encoding is rejected on its own
    and the lines around it are still read.
    """
    for number, raw in enumerate(stream, start=1):
        try:
            line = raw.decode("utf-8-sig" if number == 1 else "utf-8")
        except UnicodeDecodeError:
            yield number, LineError(number, "不是 UTF-8 编码的文本；请先转换为 UTF-8")
            continue
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            yield number, LineError(number, f"不是有效的 JSON（第 {exc.colno} 列：{exc.msg}）")
            continue
        if not isinstance(data, dict):
            yield number, LineError(number, "应为 JSON 对象 {…}")
            continue
        try:
            yield number, DocumentRecord.model_validate(data)
        except ValidationError as exc:
            yield number, LineError(number, _explain(exc))


def _explain(exc: ValidationError) -> str:
    parts = []
    for error in exc.errors():
        where = ".".join(str(p) for p in error["loc"]) or "（整行）"
        if error["type"] == "missing":
            parts.append(f"缺少字段 {where}")
        elif error["type"] == "literal_error":
            expected = (error.get("ctx") or {}).get("expected", "")
            parts.append(f"字段 {where} 应为 {expected} 之一，实际为 {error['input']!r}")
        elif error["type"] == "extra_forbidden":
            parts.append(f"字段 {where} 不认识")
        else:
            message = str(error["msg"]).removeprefix("Value error, ")
            parts.append(f"字段 {where} 无效：{message}")
    return "；".join(parts)


def content_hash(title: str, text: str) -> str:
    """SHA-256 of the title and text with white space folded, so re-spaced copies hash alike."""
    folded = _SPACES.sub(" ", f"{title}\n{text}").strip()
    return hashlib.sha256(folded.encode("utf-8")).hexdigest()


def ensure_source(session: Session, name: str, now: datetime, **known: Any) -> int:
    """The id of the source called ``name``, creating its row on first sight."""
    existing = session.scalar(select(Source.id).where(Source.name == name))
    if existing is not None:
        return existing
    values = {"name": name, "created_at": now, "consecutive_failures": 0, **known}
    session.execute(_insert_ignore(session, Source, values, "name"))
    return session.scalar(select(Source.id).where(Source.name == name))  # type: ignore[return-value]


def store(session: Session, record: DocumentRecord, source_id: int, now: datetime, **columns: Any) -> int | None:
    """Insert ``record`` (with any further ``columns`` of the row); return its new id, or None if its canonical
    URL is already stored."""
    metrics = record.metrics
    values = {
        "url": record.url,
        "canonical_url": record.canonical_url,
        "content_hash": content_hash(record.title, record.text),
        "source_id": source_id,
        "kind": record.kind,
        "title": record.title.strip(),
        "text": record.text,
        "author": record.author,
        "published_at": record.published_at,
        "fetched_at": now,
        "reposts": metrics.reposts,
        "comments": metrics.comments,
        "likes": metrics.likes,
        "views": metrics.views,
        **columns,
    }
    return session.scalar(_INSERT_DOCUMENT[session.get_bind().dialect.name], values)


_INSERT_DOCUMENT = {  # built once per dialect: building the statement costs more than running it
    name: insert(Document.__table__)
    .on_conflict_do_nothing(index_elements=["canonical_url"])
    .returning(Document.__table__.c.id)
    for name, insert in (("sqlite", sqlite_insert), ("postgresql", pg_insert))
}


def _insert_ignore(session: Session, model: Any, values: dict[str, Any], unique: str) -> Any:
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    return insert(model).values(**values).on_conflict_do_nothing(index_elements=[unique])


def ingest(
    session: Session,
    lines: Iterable[tuple[int, DocumentRecord | LineError]],
    now: datetime,
    sources: dict[str, dict[str, Any]] | None = None,
) -> IngestResult:
    """Store every valid record once; collect the rejected lines with their reasons."""
    result = IngestResult()
    source_ids: dict[str, int] = {}
    sources = sources or {}
    for _number, item in lines:
        if isinstance(item, LineError):
            result.rejected.append(item)
            continue
        if item.source not in source_ids:
            source_ids[item.source] = ensure_source(session, item.source, now, **sources.get(item.source, {}))
        if store(session, item, source_ids[item.source], now) is None:
            result.duplicates += 1
        else:
            result.stored += 1
    return result


def export_query() -> Select[tuple[Document]]:
    return (
        select(Document)
        .options(selectinload(Document.source), selectinload(Document.analysis), selectinload(Document.topics))
        .order_by(Document.published_at, Document.id)
    )


def to_json(document: Document) -> dict[str, Any]:
    """Document JSON (the ingest contract) plus ``tags`` once the tagger has seen the document."""
    metrics = {
        name: getattr(document, name)
        for name in ("reposts", "comments", "likes", "views")
        if getattr(document, name) is not None
    }
    data: dict[str, Any] = {
        "url": document.url,
        "title": document.title,
        "text": document.text,
        "published_at": to_beijing(document.published_at).isoformat(),
        "source": document.source.name,
        "kind": document.kind,
    }
    if document.author:
        data["author"] = document.author
    if metrics:
        data["metrics"] = metrics
    if document.analysis is not None:
        data["tags"] = {
            "topics": sorted(t.topic for t in document.topics),
            "scores": {t.topic: round(t.score, 4) for t in document.topics},
            "sentiment": document.analysis.sentiment,
            "places": document.analysis.places,
            "casualties": document.analysis.casualties,
        }
    return data
