"""One daemon per database: a lock held for the daemon's whole life, released by the OS if it dies.

- SQLite: an exclusive ``flock`` on ``<database file>.daemon.lock`` beside the real file (the database path
  resolved through symlinks, so a link to it meets the same lock); the file holds who took it (JSON:
  pid, host, since). The kernel drops the lock when the process ends, even on SIGKILL.
- PostgreSQL: ``pg_try_advisory_lock`` on a dedicated connection kept open for the daemon's life; the
  connection's ``application_name`` says who holds it, and the server frees the lock when the connection
  ends (a killed daemon's connection is closed by its kernel).

A second daemon gets :class:`~errors.DaemonRunning` naming the holder.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import socket
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from storage import locks
from yuqing.errors import DaemonRunning
from yuqing.instants import format_beijing

if TYPE_CHECKING:
    from sqlalchemy import Connection, Engine

logger = logging.getLogger(__name__)

ADVISORY_KEY = 0x79757169  # "yuqi": the daemon's advisory lock key on PostgreSQL
APPLICATION_PREFIX = "yuqing-daemon"


class DaemonLock:
    """Held from :func:`acquire` until :meth:`release` (or the process's end)."""

    def __init__(self, *, stream: IO[str] | None = None, connection: Connection | None = None) -> None:
        self._stream = stream
        self._connection = connection

    def release(self) -> None:
        if self._stream is not None:
            fcntl.flock(self._stream, fcntl.LOCK_UN)
            self._stream.close()
            self._stream = None
        if self._connection is not None:
            locks.release_advisory(self._connection, ADVISORY_KEY)
            self._connection = None

    def __enter__(self) -> DaemonLock:
        return self

    def __exit__(self, *_exc: Any) -> None:
        self.release()


def holder_info(now: datetime) -> dict[str, Any]:
    return {"pid": os.getpid(), "host": socket.gethostname(), "since": now.isoformat()}


def acquire(engine: Engine, now: datetime | None = None) -> DaemonLock:
    """Take the database's daemon lock, or raise DaemonRunning naming the process that holds it."""
    me = holder_info(now or datetime.now(UTC))
    if engine.dialect.name == "sqlite":
        return _acquire_file(lock_path(engine), me)
    return _acquire_advisory(engine, me)


def lock_path(engine: Engine) -> Path:
    """``<database file>.daemon.lock`` beside the real file: symlinks (to the file or a folder above it) and
    relative paths are resolved first, so every path that names one database names one lock."""
    database = engine.url.database
    if not database or database == ":memory:":
        raise ValueError("the daemon needs a SQLite file database, not an in-memory one")
    real = Path(os.path.realpath(database))
    return real.with_name(real.name + ".daemon.lock")


def _acquire_file(path: Path, me: dict[str, Any]) -> DaemonLock:
    stream = open(path, "a+", encoding="utf-8")  # noqa: SIM115 - held open for the daemon's life
    try:
        fcntl.flock(stream, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        stream.seek(0)
        holder = stream.read().strip()
        stream.close()
        raise _running(_describe(holder), str(path)) from None
    stream.seek(0)
    stream.truncate()
    stream.write(json.dumps(me, ensure_ascii=False))
    stream.flush()
    logger.debug("daemon lock taken file=%s pid=%d", path, me["pid"])
    return DaemonLock(stream=stream)


def _acquire_advisory(engine: Engine, me: dict[str, Any]) -> DaemonLock:
    name = f"{APPLICATION_PREFIX} {me['pid']} {me['host']}"[:63]  # PostgreSQL keeps 63 bytes
    connection = locks.try_advisory(engine, ADVISORY_KEY, name)
    if connection is not None:
        logger.debug("daemon lock taken advisory=%d pid=%d", ADVISORY_KEY, me["pid"])
        return DaemonLock(connection=connection)
    row = locks.advisory_holder(engine, ADVISORY_KEY)
    if row is None:
        holder = "未知进程"
    else:
        _prefix, pid, host = (row.application_name + "  ").split(" ", 2)
        since = format_beijing(row.backend_start)
        host = host.strip() or row.client_addr or "未知"
        holder = f"主机 {host} 上的进程 {pid or '未知'}（自北京时间 {since} 起运行）"
    raise _running(holder, engine.url.render_as_string(hide_password=True))


def _describe(raw: str) -> str:
    try:
        info = json.loads(raw)
        since = format_beijing(datetime.fromisoformat(info["since"]))
        return f"主机 {info['host']} 上的进程 {info['pid']}（自北京时间 {since} 起运行）"
    except (ValueError, KeyError, TypeError):
        return "另一个进程（持有者信息不完整）"


def _running(holder: str, where: str) -> DaemonRunning:
    return DaemonRunning(
        f"已有守护进程在运行：{holder}，锁：{where}。同一数据库只能运行一个 yuqing run；"
        "提示：先停止它（systemctl stop yuqing 或向该进程发送 SIGTERM），或用 yuqing status 查看运行情况。",
        holder=holder,
    )


def holder(engine: Engine) -> str | None:
    """Who holds the daemon lock now (a Chinese description), or None when no daemon runs."""
    try:
        acquire(engine).release()
    except DaemonRunning as exc:
        return exc.holder
    except ValueError:
        return None
    return None
