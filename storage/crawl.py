"""What the crawlers read and write: known URLs, HTTP validators, watermarks, posts, replies and source health.

Step 3 of a post's path (the pipelines store it) and the crawler's memory between runs: everything a restart
needs to resume without fetching or storing anything twice lives here, in the database.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from storage.documents import DocumentRecord, store
from storage.models import CrawlState, Document, Reply, Source
from storage.urls import canonicalize_url

logger = logging.getLogger(__name__)

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


@dataclass(frozen=True)
class Validators:
    """HTTP validators of a feed or list page, as last seen."""

    etag: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True)
class SourceHealth:
    """One row of ``yuqing sources``."""

    name: str
    type: str | None
    tier: str | None
    last_attempt_at: datetime | None
    last_success_at: datetime | None
    consecutive_failures: int
    last_error: str | None
    documents_24h: int
    last_document_at: datetime | None


def source_id(session: Session, name: str) -> int | None:
    return session.scalar(select(Source.id).where(Source.name == name))


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


def reply_status(session: Session, url: str) -> str | None:
    """The stored board status (已回复 / 未回复) of the letter at ``url``, or None when unknown."""
    statement = select(Reply.status).join(Document, Document.id == Reply.document_id)
    return session.scalar(statement.where(Document.canonical_url == canonicalize_url(url)))


def hash_known(session: Session, source: int, digest: str) -> bool:
    """True when the same source already stored a post with this content hash."""
    return session.scalar(_HASH_KNOWN, {"source": source, "digest": digest}) is not None


def near_duplicate_of(
    session: Session, fingerprint: int, bands: tuple[int, int, int, int], since: datetime, max_distance: int = 3
) -> int | None:
    """The earliest original stored since ``since`` whose fingerprint is within ``max_distance`` bits."""
    parameters = {"band0": bands[0], "band1": bands[1], "band2": bands[2], "band3": bands[3], "since": since}
    for document_id, other in session.execute(_NEAR_DUPLICATE_CANDIDATES, parameters):
        if ((fingerprint ^ other) & (2**64 - 1)).bit_count() <= max_distance:
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
) -> int | None:
    """Store a crawled post with its fingerprint; None when its canonical URL is already stored."""
    return store(
        session,
        record,
        source,
        now,
        simhash=fingerprint,
        simhash_band0=bands[0],
        simhash_band1=bands[1],
        simhash_band2=bands[2],
        simhash_band3=bands[3],
        duplicate_of_id=duplicate_of,
    )


def save_reply(
    session: Session,
    url: str,
    status: str,
    unit: str | None,
    text: str | None,
    replied_at: datetime | None,
    now: datetime,
) -> bool:
    """Record a letter's status and reply; True when something changed."""
    document_id = session.scalar(select(Document.id).where(Document.canonical_url == canonicalize_url(url)))
    if document_id is None:
        return False
    reply = session.get(Reply, document_id)
    if reply is None:
        values = {"status": status, "unit": unit, "text": text, "replied_at": replied_at, "updated_at": now}
        session.add(Reply(document_id=document_id, **values))
        return True
    if (reply.status, reply.text) == (status, text):
        return False
    reply.status, reply.unit, reply.text, reply.replied_at, reply.updated_at = status, unit, text, replied_at, now
    return True


# --- validators and watermarks ------------------------------------------------------------------


def validators(session: Session, source: int, key: str) -> Validators:
    state = _state(session, source, key)
    return Validators(state.etag, state.last_modified) if state else Validators()


def save_validators(session: Session, source: int, key: str, value: Validators, now: datetime) -> None:
    state = _state(session, source, key) or _new_state(session, source, key, now)
    state.etag, state.last_modified, state.updated_at = value.etag, value.last_modified, now


def forget_validators(session: Session, source: int) -> None:
    """Drop every validator of ``source``, so its next crawl reads each feed and list page in full."""
    session.execute(update(CrawlState).where(CrawlState.source_id == source).values(etag=None, last_modified=None))


def watermark(session: Session, source: int, key: str) -> datetime | None:
    state = _state(session, source, key)
    return state.watermark if state else None


def save_watermark(session: Session, source: int, key: str, at: datetime, now: datetime) -> None:
    state = _state(session, source, key) or _new_state(session, source, key, now)
    if state.watermark is None or at > state.watermark:
        state.watermark = at
    state.updated_at = now


def _state(session: Session, source: int, key: str) -> CrawlState | None:
    return session.scalar(select(CrawlState).where(CrawlState.source_id == source, CrawlState.key == key))


def _new_state(session: Session, source: int, key: str, now: datetime) -> CrawlState:
    """The row of (source, key), inserted unless another crawler of the same source just did (shared queue)."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    values = {"source_id": source, "key": key, "updated_at": now}
    session.execute(insert(CrawlState).values(**values).on_conflict_do_nothing(index_elements=["source_id", "key"]))
    state = _state(session, source, key)
    assert state is not None
    return state


# --- source health ----------------------------------------------------------------------------


def record_attempt(session: Session, source: int, now: datetime, error: str | None) -> None:
    """Write one crawl's outcome on the source row: success resets the failure count, an error adds to it."""
    row = session.get(Source, source)
    if row is None:
        return
    row.last_attempt_at = now
    if error is None:
        row.last_success_at = now
        row.consecutive_failures = 0
        row.last_error = None
    else:
        row.consecutive_failures = (row.consecutive_failures or 0) + 1
        row.last_error = error


def source_health(session: Session, names: Iterable[str], now: datetime) -> dict[str, SourceHealth]:
    """Health of the named sources that have a row; documents in the 24 h before ``now`` counted on read."""
    since = now - timedelta(hours=24)
    recent = (
        select(func.count(Document.id))
        .where(Document.source_id == Source.id, Document.published_at > since, Document.published_at <= now)
        .scalar_subquery()
    )
    latest = select(func.max(Document.fetched_at)).where(Document.source_id == Source.id).scalar_subquery()
    rows = session.execute(select(Source, recent, latest).where(Source.name.in_(list(names))))
    return {
        source.name: SourceHealth(
            name=source.name,
            type=source.type,
            tier=source.tier,
            last_attempt_at=source.last_attempt_at,
            last_success_at=source.last_success_at,
            consecutive_failures=source.consecutive_failures or 0,
            last_error=source.last_error,
            documents_24h=int(count or 0),
            last_document_at=last,
        )
        for source, count, last in rows
    }
