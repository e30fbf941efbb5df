"""Starting a crawl: ``python -m crawlers`` as a child process, and its summary per source as typed values.

Twisted's reactor cannot restart, so every crawl runs in a child process (``crawlers/__main__.py``), which
prints one JSON line per source. ``yuqing crawl``, the daemon's crawl jobs, the demo and the crawl benchmark
all start the child through :func:`start` / :func:`run` and read its lines through :func:`summaries_of`.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class CrawlSummary:
    """What one crawl of one source did; the child prints it as one JSON line."""

    source: str
    type: str
    fetched: int = 0
    new: int = 0
    duplicate: int = 0
    near_duplicate: int = 0
    updated: int = 0
    not_modified: int = 0
    requests: int = 0
    dropped: dict[str, int] = field(default_factory=dict)
    failed: int = 0
    failures: dict[str, int] = field(default_factory=dict)
    error: str | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> CrawlSummary:
        return cls(**{name: data[name] for name in cls.__dataclass_fields__ if name in data})


@dataclass(frozen=True)
class CrawlRun:
    """A finished child: its exit status and the summaries it printed (none when it died early)."""

    returncode: int
    summaries: list[CrawlSummary]


def command(
    config_path: Path, sources: Iterable[str] = (), now: datetime | str | None = None, log_level: str = "INFO"
) -> list[str]:
    """The child's command line. The child runs in the project folder (:func:`start`), so the config is passed
    as an absolute, resolved path: a relative one would name another file there (the repository's own
    config.toml). Its relative SQLite path still means the config's folder (``yuqing.config.load``)."""
    argv = [sys.executable, "-m", "crawlers", "--config", str(Path(config_path).resolve())]
    for name in sources:
        argv += ["--source", name]
    if now is not None:
        argv += ["--now", now if isinstance(now, str) else now.isoformat()]
    return [*argv, "--log-level", log_level]


def start(argv: list[str], **options: Any) -> subprocess.Popen[str]:
    """Start the child with its JSON lines on a pipe (``options`` go to :class:`subprocess.Popen`)."""
    return subprocess.Popen(argv, stdout=subprocess.PIPE, text=True, cwd=PROJECT_ROOT, **options)


def finish(child: subprocess.Popen[str]) -> CrawlRun:
    """Wait for the child; its summaries."""
    out, _ = child.communicate()
    return CrawlRun(child.returncode, summaries_of(out))


def run(argv: list[str], **options: Any) -> CrawlRun:
    """Start the child and wait for it."""
    return finish(start(argv, **options))


def summaries_of(stdout: str) -> list[CrawlSummary]:
    """The summaries among the child's output lines."""
    return [CrawlSummary.from_json(json.loads(line)) for line in stdout.splitlines() if line.startswith("{")]
