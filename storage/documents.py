"""Documents in and out: the Document JSON contract (design.md), storing without doubles, exporting.

A document is identified by its canonical URL (``storage.urls``); storing uses the database's
``ON CONFLICT DO NOTHING``, so two writers racing on the same post still store it once.

What the door (``parse_lines``, the reader of ``yuqing ingest``) turns away, each as a rejected line with its
number and a Chinese reason, so that one bad line never costs the others: a ``published_at`` before
:data:`EARLIEST` or more than :data:`FUTURE_LIMIT` after now (or beyond the calendar), a metric larger than its
column holds, a lone surrogate (no encoding can store it), a NUL (PostgreSQL refuses it in text; it marks a
broken line), a source name or canonical URL longer than its column. What every record gets, from the door or the
crawler: control characters that XML and Word refuse are removed from its strings (:func:`clean_text`).

Storing caps the text at ``max_text_chars`` (``config.crawl.max_text_chars``, by default :data:`MAX_TEXT_CHARS`)
and notes the cut at its end, in the text itself, so every reader sees it: ``（正文过长，已截断至 200000 字）``
(:func:`cap_text`). An author name is cut at its column's 500 characters.

A document the tagger could not process is set aside (``quarantined_at``, ``quarantine_reason``; written by
``storage.tags.set_aside``); :func:`quarantined` and :func:`quarantine_count` list and count them.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator
from sqlalchemy import bindparam, func, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, selectinload

from storage import sources as sources_rows
from storage.models import Document, DocumentAnalysis, DocumentTopic, Source
from storage.urls import canonicalize_url
from yuqing.instants import parse_instant, to_beijing

logger = logging.getLogger(__name__)

_SPACES = re.compile(r"\s+")

# The range of instants a document may carry: nothing was posted on the Chinese web before 1990, and nothing is
# published tomorrow. Checked at the door (``parse_lines``), against the ``now`` it is given.
EARLIEST = datetime(1990, 1, 1, tzinfo=UTC)
FUTURE_LIMIT = timedelta(days=1)

# The longest text stored for one document when the caller gives no limit (``config.crawl.max_text_chars``).
MAX_TEXT_CHARS = 200_000
TRUNCATION_NOTE = "\n（正文过长，已截断至 {limit} 字）"

# What the columns hold (storage.models): INTEGER counts, a BIGINT view count, VARCHAR lengths.
MAX_INT = 2**31 - 1
MAX_BIGINT = 2**63 - 1
MAX_SOURCE_CHARS = 200
MAX_AUTHOR_CHARS = 500
MAX_URL_CHARS = 2000

# Characters XML (so Word) refuses, and the C1 controls and DEL that only drive terminals. Tab, line feed and
# carriage return stay; the ones that separate words (vertical tab, form feed, the information separators, NEL)
# become a space, the others are dropped.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")
_SURROGATE = re.compile("[\ud800-\udfff]")

NEAR_DUPLICATE_CANDIDATES = 200

# The per-post lookups of the dedup stages, built once: building a statement costs more than running it.
_KNOWN_URLS = select(Document.canonical_url).where(Document.canonical_url.in_(bindparam("urls", expanding=True)))
_HASH_KNOWN = (
    select(Document.id)
    .where(Document.source_id == bindparam("source"), Document.content_hash == bindparam("digest"))
    .limit(1)
)
_BANDS = (Document.simhash_band0, Document.simhash_band1, Document.simhash_band2, Document.simhash_band3)
_NEAR_DUPLICATE_CANDIDATES = (
    select(Document.id, Document.simhash)
    .where(or_(*(column == bindparam(f"band{index}") for index, column in enumerate(_BANDS))))
    .where(Document.published_at >= bindparam("since"))
    .where(Document.duplicate_of_id.is_(None), Document.simhash.is_not(None))
    .order_by(Document.published_at, Document.id)
    .limit(NEAR_DUPLICATE_CANDIDATES)
)


def clean_text(text: str) -> str:
    """``text`` without the control characters XML and Word refuse (tab, line feed and carriage return stay): a
    separating one (vertical tab, form feed, NEL ...) becomes a space, any other is dropped."""
    return _CONTROL.sub(lambda match: " " if match.group().isspace() else "", text)


def cap_text(text: str, limit: int = MAX_TEXT_CHARS) -> str:
    """``text`` cut to ``limit`` characters with the cut noted at its end; a text within the limit unchanged.
    Capping a capped text again changes nothing."""
    if len(text) <= limit:
        return text
    return text[:limit] + TRUNCATION_NOTE.format(limit=limit)


def _refuse_unstorable(value: str, info: ValidationInfo) -> str:
    """A string no database can store is refused; at the door (a ``now`` in the context) a NUL too."""
    surrogate = _SURROGATE.search(value)
    if surrogate is not None:
        raise ValueError(f"含有无效的 Unicode 字符（孤立的代理项 U+{ord(surrogate.group()):04X}），无法保存")
    if "\x00" in value and _door(info) is not None:
        raise ValueError("含有空字符（\\u0000），该行可能已损坏")
    return value


def _door(info: ValidationInfo) -> datetime | None:
    """The ``now`` of the door's validation context; None when a record is built in the program (the crawler)."""
    now = info.context.get("now") if isinstance(info.context, dict) else None
    return now if isinstance(now, datetime) else None


class Metrics(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    reposts: int | None = Field(default=None, ge=0, le=MAX_INT)
    comments: int | None = Field(default=None, ge=0, le=MAX_INT)
    likes: int | None = Field(default=None, ge=0, le=MAX_INT)
    views: int | None = Field(default=None, ge=0, le=MAX_BIGINT)


class DocumentRecord(BaseModel):
    """One line of Document JSON, validated. Extra fields (an export's ``tags``) are ignored."""

    model_config = ConfigDict(extra="ignore", strict=True, frozen=True)

    url: str
    title: str = ""
    text: str
    published_at: datetime
    source: str = Field(min_length=1, max_length=MAX_SOURCE_CHARS)
    kind: Literal["news", "social", "forum", "official"]
    author: str | None = None
    metrics: Metrics = Metrics()

    @field_validator("url")
    @classmethod
    def _absolute(cls, value: str, info: ValidationInfo) -> str:
        _refuse_unstorable(value, info)
        if _CONTROL.search(value.strip()):
            raise ValueError("网址含有控制字符")
        if len(canonicalize_url(value)) > MAX_URL_CHARS:
            raise ValueError(f"网址过长（超过 {MAX_URL_CHARS} 个字符）")
        return value.strip()

    @field_validator("title", "source", "author")
    @classmethod
    def _clean(cls, value: str | None, info: ValidationInfo) -> str | None:
        return None if value is None else clean_text(_refuse_unstorable(value, info))

    @field_validator("text")
    @classmethod
    def _not_empty(cls, value: str, info: ValidationInfo) -> str:
        value = clean_text(_refuse_unstorable(value, info)).strip()
        if not value:
            raise ValueError("正文不能为空")
        return value

    @field_validator("published_at", mode="before")
    @classmethod
    def _instant(cls, value: Any, info: ValidationInfo) -> datetime:
        if isinstance(value, datetime):
            instant = value
        else:
            try:
                instant = parse_instant(value)
            except OverflowError:  # 0001-01-01T00:00+08:00 is a valid text whose UTC instant is before year 1
                raise ValueError(_out_of_range(value)) from None
        now = _door(info)
        if now is not None and instant.tzinfo is not None and not EARLIEST <= instant <= now + FUTURE_LIMIT:
            raise ValueError(_out_of_range(value))
        return instant

    @property
    def canonical_url(self) -> str:
        return canonicalize_url(self.url)


def _out_of_range(value: Any) -> str:
    return f"时间 {value!r} 超出合理范围：应在 {EARLIEST:%Y-%m-%d} 之后，且不晚于当前时间之后 1 天"


@dataclass
class LineError:
    line: int
    reason: str


@dataclass
class IngestResult:
    stored: int = 0
    duplicates: int = 0
    rejected: list[LineError] = field(default_factory=list)


def parse_lines(
    stream: Iterable[bytes], now: datetime | None = None
) -> Iterator[tuple[int, DocumentRecord | LineError]]:
    """Yield (line number, record or error) for each non-blank line of a JSON Lines byte stream.

    Lines are decoded one at a time, so a line in the wrong encoding is rejected on its own
    and the lines around it are still read. Instants are checked against ``now`` (default: the current time).
    """
    context = {"now": now or datetime.now(UTC)}
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
        except ValueError:  # an integer of more than 4300 digits
            yield number, LineError(number, "不是可读取的 JSON：数字位数过多")
            continue
        except RecursionError:
            yield number, LineError(number, "不是可读取的 JSON：嵌套层次过深")
            continue
        if not isinstance(data, dict):
            yield number, LineError(number, "应为 JSON 对象 {…}")
            continue
        try:
            yield number, DocumentRecord.model_validate(data, context=context)
        except ValidationError as exc:
            yield number, LineError(number, _explain(exc))


# pydantic's error types, in Chinese: {ctx} fields are filled from the error's context.
_PROBLEMS = {
    "int_type": "应为整数",
    "string_type": "应为字符串",
    "model_type": "应为 JSON 对象 {{…}}",
    "model_attributes_type": "应为 JSON 对象 {{…}}",
    "dict_type": "应为 JSON 对象 {{…}}",
    "datetime_type": "应为 ISO 8601 时间",
    "greater_than_equal": "应不小于 {ge}",
    "less_than_equal": "应不大于 {le}（超出数据库能保存的范围）",
    "string_too_short": "不能为空",
    "string_too_long": "过长（最多 {max_length} 个字符）",
}


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
        elif error["type"] in _PROBLEMS:
            parts.append(f"字段 {where} 无效：{_PROBLEMS[error['type']].format(**(error.get('ctx') or {}))}")
        elif error["type"] == "value_error":
            parts.append(f"字段 {where} 无效：{str(error['msg']).removeprefix('Value error, ')}")
        else:
            parts.append(f"字段 {where} 无效（{error['type']}）")
    return "；".join(parts)


def content_hash(title: str, text: str) -> str:
    """SHA-256 of the title and text with white space folded, so re-spaced copies hash alike."""
    folded = _SPACES.sub(" ", f"{title}\n{text}").strip()
    return hashlib.sha256(folded.encode("utf-8")).hexdigest()


def known_urls(session: Session, urls: Iterable[str]) -> set[str]:
    """The subset of ``urls`` (as given) whose canonical form is already stored."""
    by_canonical: dict[str, str] = {}
    for url in urls:
        try:
            by_canonical[canonicalize_url(url)] = url
        except ValueError:
            continue
    if not by_canonical:
        return set()
    found = session.scalars(_KNOWN_URLS, {"urls": list(by_canonical)})
    return {by_canonical[canonical] for canonical in found}


def document_by_url(session: Session, url: str) -> int | None:
    """The id of the original stored under ``url`` (or the original it links to), if any."""
    row = session.execute(
        select(Document.id, Document.duplicate_of_id).where(Document.canonical_url == canonicalize_url(url))
    ).first()
    if row is None:
        return None
    return int(row.duplicate_of_id or row.id)


def hash_known(session: Session, source: int, digest: str) -> bool:
    """True when the same source already stored a post with this content hash."""
    return session.scalar(_HASH_KNOWN, {"source": source, "digest": digest}) is not None


def near_duplicate_of(
    session: Session, fingerprint: int, bands: tuple[int, int, int, int], since: datetime, max_distance: int = 3
) -> int | None:
    """The earliest original stored since ``since`` whose fingerprint is within ``max_distance`` bits."""
    parameters = {"band0": bands[0], "band1": bands[1], "band2": bands[2], "band3": bands[3], "since": since}
    for document_id, other in session.execute(_NEAR_DUPLICATE_CANDIDATES, parameters):
        if other is not None and ((fingerprint ^ other) & (2**64 - 1)).bit_count() <= max_distance:
            return int(document_id)
    return None


def store_post(
    session: Session,
    record: DocumentRecord,
    source: int,
    now: datetime,
    fingerprint: int,
    bands: tuple[int, int, int, int],
    duplicate_of: int | None,
    max_text_chars: int = MAX_TEXT_CHARS,
) -> int | None:
    """Store a crawled post with its fingerprint; None when its canonical URL is already stored."""
    return store(
        session,
        record,
        source,
        now,
        max_text_chars=max_text_chars,
        simhash=fingerprint,
        simhash_band0=bands[0],
        simhash_band1=bands[1],
        simhash_band2=bands[2],
        simhash_band3=bands[3],
        duplicate_of_id=duplicate_of,
    )


def store(
    session: Session,
    record: DocumentRecord,
    source_id: int,
    now: datetime,
    *,
    max_text_chars: int = MAX_TEXT_CHARS,
    **columns: Any,
) -> int | None:
    """Insert ``record`` (with any further ``columns`` of the row), its text capped at ``max_text_chars``; return
    its new id, or None if its canonical URL is already stored."""
    metrics = record.metrics
    text = cap_text(record.text, max_text_chars)
    values = {
        "url": record.url,
        "canonical_url": record.canonical_url,
        "content_hash": content_hash(record.title, text),
        "source_id": source_id,
        "kind": record.kind,
        "title": record.title.strip(),
        "text": text,
        "author": record.author[:MAX_AUTHOR_CHARS] if record.author is not None else None,
        "published_at": record.published_at,
        "fetched_at": now,
        "reposts": metrics.reposts,
        "comments": metrics.comments,
        "likes": metrics.likes,
        "views": metrics.views,
        **columns,
    }
    stored: int | None = session.scalar(_INSERT_DOCUMENT[session.get_bind().dialect.name], values)
    return stored


_INSERT_DOCUMENT = {  # built once per dialect: building the statement costs more than running it
    name: insert(Document).on_conflict_do_nothing(index_elements=["canonical_url"]).returning(Document.id)
    for name, insert in (("sqlite", sqlite_insert), ("postgresql", pg_insert))
}


def ingest(
    session: Session,
    lines: Iterable[tuple[int, DocumentRecord | LineError]],
    now: datetime,
    sources: dict[str, dict[str, Any]] | None = None,
    fingerprints: Callable[[str], tuple[int, tuple[int, int, int, int]]] | None = None,
    near_duplicate_window: timedelta = timedelta(days=7),
    max_text_chars: int = MAX_TEXT_CHARS,
) -> IngestResult:
    """Store every valid record once, its text capped at ``max_text_chars``; collect the rejected lines with their
    reasons. With ``fingerprints`` (the crawler's SimHash), a near copy of a post stored within
    ``near_duplicate_window`` before it is stored linked to that original, as the crawler stores it: copy-paste
    campaigns and hashtag spam are one post's spread."""
    result = IngestResult()
    source_ids: dict[str, int] = {}
    sources = sources or {}
    for _number, item in lines:
        if isinstance(item, LineError):
            result.rejected.append(item)
            continue
        if item.source not in source_ids:
            source_ids[item.source] = sources_rows.ensure_source(
                session, item.source, now, **sources.get(item.source, {})
            )
        if len(item.text) > max_text_chars:
            item = item.model_copy(update={"text": cap_text(item.text, max_text_chars)})
        columns: dict[str, Any] = {}
        if fingerprints is not None:
            fingerprint, bands = fingerprints(item.text)
            since = item.published_at - near_duplicate_window
            columns = dict(
                zip(("simhash_band0", "simhash_band1", "simhash_band2", "simhash_band3"), bands, strict=True)
            )
            columns["simhash"] = fingerprint
            columns["duplicate_of_id"] = near_duplicate_of(session, fingerprint, bands, since)
        if store(session, item, source_ids[item.source], now, max_text_chars=max_text_chars, **columns) is None:
            result.duplicates += 1
        else:
            result.stored += 1
    return result


def export(session: Session, batch: int = 500) -> Iterator[Document]:
    """Every stored document with its source and tags, oldest publication first, read ``batch`` at a time."""
    statement = (
        select(Document)
        .options(selectinload(Document.source), selectinload(Document.analysis), selectinload(Document.topics))
        .order_by(Document.published_at, Document.id)
        .execution_options(yield_per=batch)
    )
    yield from session.scalars(statement)


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


# --- reading posts with their tags (reports, emergence) ----------------------------------------------


def posts_between(
    session: Session, since: datetime, until: datetime
) -> list[tuple[Document, str, str | None, str | None, Any]]:
    """Every document published in [since, until), oldest first: (document, source name, source tier,
    sentiment, places)."""
    statement = (
        select(Document, Source.name, Source.tier, DocumentAnalysis.sentiment, DocumentAnalysis.places)
        .join(Source, Source.id == Document.source_id)
        .outerjoin(DocumentAnalysis, DocumentAnalysis.document_id == Document.id)
        .where(Document.published_at >= since, Document.published_at < until)
        .order_by(Document.published_at, Document.id)
    )
    return [(row[0], row[1], row[2], row[3], row[4]) for row in session.execute(statement)]


def topics_between(session: Session, since: datetime, until: datetime) -> dict[int, tuple[str, ...]]:
    """The topics of every document published in [since, until), highest score first."""
    statement = (
        select(DocumentTopic.document_id, DocumentTopic.topic)
        .join(Document, Document.id == DocumentTopic.document_id)
        .where(Document.published_at >= since, Document.published_at < until)
        .order_by(DocumentTopic.document_id, DocumentTopic.score.desc(), DocumentTopic.topic)
    )
    found: dict[int, list[str]] = {}
    for document_id, topic in session.execute(statement):
        found.setdefault(document_id, []).append(topic)
    return {k: tuple(v) for k, v in found.items()}


def topics_of(session: Session, document_ids: Sequence[int]) -> dict[int, list[str]]:
    """The topics of each of ``document_ids``, highest score first."""
    found: dict[int, list[str]] = {}
    if not document_ids:
        return found
    statement = (
        select(DocumentTopic.document_id, DocumentTopic.topic)
        .where(DocumentTopic.document_id.in_(list(document_ids)))
        .order_by(DocumentTopic.document_id, DocumentTopic.score.desc())
    )
    for document_id, topic in session.execute(statement):
        found.setdefault(document_id, []).append(topic)
    return found


def topic_places(
    session: Session, start: datetime, end: datetime, topics: Iterable[str] | None = None
) -> list[tuple[str, Any]]:
    """(topic, places) for every topic of every tagged document published in (start, end]."""
    statement = (
        select(DocumentTopic.topic, DocumentAnalysis.places)
        .join(Document, Document.id == DocumentTopic.document_id)
        .join(DocumentAnalysis, DocumentAnalysis.document_id == Document.id)
        .where(Document.published_at > start, Document.published_at <= end)
    )
    if topics is not None:
        statement = statement.where(DocumentTopic.topic.in_(list(topics)))
    return [(topic, places) for topic, places in session.execute(statement)]


def any_published_by(session: Session, instant: datetime) -> bool:
    """Whether any document was published at or before ``instant``."""
    return session.scalar(select(Document.id).where(Document.published_at <= instant).limit(1)) is not None


def first_published_in(session: Session, start: datetime, end: datetime) -> datetime | None:
    """The earliest publication in (start, end], if any."""
    return session.scalar(
        select(func.min(Document.published_at)).where(Document.published_at > start, Document.published_at <= end)
    )


def pending_rows(session: Session, document_ids: Sequence[int]) -> list[dict[str, Any]]:
    """What grouping compares of each of ``document_ids`` that is tagged: id, publication, title, text, the
    original it copies, its kind, places, keywords; and its topics (highest score first)."""
    topics = topics_of(session, document_ids)
    rows = session.execute(
        select(
            Document.id,
            Document.published_at,
            Document.title,
            Document.text,
            Document.duplicate_of_id,
            Document.kind,
            DocumentAnalysis.places,
            DocumentAnalysis.keywords,
        )
        .join(DocumentAnalysis, DocumentAnalysis.document_id == Document.id)
        .where(Document.id.in_(list(document_ids)))
    )
    return [{**row._asdict(), "topics": topics.get(row.id, [])} for row in rows]


def find_id(session: Session, document_id: int) -> int | None:
    """``document_id`` when such a document is stored."""
    found = session.get(Document, document_id)
    return found.id if found is not None else None


def id_by_url(session: Session, url: str) -> int | None:
    """The id of the document stored under ``url``'s canonical form."""
    return session.scalar(select(Document.id).where(Document.canonical_url == canonicalize_url(url)))


# --- documents set aside by the tagger (status page, console) ---------------------------------------------


def quarantined(session: Session, limit: int | None = None) -> list[tuple[int, str, datetime]]:
    """The documents the tagger set aside: (document id, reason, when), the earliest set aside first (the first
    ``limit``): ordered by the partial index, so a million documents not set aside are never read."""
    statement = (
        select(Document.id, Document.quarantine_reason, Document.quarantined_at)
        .where(Document.quarantined_at.is_not(None))
        .order_by(Document.quarantined_at, Document.id)
        .limit(limit)
    )
    return [(int(row.id), row.quarantine_reason or "", row.quarantined_at) for row in session.execute(statement)]


def quarantine_count(session: Session) -> int:
    """How many documents the tagger set aside."""
    return int(
        session.scalar(select(func.count()).select_from(Document).where(Document.quarantined_at.is_not(None))) or 0
    )


def quarantined_ids(session: Session, after_id: int) -> set[int]:
    """The ids after ``after_id`` of the documents set aside (detect does not wait for them to be tagged)."""
    return set(session.scalars(select(Document.id).where(Document.id > after_id, Document.quarantined_at.is_not(None))))
