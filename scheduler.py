"""The daemon (``yuqing run``): APScheduler runs every stage on its own schedule, 7×24.

The daemon's parts are built from the same :class:`~yuqing.runtime.Runtime` as the command line's, so both
run the stages on exactly the same objects. ``yuqing run`` is :func:`run_daemon`: it takes the database's
daemon lock (``yuqing.daemon.lock``), loads the tagger once, and lets APScheduler 3 run the jobs of
``yuqing.daemon.specs`` (the functions of ``yuqing.daemon.jobs``) from a persistent job store on the project
database, so their next run times survive a restart and a run missed while the daemon was down is run once
(coalesced) when it comes back.

| job | when | does |
| --- | --- | --- |
| ``crawl:<source>`` | the source's ``interval`` | ``python -m crawlers`` child; if it stored any: tag, detect, tick |
| ``process`` | every 10 min | tag, detect, tick (documents from ``yuqing ingest``; lifecycle) |
| ``alerts_tick`` | ``[schedule].alerts_tick`` | evaluate every clock, queue, deliver |
| ``weekly_digest`` | ``[schedule].weekly_digest`` (北京时间) | ``yuqing digest --send`` |
| ``self_test`` | ``[schedule].self_test`` (北京时间) | the daily self-test email |
"""

from __future__ import annotations

import logging
import os
import signal
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from apscheduler.executors.pool import BasePoolExecutor
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler

from yuqing.daemon.specs import JOB_TABLE, JobSpec, job_specs
from yuqing.instants import BEIJING
from yuqing.runtime import Runtime

if TYPE_CHECKING:
    from concurrent.futures import Executor

    from apscheduler.schedulers.base import BaseScheduler
    from sqlalchemy import Engine

    from yuqing.daemon.jobs import Jobs

logger = logging.getLogger(__name__)


class JobsExecutor(BasePoolExecutor):
    """A pool executor that hands every job the daemon's :class:`~yuqing.daemon.jobs.Jobs` (keyword ``jobs``)."""

    def __init__(self, jobs: Any, pool: Executor) -> None:
        super().__init__(pool)
        self.jobs = jobs

    def _do_submit_job(self, job: Any, run_times: list[datetime]) -> None:
        super()._do_submit_job(_WithJobs(job, self.jobs), run_times)


class _WithJobs:
    """An APScheduler job seen by the executor, with the Jobs added to its keyword arguments."""

    def __init__(self, job: Any, jobs: Any) -> None:
        self._job = job
        self.kwargs = {**job.kwargs, "jobs": jobs}

    def __getattr__(self, name: str) -> Any:
        return getattr(self._job, name)

    def __str__(self) -> str:
        return str(self._job)


def make_scheduler(
    engine: Engine, jobs: Any, pool: Executor, scheduler_class: type[BaseScheduler] = BackgroundScheduler
) -> BaseScheduler:
    """The scheduler: job store on the project database, every job ``max_instances=1`` and coalesced."""
    return scheduler_class(
        jobstores={"default": SQLAlchemyJobStore(engine=engine, tablename=JOB_TABLE)},
        executors={"default": JobsExecutor(jobs, pool)},
        job_defaults={"coalesce": True, "max_instances": 1},
        timezone=BEIJING,
    )


def register(scheduler: BaseScheduler, specs: list[JobSpec]) -> None:
    """Make the job store hold exactly ``specs``; an unchanged stored job keeps its next run time."""
    wanted = {spec.id for spec in specs}
    for stored in scheduler.get_jobs():
        if stored.id not in wanted:
            logger.info("job removed id=%s", stored.id)
            scheduler.remove_job(stored.id)
    for spec in specs:
        stored = scheduler.get_job(spec.id)
        if stored is not None and _same(stored, spec):
            continue
        scheduler.add_job(
            spec.func,
            trigger=spec.trigger,
            args=list(spec.args),
            id=spec.id,
            name=spec.name,
            misfire_grace_time=spec.grace_seconds,
            coalesce=True,
            max_instances=1,
            replace_existing=True,
        )
        logger.info("job registered id=%s trigger=%s", spec.id, spec.trigger)


def _same(stored: Any, spec: JobSpec) -> bool:
    return (
        stored.func_ref == spec.func
        and tuple(stored.args) == spec.args
        and str(stored.trigger) == str(spec.trigger)
        and stored.misfire_grace_time == spec.grace_seconds
        and stored.name == spec.name
    )


# The daemon ------------------------------------------------------------------------------------------


def build_jobs(runtime: Runtime, clock: Callable[[], datetime], log_level: str = "WARNING") -> Jobs:
    """The daemon's jobs with the tagger loaded once; reports go to ``reports-out`` beside the config."""
    from nlp.tagger import Tagger
    from yuqing.daemon.jobs import Jobs, Tagging

    tagger = Tagger.load()
    tagging = Tagging(tag_many=lambda posts: tagger.tag_many(posts, keywords=True), version=tagger.version)
    return Jobs(runtime, tagging, clock, runtime.config.path.parent / "reports-out", log_level=log_level)


def run_daemon(runtime: Runtime, stop: threading.Event | None = None) -> int:
    """``yuqing run``: hold the lock, run every job until SIGTERM/SIGINT (or ``stop``), shut down cleanly."""
    from concurrent.futures import ThreadPoolExecutor

    from storage.db import ensure_ready
    from yuqing.daemon.lock import acquire

    ensure_ready(runtime.engine)
    stop = stop or threading.Event()
    with acquire(runtime.engine):
        jobs = build_jobs(runtime, lambda: datetime.now(UTC), logging.getLevelName(logging.getLogger().level))
        specs = job_specs(runtime.config)
        pool = ThreadPoolExecutor(max_workers=len(specs) + 1, thread_name_prefix="job")
        scheduler = make_scheduler(runtime.engine, jobs, pool)
        _on_signals(stop)
        scheduler.start(paused=True)
        register(scheduler, specs)
        # Catch up at once on what a crash or a stop left behind: posts stored but not yet tagged, detected
        # or alerted on would otherwise wait for the next ``process`` run (and a crawl that finds nothing
        # new does not trigger one).
        scheduler.modify_job("process", next_run_time=datetime.now(UTC))
        scheduler.resume()
        logger.info("daemon started pid=%d jobs=%d", os.getpid(), len(specs))
        print(
            f"守护进程已启动（进程 {os.getpid()}），共 {len(specs)} 个任务；按 Ctrl-C 或发送 SIGTERM 停止。", flush=True
        )
        stop.wait()
        logger.info("daemon stopping")
        scheduler.pause()
        jobs.stop()
        scheduler.shutdown(wait=True)
    logger.info("daemon stopped")
    print("守护进程已停止。", flush=True)
    return 0


def _on_signals(stop: threading.Event) -> None:
    if threading.current_thread() is not threading.main_thread():
        return
    for number in (signal.SIGTERM, signal.SIGINT):
        signal.signal(number, lambda *_: stop.set())
