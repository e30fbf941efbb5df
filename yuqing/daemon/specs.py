"""The daemon's jobs as specifications: one crawl per enabled source, then the shared jobs, with their triggers.

``scheduler.py`` registers exactly these in APScheduler's job store; ``yuqing status`` lists them with their
Chinese names and reads their next run times from the same store (``JOB_TABLE``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from yuqing.config import Config
from yuqing.instants import BEIJING

if TYPE_CHECKING:
    from apscheduler.triggers.base import BaseTrigger

JOB_TABLE = "apscheduler_jobs"
PROCESS_EVERY = timedelta(minutes=10)


@dataclass(frozen=True)
class JobSpec:
    """One job as registered: its id, the ``daemon.jobs`` function, its arguments, trigger and grace."""

    id: str
    name: str  # Chinese, for ``yuqing status``
    func: str
    args: tuple[str, ...]
    trigger: BaseTrigger
    misfire_grace: timedelta

    @property
    def grace_seconds(self) -> int:
        return int(self.misfire_grace.total_seconds())


def job_specs(config: Config) -> list[JobSpec]:
    """Every job of the daemon for ``config``: a crawl per enabled source, then the shared jobs.

    Grace: a late crawl or tick is still worth running (once, coalesced) within a day; the self-test
    within a day (as ``alerts tick`` does); the weekly digest within three days of its Monday.
    """
    day = timedelta(days=1)
    specs = [
        JobSpec(
            f"crawl:{source.name}",
            f"采集 {source.name}",
            "yuqing.daemon.jobs:crawl",
            (source.name,),
            IntervalTrigger(seconds=int(source.interval.total_seconds()), timezone=BEIJING),
            day,
        )
        for source in config.sources
        if source.enabled
    ]
    tick_every = config.schedule.alerts_tick
    cron = config.schedule
    specs += [
        JobSpec("process", "标注与研判", "yuqing.daemon.jobs:process", (), _every(PROCESS_EVERY), day),
        JobSpec("alerts_tick", "时限检查与投递", "yuqing.daemon.jobs:alerts_tick", (), _every(tick_every), day),
        JobSpec(
            "weekly_digest", "舆情周报", "yuqing.daemon.jobs:weekly_digest", (), _crontab(cron.weekly_digest), 3 * day
        ),
        JobSpec("self_test", "每日自检", "yuqing.daemon.jobs:self_test", (), _crontab(cron.self_test), day),
    ]
    return specs


def _every(interval: timedelta) -> IntervalTrigger:
    return IntervalTrigger(seconds=int(interval.total_seconds()), timezone=BEIJING)


def _crontab(expression: str) -> CronTrigger:
    return CronTrigger.from_crontab(expression, timezone=BEIJING)
