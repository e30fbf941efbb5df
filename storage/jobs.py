"""The ``job_runs`` table: the last run of each daemon job, for ``yuqing status``.

A run is written twice: when it starts (``started``) and when it ends (``finished``), each in its own
short transaction, so a daemon killed mid-run leaves a row that says so (started, not finished).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from sqlalchemy import inspect, select, text
from sqlalchemy.orm import Session

from storage.models import JobRun

logger = logging.getLogger(__name__)


def started(session: Session, job_id: str, now: datetime) -> None:
    row = session.get(JobRun, job_id)
    if row is None:
        row = JobRun(job_id=job_id, started_at=now, runs=0, failures=0)
        session.add(row)
    row.started_at, row.finished_at, row.ok = now, None, None


def finished(session: Session, job_id: str, now: datetime, summary: str | None, error: str | None) -> None:
    row = session.get(JobRun, job_id)
    if row is None:
        row = JobRun(job_id=job_id, started_at=now, runs=0, failures=0)
        session.add(row)
    row.finished_at, row.ok = now, error is None
    row.runs += 1
    row.failures += error is not None
    row.summary = summary
    row.error = error


def all_runs(session: Session) -> dict[str, JobRun]:
    return {row.job_id: row for row in session.scalars(select(JobRun))}


def next_runs(session: Session, table: str) -> dict[str, datetime | None]:
    """Next run time of each job in APScheduler's job store table (empty if the daemon never ran)."""
    if not inspect(session.connection()).has_table(table):
        return {}
    rows = session.execute(text(f"SELECT id, next_run_time FROM {table}"))
    return {row.id: _instant(row.next_run_time) for row in rows}


def _instant(timestamp: float | None) -> datetime | None:
    return None if timestamp is None else datetime.fromtimestamp(timestamp, UTC)
