"""A crawl killed mid-way (SIGKILL, a real child process) resumes on the next run: nothing lost, nothing twice."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from storage.models import CrawlState, Document
from tests.crawlers.conftest import DAY4, ROOT, run_crawl, source
from yuqing.simweb import SimWeb
from yuqing.simweb import feeds as sim_feeds

pytestmark = pytest.mark.slow  # crawler child processes, killed

# AutoThrottle's start delay spaces the requests, so the crawl is still running when it is killed.
SLOW_CRAWL = """
[crawl]
download_timeout = "5s"
retries = 0
retry_backoff = "0s"
autothrottle = true
concurrency_per_domain = 1
"""


def stored_count(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.scalar(select(func.count()).select_from(Document)) or 0)


def test_a_killed_crawl_resumes_without_loss_or_duplicates(
    web: SimWeb, engine: Engine, crawl_config: Callable[..., Path]
) -> None:
    config = crawl_config(source("city", "site", f"{web.url}/city/", "local", max_pages=10), crawl=SLOW_CRAWL)
    expected = {sim_feeds.link_of(web.scene(), item) for item in web.scene().visible("city")}
    assert len(expected) >= 10
    command = [sys.executable, "-m", "crawlers", "--config", str(config), "--now", DAY4.isoformat()]
    child = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while stored_count(engine) < 3 and child.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)  # polling the database for progress, not timing the logic under test
        assert child.poll() is None, "the crawl finished before it could be killed; slow it down"
        child.send_signal(signal.SIGKILL)
    finally:
        child.wait(timeout=30)
    killed_at = stored_count(engine)
    assert 3 <= killed_at < len(expected)
    with engine.connect() as connection:
        # the list pages' validators are kept only after a clean crawl, so the next run re-reads them
        assert connection.scalar(select(func.count()).select_from(CrawlState)) == 0

    with engine.connect() as connection:
        stored_before = {row[0].removeprefix(web.url) for row in connection.execute(select(Document.url))}
    hits_before = web.hits.snapshot()
    resumed = run_crawl(config, DAY4)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert resumed.summaries["city"]["new"] == len(expected) - killed_at
    with engine.connect() as connection:
        urls = [row[0] for row in connection.execute(select(Document.url))]
    assert sorted(urls) == sorted(expected)
    hits_after = web.hits.snapshot()
    refetched = [path for path in stored_before if hits_after.get(path, 0) > hits_before.get(path, 0)]
    assert not refetched, f"articles stored before the kill were fetched again: {refetched}"
