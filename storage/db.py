"""Engines, sessions and migrations: SQLite by default (WAL, a file under data/), PostgreSQL by URL.

Production, the command line and the tests all build their engine with :func:`make_engine`, and
create or upgrade the schema with :func:`migrate` (Alembic, ``storage/migrations``).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from yuqing.errors import DatabaseNotReady

logger = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).with_name("migrations")


def normalize_url(url: str) -> str:
    """Use psycopg 3 for every PostgreSQL URL (``postgres://`` and ``postgresql://`` alike)."""
    return re.sub(r"^postgres(ql)?(\+psycopg2?)?://", "postgresql+psycopg://", url)


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite files get their folder created, WAL and foreign keys."""
    url = normalize_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error."""
    with factory() as session, session.begin():
        yield session


def alembic_config() -> AlembicConfig:
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def migrate(engine: Engine) -> tuple[str | None, str | None]:
    """Create or upgrade the schema to head; return (revision before, revision after)."""
    before = current_revision(engine)
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    after = current_revision(engine)
    return before, after


def ensure_ready(engine: Engine) -> None:
    """Raise :class:`DatabaseNotReady` unless the schema is at the code's head revision."""
    current, head = current_revision(engine), head_revision()
    if current == head:
        return
    where = engine.url.render_as_string(hide_password=True)
    if current is None:
        message = f"数据库 {where} 尚未初始化。提示：先运行 yuqing init-db。"
    else:
        message = f"数据库 {where} 的结构版本为 {current}，程序需要 {head}。提示：运行 yuqing init-db 升级。"
    raise DatabaseNotReady(message, url=where)


@contextmanager
def rolled_back(factory: sessionmaker[Session]) -> Iterator[sessionmaker[Session]]:
    """Sessions whose every commit is undone at the end (a dry run, ``alerts tick --replay``).

    One connection holds one outer transaction; the sessions join it and turn their own transactions into
    SAVEPOINTs, so code that commits (``transaction``) runs unchanged and everything is rolled back when the
    block ends. pysqlite opens a transaction only before a write, and a SAVEPOINT outside a transaction
    would commit on its RELEASE, so SQLite gets an explicit BEGIN first. On SQLite the dry run holds the
    write lock until it ends: other writers wait (``busy_timeout``) as they would for a tick.
    """
    engine = factory.kw["bind"]
    with engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            connection.exec_driver_sql("BEGIN")
        else:
            connection.begin()
        try:
            yield sessionmaker(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
        finally:
            connection.rollback()
