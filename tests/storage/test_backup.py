"""``yuqing backup``: a consistent copy of a SQLite database taken while it is written, restorable as is;
PostgreSQL gets the pg_dump command, not a copy."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine

from storage import documents
from storage import outbox as outbox_rows
from storage.db import migrate, session_factory, transaction
from storage.documents import DocumentRecord
from storage.outbox import Draft
from tests.conftest import ON_POSTGRES
from yuqing import cli

sqlite_only = pytest.mark.skipif(ON_POSTGRES, reason="SQLite's online backup API; PostgreSQL is backed up by pg_dump")

NOW = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)


class Writer(threading.Thread):
    """Ingest one document and queue one outbox row per transaction, as crawls and ticks do, until stopped."""

    def __init__(self, engine: Engine) -> None:
        super().__init__(daemon=True)
        self.sessions = session_factory(engine)
        self.committed: list[int] = []  # the numbers whose transaction has committed, in order
        self.stop = threading.Event()
        self.error: BaseException | None = None

    def write(self, number: int) -> None:
        record = DocumentRecord(
            url=f"https://news.example.cn/backup/{number}.html",
            title=f"测试文档 {number}",
            text=f"第 {number} 篇正文：某小区工地夜间施工噪声扰民。",
            published_at=NOW + timedelta(seconds=number),
            source="测试来源",
            kind="news",
        )
        draft = Draft(
            key=f"backup-test:{number}",
            kind="self_test",
            incident_id=None,
            channel="email",
            recipients=["duty@zjt.example.cn"],
            subject=f"测试 {number}",
            body_text="正文",
        )
        at = NOW + timedelta(seconds=number)
        with transaction(self.sessions) as session:
            result = documents.ingest(session, [(1, record)], at)
            assert result.stored == 1
            assert outbox_rows.enqueue(session, draft, at)
        self.committed.append(number)

    def run(self) -> None:
        number = len(self.committed)
        try:
            while not self.stop.is_set():
                number += 1
                self.write(number)
        except BaseException as exc:  # reported by the test
            self.error = exc


def _config(write_config: Callable[..., Path], url: str, name: str = "config.toml") -> Path:
    return write_config(f'[database]\nurl = "{url}"\n', name)


@sqlite_only
def test_a_backup_taken_under_writes_holds_every_earlier_row_and_restores(
    write_config: Callable[..., Path],
    database_url: str,
    engine: Engine,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    migrate(engine)
    config = _config(write_config, database_url)
    writer = Writer(engine)
    for number in range(1, 301):  # some history first, so the copy has pages to walk
        writer.write(number)
    writer.start()
    try:
        while len(writer.committed) < 350:  # the writer is running
            time.sleep(0.005)
        before = set(writer.committed)  # committed before the backup started
        target = tmp_path / "backups" / "yuqing-copy.db"
        target.parent.mkdir()
        assert cli.main(["--config", str(config), "backup", str(target)]) == 0
        during = len(writer.committed)
        time.sleep(0.1)
    finally:
        writer.stop.set()
        writer.join(timeout=30)
    assert writer.error is None, writer.error
    assert len(writer.committed) > during >= len(before)  # the writer was never stopped by the backup
    out = capsys.readouterr().out
    assert "已备份数据库" in out and "完整性检查 ok" in out

    copy = sqlite3.connect(target)
    try:
        assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert copy.execute("PRAGMA journal_mode").fetchone()[0] == "delete"  # one self-contained file
        urls = {row[0] for row in copy.execute("SELECT url FROM documents")}
        keys = {row[0] for row in copy.execute("SELECT idempotency_key FROM outbox")}
    finally:
        copy.close()
    assert {f"https://news.example.cn/backup/{n}.html" for n in before} <= urls
    assert {f"backup-test:{n}" for n in before} <= keys
    numbers = {int(url.rsplit("/", 1)[1].split(".")[0]) for url in urls}
    assert numbers == {int(key.split(":")[1]) for key in keys}  # a whole transaction or none of it
    assert numbers == set(range(1, max(numbers) + 1))  # one instant: no later row without the earlier ones
    assert not list(target.parent.glob(".*partial*"))

    # Restore: the copy is the database of a config; the commands work on it.
    restored = _config(write_config, f"sqlite:///{target}", "restored.toml")
    assert cli.main(["--config", str(restored), "status"]) == 0
    capsys.readouterr()
    assert cli.main(["--config", str(restored), "export", "documents", "--json"]) == 0
    exported = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(exported) == len(urls) >= len(before)


@sqlite_only
def test_bad_paths_are_refused_and_an_existing_file_is_kept_unless_forced(
    write_config: Callable[..., Path],
    database_url: str,
    engine: Engine,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    migrate(engine)
    config = _config(write_config, database_url)

    def backup(*args: str | Path) -> int:
        return cli.main(["--config", str(config), "backup", *[str(a) for a in args]])

    existing = tmp_path / "old.db"
    existing.write_bytes(b"an older backup")
    assert backup(existing) == 2
    assert "已存在" in capsys.readouterr().err and existing.read_bytes() == b"an older backup"
    assert backup(existing, "--force") == 0
    with sqlite3.connect(existing) as copy:
        assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert backup(tmp_path) == 2
    assert "是一个目录" in capsys.readouterr().err
    assert backup(tmp_path / "absent" / "x.db") == 2
    assert "不存在" in capsys.readouterr().err
    database = Path(database_url.removeprefix("sqlite:///"))
    assert backup(database, "--force") == 2
    assert "正在使用的数据库本身" in capsys.readouterr().err


def test_postgresql_gets_the_pg_dump_command_without_the_password(
    write_config: Callable[..., Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = _config(write_config, "postgresql://yuqing:s3cret-pw@db.example.cn:5432/yuqing?sslmode=require")
    target = tmp_path / "yuqing.dump"
    assert cli.main(["--config", str(config), "backup", str(target)]) == 0
    out = capsys.readouterr().out
    assert "s3cret-pw" not in out
    assert "不代为执行" in out
    assert f"pg_dump --format=custom --file={target}" in out
    assert "postgresql://yuqing@db.example.cn:5432/yuqing?sslmode=require" in out
    assert "pg_restore" in out
    assert not target.exists()
