"""Crawl state: what a crawler remembers about one address of a source between runs.

HTTP validators (ETag, Last-Modified) of feeds and list pages, and the watermark of a Weibo keyword (the
newest post seen), so a restart resumes without fetching anything twice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from storage.models import CrawlState

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Validators:
    """HTTP validators of a feed or list page, as last seen."""

    etag: str | None = None
    last_modified: str | None = None


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
