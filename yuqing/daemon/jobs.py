"""What each daemon job does, on the long-lived parts the composition root built once.

The job store holds references to the module-level functions at the bottom (``daemon.jobs:crawl`` …);
``scheduler.JobsExecutor`` calls them with the daemon's :class:`Jobs` as the keyword ``jobs``, so nothing but a
source name is pickled into the database. Every run goes through :meth:`Jobs.run`, the one error boundary:
it records the run in ``job_runs``, logs one line with its counts (or its error, with the traceback), and
never raises, so a failing job is retried at its next time and the others go on.

The post's path: ``crawl(source)`` starts ``python -m crawlers`` as a child process (Twisted's reactor
cannot restart); when it stored something, ``process`` tags, detects and runs an alerts tick at once, so
an alert leaves within seconds of the fetch. ``tick`` also runs on its own every minute for the clocks.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import threading
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from alerts.outbox import deliver
from alerts.tick import queue_self_test, tick
from crawlers import child as crawl_child
from crawlers.child import CrawlSummary
from incidents.detect import detect
from incidents.grouping import FingerprintCache
from nlp.pending import tag_untagged
from nlp.tagger import Post, Tags
from reports import publish
from storage import incidents as incident_rows
from storage import jobs as job_rows
from storage.db import transaction
from yuqing.runtime import Runtime
from yuqing.vocabulary import grade_rank

logger = logging.getLogger(__name__)

CHILD_STOP_GRACE = 30.0  # seconds a crawl child gets to finish after SIGTERM before it is killed


@dataclass
class Tagging:
    """The tagger loaded once for the daemon's life: its ``tag_many`` (in this process) and model version."""

    tag_many: Callable[[Sequence[Post]], list[Tags]]
    version: str


@dataclass
class Jobs:
    """The daemon's jobs over one runtime; ``clock`` is the only reader of the time."""

    runtime: Runtime
    tagging: Tagging
    clock: Callable[[], datetime]
    reports_out: Path  # where the digest and the evaluations are written
    log_level: str = "WARNING"
    _pipeline: threading.Lock = field(default_factory=threading.Lock)
    _children: set[subprocess.Popen[str]] = field(default_factory=set)
    _children_lock: threading.Lock = field(default_factory=threading.Lock)
    _stopping: threading.Event = field(default_factory=threading.Event)
    _cache: FingerprintCache = field(default_factory=FingerprintCache)

    # The error boundary ----------------------------------------------------------------------------

    def run(self, job_id: str, step: Callable[[], str]) -> str | None:
        """Run one job: record it, log one summary line, swallow and record its error."""
        if self._stopping.is_set():
            return None
        started = self.clock()
        with transaction(self.runtime.sessions) as session:
            job_rows.started(session, job_id, started)
        summary, error = None, None
        try:
            summary = step()
        except Exception as exc:
            error = f"{type(exc).__name__}: {exc}"
            logger.exception("job=%s failed error=%s", job_id, error)
        finished = self.clock()
        with transaction(self.runtime.sessions) as session:
            job_rows.finished(session, job_id, finished, summary, error)
        if error is None:
            seconds = (finished - started).total_seconds()
            logger.info("job=%s ok seconds=%.1f %s", job_id, seconds, summary)
        return summary

    # The jobs --------------------------------------------------------------------------------------

    def crawl(self, source: str) -> str:
        """One crawl of ``source`` in a child process; tag, detect and tick at once if it stored anything."""
        summary = self.crawl_child(source)
        text = (
            f"fetched={summary.fetched} new={summary.new} updated={summary.updated} "
            f"duplicate={summary.duplicate} failed={summary.failed}"
        )
        if summary.new or summary.updated:
            text += " | " + self.process()
        if summary.error:
            raise RuntimeError(f"采集失败：{summary.error}（{text}）")
        return text

    def crawl_child(self, source: str) -> CrawlSummary:
        argv = crawl_child.command(self.runtime.config.path, [source], self.clock(), self.log_level)
        # Its own session: a Ctrl-C in the terminal reaches the daemon only, which then stops the child.
        child = crawl_child.start(argv, start_new_session=True)
        with self._children_lock:
            self._children.add(child)
        try:
            done = crawl_child.finish(child)
        finally:
            with self._children_lock:
                self._children.discard(child)
        if not done.summaries:
            raise RuntimeError(f"采集子进程异常退出（退出状态 {done.returncode}），见日志")
        return done.summaries[0]

    def process(self) -> str:
        """Tag what is untagged, detect incidents, evaluate clocks and deliver; one run at a time."""
        with self._pipeline:
            sessions, config = self.runtime.sessions, self.runtime.config
            tagged = tag_untagged(sessions, self.tagging.tag_many, self.tagging.version, self.clock)
            now = self.clock()
            result = detect(sessions, now, config, self._cache)
            report = tick(sessions, config, now)
            closed = [t.incident_id for t in result.transitions if t.after == "closed"]
            evaluated = [str(i) for i in closed if self._evaluate(i)]
        return (
            f"tagged={tagged} placed={result.placed} promoted={len(result.promoted)} "
            f"regraded={len(result.regraded)} closed={len(closed)} evaluated={len(evaluated)} "
            f"queued={sum(report.queued.values())} sent={report.delivery.sent} failed={report.delivery.failed}"
        )

    def tick(self) -> str:
        report = tick(self.runtime.sessions, self.runtime.config, self.clock())
        delivery = report.delivery
        if delivery.failed:
            raise RuntimeError(f"投递失败 {delivery.failed} 封（将重试）：{'；'.join(delivery.errors)[:500]}")
        return (
            f"incidents={report.incidents} queued={sum(report.queued.values())} sent={delivery.sent} "
            f"unconfirmed={delivery.unconfirmed} requeued={delivery.requeued}"
        )

    def self_test(self) -> str:
        now = self.clock()
        queued = queue_self_test(self.runtime.sessions, self.runtime.config, now, Counter())
        delivery = deliver(self.runtime.sessions, self.runtime.config, now)
        return f"queued={int(queued)} sent={delivery.sent} failed={delivery.failed}"

    def digest(self) -> str:
        written = publish.weekly_digest(self.runtime.sessions, self.runtime.config, self.clock(), self.reports_out)
        return f"digest={written.html} sent={bool(written.sent)}"

    def _evaluate(self, incident_id: int) -> bool:
        """The evaluation of an incident that just closed; its failure is logged, the run goes on."""
        with self.runtime.sessions() as session:
            grade = incident_rows.grade_of(session, incident_id) or "general"
        if grade_rank(grade) < grade_rank(self.runtime.config.clocks.response_min_grade):
            # an incident that needed no answer has no handling to evaluate; it is in the weekly digest
            logger.info("evaluation not due incident=%d grade=%s", incident_id, grade)
            return False
        try:
            written = publish.evaluation(
                self.runtime.sessions, self.runtime.config, incident_id, self.clock(), self.reports_out, send=True
            )
            logger.info("evaluation incident=%d evaluation=%s sent=%s", incident_id, written.html, bool(written.sent))
        except Exception as exc:
            logger.exception("evaluation failed incident=%d error=%s", incident_id, exc)
            return False
        return True

    # Shutdown ----------------------------------------------------------------------------------------

    def stop(self, grace: float = CHILD_STOP_GRACE) -> None:
        """Start no more runs; ask each running crawl child to finish (SIGTERM), kill it after ``grace``.

        Scrapy answers SIGTERM by closing its spider: requests in flight finish, every stored post was its
        own transaction, so whatever the child leaves behind is whole rows only.
        """
        self._stopping.set()
        with self._children_lock:
            children = list(self._children)
        for child in children:
            logger.info("stopping crawl child pid=%d", child.pid)
            _signal(child, signal.SIGTERM)
        for child in children:
            try:
                child.wait(grace)
            except subprocess.TimeoutExpired:
                logger.warning("crawl child pid=%d did not stop in %.0fs: killed", child.pid, grace)
                _signal(child, signal.SIGKILL)
                child.wait()


def _signal(child: subprocess.Popen[str], number: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(child.pid, number)


# The functions the job store refers to (``daemon.jobs:<name>``). The executor passes the daemon's Jobs as the
# keyword ``jobs``; it has a default only so that APScheduler's signature check accepts the stored arguments.


def crawl(source: str, *, jobs: Jobs | None = None) -> str | None:
    assert jobs is not None, "run by scheduler.JobsExecutor"
    return jobs.run(f"crawl:{source}", lambda: jobs.crawl(source))


def alerts_tick(*, jobs: Jobs | None = None) -> str | None:
    assert jobs is not None, "run by scheduler.JobsExecutor"
    return jobs.run("alerts_tick", jobs.tick)


def process(*, jobs: Jobs | None = None) -> str | None:
    assert jobs is not None, "run by scheduler.JobsExecutor"
    return jobs.run("process", jobs.process)


def weekly_digest(*, jobs: Jobs | None = None) -> str | None:
    assert jobs is not None, "run by scheduler.JobsExecutor"
    return jobs.run("weekly_digest", jobs.digest)


def self_test(*, jobs: Jobs | None = None) -> str | None:
    assert jobs is not None, "run by scheduler.JobsExecutor"
    return jobs.run("self_test", jobs.self_test)
