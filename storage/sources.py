"""Sources: one row per place documents come from, and its health (last success, failures, last error).

Written when a document of a source is first stored (``ensure_source``) and after every crawl
(``record_attempt``); read by ``yuqing sources``, ``yuqing status``, the blind-spot check and the console.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from storage.models import Document, Source

logger = logging.getLogger(__name__)


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


def ensure_source(session: Session, name: str, now: datetime, **known: Any) -> int:
    """The id of the source called ``name``, creating its row on first sight."""
    existing = session.scalar(select(Source.id).where(Source.name == name))
    if existing is not None:
        return existing
    values = {"name": name, "created_at": now, "consecutive_failures": 0, **known}
    session.execute(_insert_ignore(session, values))
    created = session.scalar(select(Source.id).where(Source.name == name))
    assert created is not None, f"source {name!r} neither stored nor found"
    return created


def _insert_ignore(session: Session, values: dict[str, Any]) -> Any:
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    return insert(Source).values(**values).on_conflict_do_nothing(index_elements=["name"])


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
