"""Distributed crawling: ``[crawl] queue = "redis"`` against a real Redis server and the simulated web.

The server is ``YUQING_TEST_REDIS_URL`` when set (CI starts one), else a ``redis-server`` started here on a free
loopback port without persistence; without either the tests that need it are skipped (failed under CI). Every
test uses source names of its own, so its Redis keys (``yuqing:<source>:…``) are its own, and deletes them.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

import pytest
import redis
from sqlalchemy import Engine, select

from crawlers.settings import REDIRECT_MAX_TIMES
from storage.models import Document, Source
from tests.crawlers.conftest import CRAWL_SECTION, DAY6, ROOT, Crawl, source
from yuqing import config
from yuqing.errors import ConfigError
from yuqing.simweb import SimWeb
from yuqing.simweb import feeds as sim_feeds
from yuqing.simweb import news as sim_news
from yuqing.simweb.loopback import free_port

pytestmark = pytest.mark.slow  # crawler child processes on a real Redis

# Read once, before the autouse fixture clears YUQING_* for every test (as tests/conftest.py does for PostgreSQL).
TEST_REDIS_URL = os.environ.get("YUQING_TEST_REDIS_URL", "")
ON_CI = bool(os.environ.get("CI"))


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A Redis server: YUQING_TEST_REDIS_URL, or a redis-server of our own on loopback (no persistence)."""
    if TEST_REDIS_URL:
        yield TEST_REDIS_URL
        return
    with redis_server(tmp_path_factory.mktemp("redis")) as (url, _server):
        yield url


@contextlib.contextmanager
def redis_server(directory: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """A redis-server on a free loopback port, without persistence: its URL and process."""
    binary = shutil.which("redis-server")
    if binary is None:
        message = "no Redis: set YUQING_TEST_REDIS_URL or put redis-server on PATH (apt-get install redis-server)"
        if ON_CI:
            pytest.fail(message)
        pytest.skip(message)
    port = free_port()
    command = [binary, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no"]
    command += ["--daemonize", "no", "--dir", str(directory), "--logfile", str(directory / "redis.log")]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_until(lambda: _listening(port) or server.poll() is not None, "redis-server to listen")
        assert server.poll() is None, f"redis-server exited with status {server.returncode}"
        yield f"redis://127.0.0.1:{port}/0", server
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture
def names(redis_url: str) -> Iterator[Callable[[str], str]]:
    """Source names unique to this test; their Redis keys are deleted afterwards."""
    tag = uuid.uuid4().hex[:8]
    yield lambda name: f"{name}-{tag}"
    client = redis.Redis.from_url(redis_url)
    try:
        keys = list(client.scan_iter(match=f"yuqing:*-{tag}:*"))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


def redis_section(url: str) -> str:
    return f'{CRAWL_SECTION}queue = "redis"\nredis_url = "{url}"\n'


def test_two_processes_share_the_queue_and_fetch_every_article_once(
    web: SimWeb, engine: Engine, crawl_config: Callable[..., Path], redis_url: str, names: Callable[[str], str]
) -> None:
    web.set_now(DAY6)
    site, feed = names("news"), names("city")
    config = crawl_config(
        source(site, "site", f"{web.url}/news/", max_pages=10) + source(feed, "feed", f"{web.url}/feeds/rss1.rdf"),
        redis_section(redis_url),
    )
    scene = web.scene()
    expected = {
        site: {scene.absolute(sim_news.article_path(scene, item)) for item in scene.visible("news")},
        feed: {sim_feeds.link_of(scene, item) for item in scene.visible("city")[: sim_feeds.FEED_SIZE]},
    }
    articles = {url.removeprefix(web.url) for urls in expected.values() for url in urls}
    assert len(articles) == len(expected[site]) + len(expected[feed]) > 60

    crawls = run_together(config, DAY6, processes=2)

    assert [crawl.returncode for crawl in crawls] == [0, 0], [crawl.stderr[-3000:] for crawl in crawls]
    hits = web.hits.snapshot()
    assert {path: hits.get(path, 0) for path in articles} == dict.fromkeys(articles, 1), "an article was fetched twice"
    for name, urls in expected.items():
        assert set(stored(engine, name)) == urls
        summaries = [crawl.summaries[name] for crawl in crawls]
        assert all(summary["error"] is None and summary["failed"] == 0 for summary in summaries), summaries
        assert sum(summary["new"] for summary in summaries) == len(urls)
        assert sum(summary["fetched"] for summary in summaries) == len(urls)
        assert sum(summary["duplicate"] for summary in summaries) == 0
    # the processes' summaries account for every request simweb answered: each article once, and robots.txt
    # (per source), the feed and the list pages at most once per process (every round reads them again)
    assert sum(summary["requests"] for crawl in crawls for summary in crawl.summaries.values()) == web.hits.total()
    pages = {path: count for path, count in hits.items() if path not in articles and path != "/robots.txt"}
    assert set(pages) == {"/feeds/rss1.rdf", "/news/", "/news/list_2.html", "/news/list_3.html"}
    assert max(pages.values()) <= 2 and hits["/robots.txt"] <= 4, hits

    again = run_together(config, DAY6, processes=2)
    assert [crawl.returncode for crawl in again] == [0, 0]
    assert all(s["new"] == 0 and s["error"] is None for crawl in again for s in crawl.summaries.values())
    assert {path: web.hits[path] for path in articles} == dict.fromkeys(articles, 1), "a known article was fetched"


def test_a_failed_article_gives_its_claim_back_for_the_next_round(
    web: SimWeb,
    crawl_config: Callable[..., Path],
    trap_feed: Callable[[list[str]], str],
    redis_url: str,
    names: Callable[[str], str],
) -> None:
    """Retries and redirects of a claimed article are not taken for a peer's copy; a failed article is tried again
    by the next round, while one that was fetched (and dropped for want of text) is not, within the round."""
    broken = names("broken")
    feed = trap_feed(["/status/404", "/redirect-loop", "/flaky/k1", "/news/empty.html"])
    config = crawl_config(source(broken, "feed", feed), redis_section(redis_url))
    for round_ in (1, 2):
        (crawl,) = run_together(config, DAY6, processes=1)
        assert crawl.summaries[broken]["failures"] == {"http_404": 1, "redirect_loop": 1}, crawl.stderr[-3000:]
        assert web.hits["/status/404"] == round_
        assert web.hits["/redirect-loop"] == round_ * (REDIRECT_MAX_TIMES + 1)
    assert crawl.summaries[broken]["new"] == 0 and web.hits["/flaky/k1"] == 3  # two 503s, then stored in round 1
    assert web.hits["/news/empty.html"] == 1


def test_queue_redis_without_an_address_is_a_config_error(crawl_config: Callable[..., Path]) -> None:
    config = crawl_config("", f'{CRAWL_SECTION}queue = "redis"\n')
    done = subprocess.run(
        [sys.executable, "-m", "crawlers", "--config", str(config)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert 'queue = "redis" 时必须给出 [crawl].redis_url' in done.stderr and "Traceback" not in done.stderr


def test_the_redis_address_is_checked_and_its_password_comes_from_the_environment(
    write_config: Callable[..., Path],
) -> None:
    def load(crawl: str, environ: dict[str, str] | None = None) -> config.Config:
        return config.load(write_config(f'[crawl]\nqueue = "redis"\n{crawl}'), environ or {})

    with pytest.raises(ConfigError) as caught:
        load('redis_url = "redis://:s3cret@10.0.0.5:6379/0"')
    assert "[crawl].redis_url: 不要把密码写在配置文件里" in str(caught.value) and "s3cret" not in str(caught.value)
    with pytest.raises(ConfigError, match=r"\[crawl\]\.redis_url: 应为 Redis 地址"):
        load('redis_url = "http://10.0.0.5:6379"')
    with pytest.raises(ConfigError, match=r"\[crawl\]\.redis_url_env: .*环境变量 YQ_REDIS 未设置"):
        load('redis_url_env = "YQ_REDIS"')
    both = 'redis_url = "redis://10.0.0.5:6379/0"\nredis_url_env = "YQ_REDIS"'
    assert load(both).redis_url == "redis://10.0.0.5:6379/0"
    assert load(both, {"YQ_REDIS": "rediss://:s3cret@10.0.0.5:6380/1"}).redis_url == "rediss://:s3cret@10.0.0.5:6380/1"
    assert config.load(write_config('[crawl]\nredis_url = "redis://10.0.0.5/0"'), {}).redis_url is None  # memory


@pytest.mark.parametrize("server", ["none", "silent"])
def test_an_unreachable_redis_fails_each_source_with_a_chinese_message(
    web: SimWeb, engine: Engine, crawl_config: Callable[..., Path], server: str
) -> None:
    """Nothing listening (refused at once), or a server that accepts and never answers (the 5 s timeout)."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        if server == "silent":
            silent.listen(8)
        url = f"redis://127.0.0.1:{silent.getsockname()[1]}/0"
        config = crawl_config(source("rss", "feed", f"{web.url}/feeds/rss.xml"), redis_section(url))
        started = time.monotonic()
        (crawl,) = run_together(config, DAY6, processes=1)
    assert time.monotonic() - started < 30
    assert crawl.returncode == 1 and "Traceback" not in crawl.stderr
    error = crawl.summaries["rss"]["error"]
    assert error.startswith(f"无法连接共享队列的 Redis 服务器 {url}") and "提示" in error
    assert web.hits.total() == 0
    with engine.connect() as connection:
        assert connection.scalar(select(Source.last_error).where(Source.name == "rss")) == error


def test_losing_redis_mid_crawl_ends_the_crawl_with_a_chinese_message(
    web: SimWeb, crawl_config: Callable[..., Path], tmp_path: Path
) -> None:
    with redis_server(tmp_path) as (url, server):
        config = crawl_config(source("news", "site", f"{web.url}/news/", max_pages=10), redis_section(url))
        command = [sys.executable, "-m", "crawlers", "--config", str(config), "--now", DAY6.isoformat()]
        child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
        try:
            _wait_until(lambda: web.hits["/news/"] > 0, "the crawler to fetch the list page")
            server.kill()
            stdout, stderr = child.communicate(timeout=60)
        finally:
            child.kill()
    assert child.returncode == 1 and "Traceback" not in stderr, stderr[-3000:]
    (summary,) = [json.loads(line) for line in stdout.splitlines() if line.startswith("{")]
    assert summary["error"].startswith(f"与共享队列的 Redis 服务器 {url} 的连接中断")


def run_together(config: Path, now: datetime, processes: int) -> list[Crawl]:
    """``processes`` crawler processes started at once on the same config; their outcomes once all ended."""
    command = [sys.executable, "-m", "crawlers", "--config", str(config), "--now", now.isoformat()]
    children = [
        subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
        for _ in range(processes)
    ]
    crawls = []
    for child in children:
        try:
            stdout, stderr = child.communicate(timeout=120)
        finally:
            child.kill()
        summaries = [json.loads(line) for line in stdout.splitlines() if line.startswith("{")]
        crawls.append(Crawl(child.returncode, {s["source"]: s for s in summaries}, stderr))
    return crawls


def stored(engine: Engine, name: str) -> list[str]:
    with engine.connect() as connection:
        statement = select(Document.url).join(Source, Source.id == Document.source_id).where(Source.name == name)
        return list(connection.scalars(statement))


def _listening(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
    except OSError:
        return False
    return True


def _wait_until(condition: Callable[[], bool], what: str, timeout: float = 30.0) -> None:
    """Poll ``condition`` until it holds (a server to start, a request to arrive); fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"gave up waiting for {what} after {timeout} s")
        time.sleep(0.01)
