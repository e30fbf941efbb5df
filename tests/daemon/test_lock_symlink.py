"""One daemon per database, whatever path names the database: a symlink to the file (or to its folder) leads to
the same lock as the file itself."""

from __future__ import annotations

from pathlib import Path

import pytest

from storage.db import make_engine
from yuqing.daemon import lock
from yuqing.errors import DaemonRunning


def _acquire(database: Path) -> lock.DaemonLock:
    engine = make_engine(f"sqlite:///{database}")
    try:
        return lock.acquire(engine)
    finally:
        engine.dispose()


def test_a_symlink_to_the_database_file_meets_the_same_lock(tmp_path: Path) -> None:
    real = tmp_path / "yuqing.db"
    real.touch()
    link = tmp_path / "link.db"
    link.symlink_to(real)

    with _acquire(real), pytest.raises(DaemonRunning) as refused:
        _acquire(link)
    assert "已有守护进程在运行" in str(refused.value)

    with _acquire(link), pytest.raises(DaemonRunning):  # and the other way round
        _acquire(real)


def test_a_symlinked_folder_meets_the_same_lock(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "yuqing.db").touch()
    alias = tmp_path / "alias"
    alias.symlink_to(data, target_is_directory=True)

    with _acquire(data / "yuqing.db"), pytest.raises(DaemonRunning):
        _acquire(alias / "yuqing.db")
    assert not (alias / "yuqing.db.daemon.lock").is_symlink()
    assert (data / "yuqing.db.daemon.lock").is_file()


def test_the_lock_sits_beside_the_real_file(tmp_path: Path) -> None:
    real = tmp_path / "real" / "yuqing.db"
    real.parent.mkdir()
    real.touch()
    link = tmp_path / "link.db"
    link.symlink_to(real)
    engine = make_engine(f"sqlite:///{link}")
    try:
        assert lock.lock_path(engine) == real.parent.resolve() / "yuqing.db.daemon.lock"
    finally:
        engine.dispose()
