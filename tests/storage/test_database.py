"""The real database (SQLite file, or PostgreSQL in CI): migrations, instants, uniqueness."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import Engine, inspect, select, text

from storage.db import current_revision, ensure_ready, head_revision, make_engine, migrate, session_factory
from storage.documents import DocumentRecord, store
from storage.models import Document
from storage.sources import ensure_source
from yuqing.errors import DatabaseNotReady
from yuqing.instants import BEIJING, parse_instant

TABLES = {
    "sources",
    "documents",
    "document_analysis",
    "document_topics",
    "incidents",
    "incident_documents",
    "grade_changes",
    "incident_events",
    "outbox",
    "alembic_version",
}


def test_migration_from_empty_to_head(engine: Engine) -> None:
    assert current_revision(engine) is None
    with pytest.raises(DatabaseNotReady, match="尚未初始化。提示：先运行 yuqing init-db"):
        ensure_ready(engine)
    assert migrate(engine) == (None, head_revision())
    assert set(inspect(engine).get_table_names()) >= TABLES
    assert migrate(engine) == (head_revision(), head_revision())
    ensure_ready(engine)


def test_sqlite_runs_in_wal_mode(tmp_path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'nested' / 'y.db'}")
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
    engine.dispose()
    assert (tmp_path / "nested").is_dir()


def _record(url: str, published_at: str, text_: str = "正文") -> DocumentRecord:
    return DocumentRecord.model_validate(
        {"url": url, "title": "标题", "text": text_, "published_at": published_at, "source": "测试", "kind": "news"}
    )


@pytest.mark.parametrize(
    ("written", "utc"),
    [
        ("2026-11-25T10:00:00+08:00", datetime(2026, 11, 25, 2, 0, tzinfo=UTC)),
        ("2026-11-25 10:00:00", datetime(2026, 11, 25, 2, 0, tzinfo=UTC)),
        ("2026-11-25T02:00:00Z", datetime(2026, 11, 25, 2, 0, tzinfo=UTC)),
        ("2026-11-24T21:30:00-05:00", datetime(2026, 11, 25, 2, 30, tzinfo=UTC)),
        ("2026-01-01T00:30:00+08:00", datetime(2025, 12, 31, 16, 30, tzinfo=UTC)),
        ("2026-11-25T10:00:00.123456+08:00", datetime(2026, 11, 25, 2, 0, 0, 123456, tzinfo=UTC)),
    ],
)
def test_instants_round_trip_as_utc(engine: Engine, written: str, utc: datetime) -> None:
    migrate(engine)
    sessions = session_factory(engine)
    now = datetime(2026, 11, 27, 1, 0, tzinfo=UTC)
    with sessions.begin() as session:
        store(session, _record("https://a.example/1", written), ensure_source(session, "测试", now), now)
    with sessions() as session:
        stored = session.scalars(select(Document)).one()
    assert stored.published_at == utc
    assert stored.published_at.utcoffset() == timedelta(0)
    assert stored.published_at.astimezone(BEIJING) == parse_instant(written)


def test_naive_datetime_is_refused_by_the_column(engine: Engine) -> None:
    migrate(engine)
    sessions = session_factory(engine)
    now = datetime(2026, 11, 27, 1, 0, tzinfo=timezone(timedelta(hours=8)))
    with pytest.raises(Exception, match="naive datetime"), sessions.begin() as session:
        ensure_source(session, "测试", now.replace(tzinfo=None))


def test_same_canonical_url_is_stored_once(engine: Engine) -> None:
    migrate(engine)
    sessions = session_factory(engine)
    now = datetime(2026, 11, 27, 1, 0, tzinfo=UTC)
    with sessions.begin() as session:
        source = ensure_source(session, "测试", now)
        first = store(session, _record("https://a.example/x?id=1&utm_source=wx", "2026-11-25 10:00"), source, now)
        second = store(session, _record("HTTPS://A.example/x?id=1#top", "2026-11-25 10:00"), source, now)
    assert first is not None and second is None
    with sessions() as session:
        assert session.scalar(select(Document.canonical_url)) == "https://a.example/x?id=1"
