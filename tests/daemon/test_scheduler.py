"""The daemon's schedule under a frozen clock: each job fires at its time, missed runs are coalesced into
one, a run later than its grace is skipped, and a restart keeps the stored next run times. No sleeps: the
clock is time-machine's, and the scheduler's loop is run by hand (``_process_jobs``) with an inline pool."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import Future
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine
from apscheduler.schedulers.base import BaseScheduler
from sqlalchemy import Engine

from scheduler import make_scheduler, register
from storage.db import migrate
from yuqing import config as config_module
from yuqing.daemon.specs import job_specs
from yuqing.instants import BEIJING

START = datetime(2026, 11, 30, 7, 50, tzinfo=BEIJING)  # a Monday; the digest is due at 08:30
CONFIG = """
[database]
url = "{url}"

[[sources]]
name = "快讯"
type = "feed"
url = "http://127.0.0.1:9/rss.xml"
tier = "provincial"
interval = "10m"

[[sources]]
name = "论坛"
type = "board"
url = "http://127.0.0.1:9/board"
tier = "local"
interval = "{slow}"
"""


class ManualScheduler(BaseScheduler):
    """The test drives the loop itself: no thread, no timer."""

    def wakeup(self) -> None:
        pass

    def shutdown(self, wait: bool = True) -> None:
        super().shutdown(wait)


class InlinePool:
    """Runs each submitted job at once, in the test's thread."""

    def submit(self, fn: Callable[..., Any], *args: Any) -> Future[Any]:
        future: Future[Any] = Future()
        try:
            future.set_result(fn(*args))
        except BaseException as exc:
            future.set_exception(exc)
        return future

    def shutdown(self, wait: bool = True) -> None:
        pass


class Recorder:
    """Stands in for ``daemon.jobs.Jobs``: records (job id, the frozen now) instead of crawling."""

    def __init__(self) -> None:
        self.runs: list[tuple[str, datetime]] = []

    def run(self, job_id: str, _step: Callable[[], str]) -> str:
        self.runs.append((job_id, datetime.now(BEIJING)))
        return "recorded"

    def __getattr__(self, name: str) -> Callable[..., str]:  # jobs.crawl, jobs.tick …: never called by run()
        return lambda *args: name

    def take(self) -> list[str]:
        taken = sorted(job for job, _at in self.runs)
        self.runs.clear()
        return taken


@pytest.fixture
def clock() -> Iterator[time_machine.Coordinates]:
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def start(engine: Engine, database_url: str, write_config: Callable[..., Path]) -> Callable[..., tuple[Any, Recorder]]:
    migrate(engine)
    started: list[BaseScheduler] = []

    def start_scheduler(slow: str = "30m") -> tuple[Any, Recorder]:
        config = config_module.load(write_config(CONFIG.format(url=database_url, slow=slow)))
        recorder = Recorder()
        scheduler = make_scheduler(engine, recorder, InlinePool(), ManualScheduler)  # type: ignore[arg-type]
        scheduler.start(paused=True)
        register(scheduler, job_specs(config))
        scheduler.resume()
        started.append(scheduler)
        return scheduler, recorder

    yield start_scheduler
    for scheduler in started:
        if scheduler.running:
            scheduler.shutdown(wait=False)


def advance(clock: time_machine.Coordinates, scheduler: Any, to: datetime) -> None:
    clock.move_to(to)
    scheduler._process_jobs()


def test_each_job_fires_at_its_time(clock: time_machine.Coordinates, start: Callable[..., Any]) -> None:
    scheduler, jobs = start()
    minutes = lambda n: START + timedelta(minutes=n)  # noqa: E731
    assert {job.id: job.next_run_time for job in scheduler.get_jobs()} == {
        "crawl:快讯": minutes(10),
        "crawl:论坛": minutes(30),
        "process": minutes(10),
        "alerts_tick": minutes(1),
        "weekly_digest": minutes(40),
        "self_test": minutes(10),
    }
    assert all(job.max_instances == 1 and job.coalesce for job in scheduler.get_jobs())

    advance(clock, scheduler, START + timedelta(seconds=59))
    assert jobs.take() == []
    advance(clock, scheduler, minutes(1))
    assert jobs.take() == ["alerts_tick"]
    advance(clock, scheduler, minutes(2))
    assert jobs.take() == ["alerts_tick"]
    advance(clock, scheduler, minutes(10))  # 08:00; eight ticks missed: one run
    assert jobs.take() == ["alerts_tick", "crawl:快讯", "process", "self_test"]
    advance(clock, scheduler, minutes(30))  # two 快讯 crawls due: one run
    assert jobs.take() == ["alerts_tick", "crawl:快讯", "crawl:论坛", "process"]
    advance(clock, scheduler, minutes(40))  # Monday 08:30
    assert jobs.take() == ["alerts_tick", "crawl:快讯", "process", "weekly_digest"]
    assert scheduler.get_job("weekly_digest").next_run_time == START + timedelta(days=7, minutes=40)

    advance(clock, scheduler, START + timedelta(days=1))  # a day later: every missed run coalesced into one
    assert jobs.take() == ["alerts_tick", "crawl:快讯", "crawl:论坛", "process"]
    assert scheduler.get_job("crawl:快讯").next_run_time == START + timedelta(days=1, minutes=10)
    advance(clock, scheduler, START + timedelta(days=1, minutes=10))
    assert jobs.take() == ["alerts_tick", "crawl:快讯", "process", "self_test"]


def test_a_run_later_than_its_grace_is_skipped(clock: time_machine.Coordinates, start: Callable[..., Any]) -> None:
    scheduler, jobs = start()
    advance(clock, scheduler, START + timedelta(days=3, minutes=41))  # the digest is 3 days and 1 minute late
    assert "weekly_digest" not in jobs.take()
    assert scheduler.get_job("weekly_digest").next_run_time == START + timedelta(days=7, minutes=40)
    advance(clock, scheduler, START + timedelta(days=7, minutes=40))
    assert "weekly_digest" in jobs.take()


def test_a_restart_keeps_next_run_times_and_runs_a_missed_job_once(
    clock: time_machine.Coordinates, start: Callable[..., Any]
) -> None:
    first, jobs = start()
    advance(clock, first, START + timedelta(minutes=10))
    jobs.take()
    first.shutdown(wait=False)

    clock.move_to(START + timedelta(hours=2, minutes=5))  # down for two hours
    second, jobs = start()
    assert second.get_job("crawl:快讯").next_run_time == START + timedelta(minutes=20)  # kept, not recomputed
    second._process_jobs()
    assert jobs.take() == ["alerts_tick", "crawl:快讯", "crawl:论坛", "process", "weekly_digest"]  # each once
    second.shutdown(wait=False)

    third, _jobs = start(slow="1h")  # a changed interval replaces that job only
    assert third.get_job("crawl:论坛").next_run_time == START + timedelta(hours=3, minutes=5)
    assert third.get_job("crawl:快讯").next_run_time == START + timedelta(hours=2, minutes=10)
