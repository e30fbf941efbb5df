"""``yuqing status``: the daemon at a glance, in Chinese, read from the database alone.

Whether a daemon holds the lock; each job's last run (start, end, result) and next run (from the job
store); each source's health; the open incidents with their clocks; and the outbox backlog.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING

from alerts.clocks import describe
from incidents.render import next_deadline, place_text, views
from storage import documents, outbox
from storage import jobs as job_rows
from storage.sources import source_health
from yuqing.config import Config
from yuqing.daemon.lock import holder
from yuqing.daemon.specs import JOB_TABLE, job_specs
from yuqing.formatting import printable
from yuqing.instants import format_beijing
from yuqing.vocabulary import GRADES, INCIDENT_STATUSES, LIVE_STATUSES, OUTBOX_STATUSES

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session

logger = logging.getLogger(__name__)


def render(engine: Engine, session: Session, config: Config, now: datetime) -> str:
    sections = [
        _daemon(engine, now),
        _jobs(session, config),
        _sources(session, config, now),
        _incidents(session, config, now),
        _outbox(session),
        _set_aside(session),
    ]
    return printable("\n\n".join(sections))  # titles and errors come from outside: control characters shown, not obeyed


def _daemon(engine: Engine, now: datetime) -> str:
    who = holder(engine)
    state = f"运行中：{who}" if who else "未运行（用 yuqing run 启动）"
    return f"守护进程：{state}\n查询时间：北京时间 {format_beijing(now)}"


def _jobs(session: Session, config: Config) -> str:
    runs = job_rows.all_runs(session)
    upcoming = job_rows.next_runs(session, JOB_TABLE)
    lines = ["任务\t上次开始\t上次结束\t上次结果\t下次运行（北京时间）"]
    for spec in job_specs(config):
        run = runs.get(spec.id)
        if run is None:
            last_start, last_end, result = "—", "—", "尚未运行"
        else:
            last_start, last_end = format_beijing(run.started_at), format_beijing(run.finished_at)
            if run.finished_at is None:
                result = "运行中（或上次运行被中断）"
            elif run.ok:
                result = f"成功：{run.summary or ''}"
            else:
                result = f"失败：{run.error}"
            result += f"（共 {run.runs} 次，失败 {run.failures} 次）"
        nxt = format_beijing(upcoming.get(spec.id)) if spec.id in upcoming else "未登记（守护进程启动时登记）"
        lines.append(f"{spec.name}\t{last_start}\t{last_end}\t{result}\t{nxt}")
    return "【任务】\n" + "\n".join(lines)


def _sources(session: Session, config: Config, now: datetime) -> str:
    health = source_health(session, [s.name for s in config.sources], now) if config.sources else {}
    lines = ["来源\t启用\t最近成功\t连续失败\t24小时文档\t状态"]
    for source in config.sources:
        row = health.get(source.name)
        seen = [t for t in ((row.last_document_at, row.last_success_at) if row else ()) if t is not None]
        blind = source.enabled and (not seen or now - max(seen) > source.silence_limit)
        failures = row.consecutive_failures if row else 0
        state = "盲区" if blind else ("失败：" + (row.last_error or "") if row and failures else "正常")
        if not source.enabled:
            state = "停用"
        lines.append(
            f"{source.name}\t{'是' if source.enabled else '否'}\t{format_beijing(row.last_success_at if row else None)}"
            f"\t{failures}\t{row.documents_24h if row else 0}\t{state}"
        )
    return "【来源】\n" + "\n".join(lines)


def _incidents(session: Session, config: Config, now: datetime) -> str:
    live = [v for v in views(session, now, config) if v.incident.status in LIVE_STATUSES]
    if not live:
        return "【在办事件】\n暂无。"
    lines = []
    for v in live:
        incident = v.incident
        status = INCIDENT_STATUSES.get(incident.status, incident.status)
        lines.append(
            f"#{incident.id} [{GRADES[v.grade]}] {incident.title}（{status}，"
            f"{place_text(incident)}，首发 {format_beijing(incident.first_reported_at)}）—— {next_deadline(v.clocks)}"
        )
        lines += [f"    {describe(clock)}" for clock in v.clocks]
    return "【在办事件】\n" + "\n".join(lines)


SET_ASIDE_SHOWN = 10


def _set_aside(session: Session) -> str:
    """Documents the tagger could not process: set aside with their reason, the rest went on."""
    count = documents.quarantine_count(session)
    if not count:
        return "【搁置的文档】\n无"
    lines = [f"【搁置的文档】\n{count} 篇标注失败，已搁置（其余照常处理；修复后用 yuqing tag --all 重试）："]
    for document_id, reason, at in documents.quarantined(session, SET_ASIDE_SHOWN):
        lines.append(f"  文档 {document_id}\t{format_beijing(at)}\t{reason}")
    if count > SET_ASIDE_SHOWN:
        lines.append(f"  ……另有 {count - SET_ASIDE_SHOWN} 篇")
    return "\n".join(lines)


def _outbox(session: Session) -> str:
    counts = outbox.counts(session)
    backlog = sum(counts.get(k, 0) for k in ("pending", "sending", "handed_over"))
    detail = "、".join(f"{OUTBOX_STATUSES.get(k, k)} {n}" for k, n in sorted(counts.items())) or "发件箱为空"
    warn = (
        f"；有 {counts['unconfirmed']} 封投递结果未确认，请用 yuqing alerts outbox 核对"
        if counts.get("unconfirmed")
        else ""
    )
    return f"【发件箱】\n待投递 {backlog} 封（{detail}）{warn}"
