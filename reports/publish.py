"""Publishing a report: build it as of an instant, write its HTML and .docx, and mail it when asked.

The reports stage's service functions: ``yuqing digest`` / ``yuqing report`` and the daemon's jobs (the
Monday digest, the evaluation of an incident that closed) call these, so both write and send alike.
Both write ``DIR/<name>.html`` (charts as ``data:`` URIs, one self-contained file) and ``DIR/<name>.docx``,
and with ``send`` mail the HTML with inline charts and the .docx attached.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from reports import docx, html
from reports.data import find_incident, last_complete_week, parse_week
from reports.digest import build_digest
from reports.document import Report
from reports.evaluation import build_evaluation
from reports.send import recipients_for, send_report
from yuqing.config import Config
from yuqing.errors import InputError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

logger = logging.getLogger(__name__)

DEFAULT_OUT = Path("reports-out")


@dataclass(frozen=True)
class Written:
    html: Path
    docx: Path
    sent: str | None


def digest(
    sessions: sessionmaker[Session], config: Config, week_label: str, now: datetime, out: Path, *, send: bool
) -> Written:
    """Build, write and optionally mail the digest of ``week_label`` (``2026-W48``)."""
    week = parse_week(week_label)
    with sessions() as session:
        report = build_digest(session, week, config)
    return _write(report, config, now, out, send=send, topics=None)


def weekly_digest(sessions: sessionmaker[Session], config: Config, now: datetime, out: Path = DEFAULT_OUT) -> Written:
    """The Monday job: the week that just ended, written and mailed."""
    return digest(sessions, config, last_complete_week(now).label, now, out, send=True)


def evaluation(
    sessions: sessionmaker[Session], config: Config, incident_id: int, now: datetime, out: Path, *, send: bool
) -> Written:
    """Build, write and optionally mail the evaluation of one incident (also run when an incident closes)."""
    with sessions() as session:
        incident = find_incident(session, incident_id)
        if incident is None:
            raise InputError(
                f"找不到事件 {incident_id}（或它是候选、已合并的事件）。提示：用 yuqing incidents 查看事件编号。"
            )
        topics = list(incident.topics or [])
        report = build_evaluation(session, incident, now, config)
    return _write(report, config, now, out, send=send, topics=topics)


def _write(
    report: Report, config: Config, now: datetime, out: Path, *, send: bool, topics: list[str] | None
) -> Written:
    out.mkdir(parents=True, exist_ok=True)
    html_path, docx_path = out / f"{report.filename}.html", out / f"{report.filename}.docx"
    document = docx.render(report)
    html_path.write_text(html.render(report, images="data"), encoding="utf-8")
    docx_path.write_bytes(document)
    sent = None
    if send:
        recipients = recipients_for(report, config, topics)
        sent = send_report(report, html.render(report, images="cid"), document, config, now, recipients)
    logger.info("report written file=%s sent=%s", html_path, bool(sent))
    return Written(html_path, docx_path, sent)
