"""A consistent copy of the live database (``yuqing backup PATH``).

SQLite: SQLite's online backup API (``sqlite3.Connection.backup``) copies every page in one step, inside
one read transaction, so the copy is the database as of one instant (in WAL mode the daemon, crawlers and
ticks keep writing meanwhile; they are never blocked). The copy is written to a temporary file beside
``PATH``, switched out of WAL so it is one self-contained file, checked with ``PRAGMA integrity_check``,
flushed to disk and only then renamed to ``PATH``: a failed or interrupted backup never leaves a partial
file under the requested name. ``PATH`` is never overwritten unless ``force``.

PostgreSQL: the documented way is ``pg_dump`` (custom format, restored with ``pg_restore``); this module
only composes the command for the configured database, with the password left out (it is given through
``PGPASSWORD`` or ``~/.pgpass``), and does not run it.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

from storage.db import normalize_url
from yuqing.errors import InputError

SQLITE_TIMEOUT = 30.0  # seconds to wait for a lock, as the project's engines do (busy_timeout)


@dataclass(frozen=True)
class SqliteBackup:
    source: Path
    target: Path
    pages: int
    size: int
    seconds: float
    integrity: str


def backend_of(url: str) -> str:
    """``sqlite`` or ``postgresql`` (or whatever else the URL names)."""
    return make_url(normalize_url(url)).get_backend_name()


def sqlite_path(url: str) -> Path:
    """The database file of a SQLite URL; an in-memory database cannot be backed up."""
    database = make_url(normalize_url(url)).database
    if not database or database == ":memory:":
        raise InputError(f"数据库 {url} 是内存数据库，没有可备份的文件。")
    return Path(database)


def check_target(source: Path, target: Path, force: bool) -> None:
    """Refuse (exit 2) a target that is the database itself, a folder, in a missing folder, or exists."""
    if target.exists() and target.is_dir():
        raise InputError(f"备份路径 {target} 是一个目录。提示：请给出文件名，如 {target / 'yuqing-备份.db'}。")
    parent = target.parent
    if not parent.is_dir():
        raise InputError(f"备份路径 {target} 所在的目录 {parent} 不存在。提示：先创建该目录。")
    if not os.access(parent, os.W_OK):
        raise InputError(f"没有权限写入目录 {parent}。")
    if target.exists() and source.exists() and target.samefile(source):
        raise InputError(f"备份路径 {target} 就是正在使用的数据库本身，不能覆盖。")
    if target.exists() and not force:
        raise InputError(f"备份文件 {target} 已存在，未覆盖。提示：换一个文件名，或加 --force 覆盖。")


def backup_sqlite(url: str, target: Path, *, force: bool = False) -> SqliteBackup:
    """Copy the SQLite database of ``url`` to ``target`` consistently while it is in use."""
    source = sqlite_path(url)
    target = target.expanduser().absolute()
    if not source.is_file():
        raise InputError(f"数据库文件 {source} 不存在。提示：检查 [database].url，或先运行 yuqing init-db。")
    check_target(source, target, force)
    temporary = target.with_name(f".{target.name}.{os.getpid()}.partial")
    started = time.monotonic()
    try:
        pages, integrity = _copy(source, temporary)
        if integrity != "ok":
            raise RuntimeError(f"备份副本的完整性检查未通过：{integrity}")
        _fsync(temporary)
        if force:
            for stale in (Path(f"{target}-wal"), Path(f"{target}-shm")):
                stale.unlink(missing_ok=True)  # an old copy's WAL must not be replayed into the new one
        os.replace(temporary, target)
        _fsync_dir(target.parent)
    finally:
        for leftover in (temporary, Path(f"{temporary}-wal"), Path(f"{temporary}-shm"), Path(f"{temporary}-journal")):
            leftover.unlink(missing_ok=True)
    return SqliteBackup(source, target, pages, target.stat().st_size, time.monotonic() - started, integrity)


def _copy(source: Path, temporary: Path) -> tuple[int, str]:
    """The backup itself: all pages in one step (one snapshot), then one file (journal DELETE) and its check."""
    temporary.unlink(missing_ok=True)
    with contextlib.closing(sqlite3.connect(source, timeout=SQLITE_TIMEOUT)) as src:
        src.execute(f"PRAGMA busy_timeout={int(SQLITE_TIMEOUT * 1000)}")
        with contextlib.closing(sqlite3.connect(temporary, timeout=SQLITE_TIMEOUT)) as dst:
            src.backup(dst, pages=-1)  # one step: a multi-step copy restarts whenever another process writes
            dst.execute("PRAGMA journal_mode=DELETE")
            pages = int(dst.execute("PRAGMA page_count").fetchone()[0])
            integrity = "; ".join(str(row[0]) for row in dst.execute("PRAGMA integrity_check"))
    return pages, integrity


def _fsync(path: Path) -> None:
    with open(path, "rb") as stream:
        os.fsync(stream.fileno())


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):  # not every platform opens folders (Windows)
        descriptor = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


def libpq_url(url: str) -> str:
    """The database URL as libpq reads it (``postgresql://user@host:port/db?…``), without driver or password."""
    parsed = make_url(normalize_url(url))
    # URL is a NamedTuple; ``set(password=None)`` would keep the password, ``_replace`` removes it.
    return parsed._replace(drivername="postgresql", password=None).render_as_string(hide_password=False)


def pg_dump_command(url: str, target: Path) -> str:
    """The ``pg_dump`` command that backs up the PostgreSQL database of ``url`` to ``target``, password left out."""
    return (
        f"PGPASSWORD='…' pg_dump --format=custom --file={shlex.quote(str(target))} "
        f"--dbname={shlex.quote(libpq_url(url))}"
    )


def pg_restore_command(url: str, target: Path) -> str:
    """The matching ``pg_restore`` (objects dropped and re-created), password left out."""
    return (
        f"PGPASSWORD='…' pg_restore --clean --if-exists --no-owner --dbname={shlex.quote(libpq_url(url))} "
        f"{shlex.quote(str(target))}"
    )
