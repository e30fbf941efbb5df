"""``yuqing run`` as a real process against the simulated web and a real SMTP server: one daemon per
database, a clean stop on SIGTERM, and a SIGKILL in the middle of a crawl that loses, doubles and resends
nothing: after the restart every published post is stored once, every email arrived once, and the
incident's clocks run from the instants stored before the kill."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from storage.db import migrate
from storage.models import Document, Incident, JobRun, OutboxMessage
from yuqing.simweb.loopback import MailServer
from yuqing.simweb.server import SimWeb

pytestmark = pytest.mark.slow  # the daemon as a real process, killed

ROOT = Path(__file__).resolve().parents[2]
# The crane storyline's first posts (3d19h20m after the scenario start) were published a few minutes ago.
SCENARIO_START = datetime.now(UTC) - timedelta(days=3, hours=19, minutes=40)

CONFIG = """
[database]
url = "{url}"

[[sources]]
name = "微博搜索"
type = "weibo"
url = "{web}/weibo/api/container/getIndex"
tier = "self_media"
keywords = ["塔吊", "临沂"]
pages = 10
interval = "5s"

[[sources]]
name = "齐鲁时讯网-订阅"
type = "feed"
url = "{web}/feeds/rss.xml"
tier = "provincial"
interval = "5s"

[crawl]
autothrottle = false
retry_backoff = "0s"

[smtp]
host = "127.0.0.1"
port = {port}
sender = "住建舆情监测 <yuqing@zjt.example.cn>"

[recipients]
duty = ["duty@zjt.example.cn"]

[alerts]
self_test = false

[grading]
topic_min_grade = {{ expropriation = "large" }}
"""


@pytest.fixture
def web() -> Iterator[SimWeb]:
    with SimWeb(SCENARIO_START, clock=lambda: datetime.now(UTC)) as served:
        yield served


@pytest.fixture
def daemon_config(
    write_config: Callable[..., Path], database_url: str, engine: Engine, web: SimWeb, smtp_server: MailServer
) -> Path:
    migrate(engine)
    return write_config(CONFIG.format(url=database_url, web=web.url, port=smtp_server.port))


def start_daemon(config: Path) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "yuqing", "--config", str(config), "run"]
    return subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_for(condition: Callable[[], bool], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)


def scalar(engine: Engine, statement):  # type: ignore[no-untyped-def]
    with engine.connect() as connection:
        return connection.scalar(statement)


def crawl_running(engine: Engine) -> bool:
    statement = select(func.count()).where(JobRun.job_id.like("crawl:%"), JobRun.finished_at.is_(None))
    return bool(scalar(engine, statement))


def test_second_daemon_refused_and_sigterm_stops_cleanly(daemon_config: Path, engine: Engine) -> None:
    first = start_daemon(daemon_config)
    try:
        wait_for(lambda: scalar(engine, select(func.count()).select_from(JobRun)) > 0)
        second = subprocess.run(
            [sys.executable, "-m", "yuqing", "--config", str(daemon_config), "run"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert second.returncode == 2
        assert "已有守护进程在运行" in second.stderr and f"进程 {first.pid}" in second.stderr
    finally:
        first.send_signal(signal.SIGTERM)
        out, err = first.communicate(timeout=60)
    assert first.returncode == 0, err
    assert "守护进程已停止" in out
    assert "job=" in err  # one line per job run


def test_sigkill_during_a_crawl_loses_and_doubles_nothing(
    daemon_config: Path, engine: Engine, smtp_server: MailServer
) -> None:
    first = start_daemon(daemon_config)
    wait_for(lambda: crawl_running(engine))
    first.send_signal(signal.SIGKILL)
    first.communicate(timeout=10)  # closes its pipes
    with engine.connect() as connection:
        before = connection.execute(select(Incident.id, Incident.first_reported_at, Incident.detected_at)).all()

    second = start_daemon(daemon_config)
    try:
        wait_for(lambda: scalar(engine, select(func.count()).select_from(OutboxMessage)) > 0, timeout=90)
        wait_for(lambda: scalar(engine, select(func.count()).where(OutboxMessage.status != "sent")) == 0)
        runs = lambda: scalar(engine, select(JobRun.runs).where(JobRun.job_id == "crawl:微博搜索")) or 0  # noqa: E731
        seen = runs()
        wait_for(lambda: runs() >= seen + 2)  # two more crawls: nothing new to store, nothing new to send
    finally:
        second.send_signal(signal.SIGTERM)
        _out, err = second.communicate(timeout=60)
    assert second.returncode == 0, err[-3000:]

    with engine.connect() as connection:
        urls = connection.scalars(select(Document.canonical_url)).all()
        incidents = connection.execute(select(Incident.id, Incident.first_reported_at, Incident.detected_at)).all()
        keys = connection.scalars(select(OutboxMessage.idempotency_key)).all()
    assert urls and len(urls) == len(set(urls))
    assert all(row in incidents for row in before)  # the stored instants were kept, not recomputed
    received = smtp_server.mailbox.received
    ids = [str(mail.message["Message-ID"]) for mail in received]
    assert len(ids) == len(set(ids)) == len(keys) == len(set(keys))
    assert any(mail.kind == "alert" for mail in received)
    if engine.dialect.name == "sqlite":
        assert os.path.exists(str(engine.url.database) + ".daemon.lock")
