"""The real database (SQLite file, or PostgreSQL in CI): migrations, instants, uniqueness."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from alembic import command
from sqlalchemy import Engine, inspect, select, text

from storage.db import (
    alembic_config,
    current_revision,
    ensure_ready,
    head_revision,
    make_engine,
    migrate,
    session_factory,
)
from storage.documents import DocumentRecord, store
from storage.models import Document, Incident, IncidentMark
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


def test_upgrading_lengthens_the_reach_of_letter_threads_written_under_the_one_year_default(engine: Engine) -> None:
    """Migration 0011: a thread written when ``thread_within`` was 365 days reaches five years past its last letter
    after the upgrade; its key terms and an incident without letters keep their reach."""
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0010")
    last = datetime(2024, 3, 1, 2, 0, tzinfo=UTC)
    with session_factory(engine)() as session, session.begin():
        for incident_id, letters in ((1, 3), (2, 0)):
            session.add(
                Incident(
                    id=incident_id,
                    title="线索",
                    first_reported_at=last - timedelta(days=40),
                    detected_at=last,
                    updated_at=last,
                    last_seen_at=last,
                    profile={"letters": letters},
                )
            )
        session.add_all(
            [
                IncidentMark(incident_id=1, mark="n:翠湖名邸", reach_until=last + timedelta(days=365)),
                IncidentMark(incident_id=1, mark="t:变电站", reach_until=last + timedelta(days=30)),
                IncidentMark(incident_id=2, mark="n:翠湖名邸", reach_until=last + timedelta(days=2)),
            ]
        )
    migrate(engine)
    with session_factory(engine)() as session:
        reach = {(m.incident_id, m.mark): m.reach_until - last for m in session.scalars(select(IncidentMark))}
    assert reach == {
        (1, "n:翠湖名邸"): timedelta(days=1825),
        (1, "t:变电站"): timedelta(days=30),
        (2, "n:翠湖名邸"): timedelta(days=2),
    }


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
