"""Crawler fixtures: the simulated web on loopback, a migrated database, and the real crawl entry point.

Crawls run the way production runs them: ``python -m crawlers`` in a child process, against ``simweb`` (and a
tiny feed server of our own that links to simweb's trap pages).
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from storage.db import migrate
from yuqing.simweb import DEFAULT_START, SimWeb

ROOT = Path(__file__).resolve().parents[2]
DAY4 = DEFAULT_START + timedelta(days=4)
DAY6 = DEFAULT_START + timedelta(days=6)


@pytest.fixture
def web() -> Iterator[SimWeb]:
    with SimWeb(start=DEFAULT_START) as server:
        server.set_now(DAY4)
        yield server


@pytest.fixture
def database(engine: Engine, database_url: str) -> str:
    """A migrated database; returns its URL."""
    migrate(engine)
    return database_url


@dataclass
class Crawl:
    returncode: int
    summaries: dict[str, dict[str, Any]]
    stderr: str


CRAWL_SECTION = """
[crawl]
download_timeout = "3s"
retries = 2
retry_backoff = "0s"
autothrottle = false
concurrency_per_domain = 8
"""


@pytest.fixture
def crawl_config(write_config: Callable[..., Path], database: str) -> Callable[[str], Path]:
    """Write config.toml with the test database, a fast [crawl] section and the given [[sources]] text."""

    def make(sources: str, crawl: str = CRAWL_SECTION) -> Path:
        return write_config(f'[database]\nurl = "{database}"\n{crawl}\n{sources}')

    return make


def run_crawl(config: Path, now: datetime, *sources: str) -> Crawl:
    """``python -m crawlers`` as a child process; the JSON summary lines keyed by source."""
    command = [sys.executable, "-m", "crawlers", "--config", str(config), "--now", now.isoformat()]
    for name in sources:
        command += ["--source", name]
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=120, check=False)
    summaries = {}
    for line in done.stdout.splitlines():
        if line.startswith("{"):
            summary = json.loads(line)
            summaries[summary["source"]] = summary
    return Crawl(done.returncode, summaries, done.stderr)


def source(name: str, type_: str, url: str, tier: str = "provincial", **extra: Any) -> str:
    """One [[sources]] table."""
    lines = [f'[[sources]]\nname = "{name}"\ntype = "{type_}"\nurl = "{url}"\ntier = "{tier}"']
    lines += [f"{key} = {_toml(value)}" for key, value in extra.items()]
    return "\n".join(lines) + "\n"


def _toml(value: Any) -> str:
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{key} = {_toml(inner)}" for key, inner in value.items()) + " }"
    return json.dumps(value, ensure_ascii=False)


class _FeedHandler(BaseHTTPRequestHandler):
    body = b""

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/rss+xml; charset=utf-8")
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def trap_feed(web: SimWeb) -> Iterator[Callable[[list[str]], str]]:
    """Serve an RSS 2.0 feed (no summaries) whose entries link to the given simweb paths; returns its URL."""
    servers: list[ThreadingHTTPServer] = []

    def serve(paths: list[str]) -> str:
        date = format_datetime(DEFAULT_START + timedelta(hours=2))
        items = "".join(
            f"<item><title>测试条目 {n}</title><link>{web.url}{path.replace('&', '&amp;')}</link>"
            f"<pubDate>{date}</pubDate></item>"
            for n, path in enumerate(paths)
        )
        head = '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>陷阱</title>'
        body = f"{head}{items}</channel></rss>"
        handler = type("Handler", (_FeedHandler,), {"body": body.encode()})
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/feed.xml"

    yield serve
    for server in servers:
        server.shutdown()
        server.server_close()
