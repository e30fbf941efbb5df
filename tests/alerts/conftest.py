"""Alerts fixtures: a real SMTP server (aiosmtpd) on loopback, a migrated database with a config that
points at both, and helpers that insert incidents, posts, grade history and acknowledgements directly."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from storage import acknowledgements
from storage.db import migrate
from storage.models import Document, GradeChange, Incident, IncidentDocument, Source
from yuqing.instants import BEIJING
from yuqing.simweb.loopback import MailServer, Received, free_port

__all__ = ["MailServer", "Received", "free_port"]


def bj(text: str) -> datetime:
    """``"11-27 05:30"`` (2026, 北京时间) -> aware UTC."""
    return datetime.strptime(f"2026-{text}", "%Y-%m-%d %H:%M").replace(tzinfo=BEIJING).astimezone(UTC)


def iso(value: datetime) -> str:
    return value.isoformat()


@pytest.fixture
def smtp_port() -> int:
    """A loopback port with nothing listening yet (the server is down)."""
    return free_port()


CONFIG = """
[database]
url = "{url}"

[smtp]
host = "127.0.0.1"
port = {port}
sender = "住建舆情监测 <yuqing@zjt.example.cn>"
timeout = "5s"

[recipients]
duty = ["值班室 <duty@zjt.example.cn>", "duty2@zjt.example.cn"]
leadership = ["leader@zjt.example.cn"]

[topics.engineering_quality]
department = "工程质量安全监管处"
emails = ["gczl@zjt.example.cn"]

[clocks]
follow_up = "12h"

[alerts]
self_test = {self_test}
{alerts}

[schedule]
self_test = "0 8 * * *"
"""


@pytest.fixture
def alerts_config(write_config: Callable[..., Path], database_url: str, engine: Engine) -> Callable[..., Path]:
    """Write config.toml for this test's database and SMTP port; the database is migrated once."""
    migrate(engine)

    def write(port: int, *, self_test: bool = False, alerts: str = "", extra: str = "") -> Path:
        body = CONFIG.format(url=database_url, port=port, self_test=str(self_test).lower(), alerts=alerts) + extra
        return write_config(body)

    return write


def add_incident(
    session: Session,
    *,
    title: str = "临沂兰山区在建工地塔吊倒塌致3人死亡",
    grades: list[tuple[datetime, str]],
    first_reported_at: datetime,
    detected_at: datetime,
    occurred_at: datetime | None = None,
    topics: list[str] | None = None,
    in_jurisdiction: bool = True,
    status: str = "open",
    casualties: dict[str, Any] | None = None,
) -> Incident:
    """An incident with its grade history: ``grades`` is [(at, grade), …], the last being the current grade."""
    incident = Incident(
        title=title,
        status=status,
        grade=grades[-1][1],
        grade_reasons=[f"测试定级（{grades[-1][1]}）"],
        topics=topics if topics is not None else ["engineering_quality"],
        province="山东省" if in_jurisdiction else "河南省",
        city="临沂市" if in_jurisdiction else "郑州市",
        district="兰山区" if in_jurisdiction else None,
        in_jurisdiction=in_jurisdiction,
        casualties=casualties if casualties is not None else {"deaths": {"value": 3, "phrase": "造成3人死亡"}},
        occurred_at=occurred_at,
        first_reported_at=first_reported_at,
        detected_at=detected_at,
        updated_at=detected_at,
    )
    session.add(incident)
    session.flush()
    for at, grade in grades:
        session.add(GradeChange(incident_id=incident.id, at=at, grade=grade, reasons=[f"测试定级（{grade}）"]))
    session.flush()
    return incident


def add_post(
    session: Session,
    incident: Incident,
    *,
    url: str,
    title: str,
    published_at: datetime,
    source: str = "大众网",
    kind: str = "news",
    text: str = "正文",
    reposts: int = 0,
) -> Document:
    source_row = session.query(Source).filter_by(name=source).one_or_none()
    if source_row is None:
        source_row = Source(name=source, type="official" if kind == "official" else "feed", created_at=published_at)
        session.add(source_row)
        session.flush()
    document = Document(
        url=url,
        canonical_url=url,
        content_hash=str(abs(hash(url))),
        source_id=source_row.id,
        kind=kind,
        title=title,
        text=text,
        published_at=published_at,
        fetched_at=published_at + timedelta(minutes=1),
        reposts=reposts,
    )
    session.add(document)
    session.flush()
    session.add(IncidentDocument(document_id=document.id, incident_id=incident.id, joined_at=published_at))
    session.flush()
    return document


def acknowledge(engine: Engine, incident_id: int, at: datetime, account: str = "duty01") -> None:
    """An officer signs for the incident's alerts (签收) at ``at``, as the duty console records it."""
    with Session(engine) as session, session.begin():
        acknowledgements.acknowledge(session, incident_id, account, at)


@dataclass
class Hook:
    path: str
    body: dict[str, Any]


class WebhookServer:
    """A loopback robot: records every POST (path with query, JSON body), answers errcode 0."""

    def __init__(self) -> None:
        received: list[Hook] = []
        self.received = received

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                received.append(Hook(self.path, json.loads(self.rfile.read(length))))
                answer = json.dumps({"errcode": 0, "errmsg": "ok"}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()


@pytest.fixture
def webhook_server() -> Iterator[WebhookServer]:
    server = WebhookServer()
    yield server
    server.stop()
