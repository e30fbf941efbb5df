"""Shared fixtures: a clean environment, and a real database (SQLite file, or PostgreSQL in CI)."""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from storage.db import make_engine, normalize_url
from yuqing.simweb.loopback import MailServer

# CI runs the suite a second time with YUQING_DATABASE_URL pointing at a real PostgreSQL server;
# read it once, before the autouse fixture below clears the environment for every test.
POSTGRES_URL = os.environ.get("YUQING_DATABASE_URL", "")
ON_POSTGRES = POSTGRES_URL.startswith("postgres")

ENV_PREFIXES = ("YUQING_",)


@pytest.fixture(autouse=True)
def clean_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never see the developer's YUQING_* variables (httpx's clean_environ)."""
    for name in list(os.environ):
        if name.startswith(ENV_PREFIXES):
            monkeypatch.delenv(name)


@pytest.fixture(autouse=True)
def restore_logging() -> Iterator[None]:
    """`cli.main` configures logging onto the test's captured stderr; undo it so later tests don't log
    into a closed stream."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database: a SQLite file, or a new PostgreSQL database when CI provides one."""
    if not ON_POSTGRES:
        yield f"sqlite:///{tmp_path / 'yuqing.db'}"
        return
    admin_url = make_url(normalize_url(POSTGRES_URL))
    name = f"yq_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """An engine on the fresh database, disposed after the test (PostgreSQL counts open connections)."""
    built = make_engine(database_url)
    yield built
    built.dispose()


@pytest.fixture
def write_config(tmp_path: Path):  # type: ignore[no-untyped-def]
    """Write a config.toml into tmp_path and return its path."""

    def write(body: str, name: str = "config.toml") -> Path:
        path = tmp_path / name
        path.write_text(body, encoding="utf-8")
        return path

    return write


@pytest.fixture
def smtp_server() -> Iterator[MailServer]:
    """A real SMTP server on loopback, stopped after the test."""
    with MailServer() as server:
        yield server
