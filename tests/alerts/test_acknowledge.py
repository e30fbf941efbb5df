"""Acknowledgement (签收): an alert about a 较大-or-above incident nobody signs for within ``[clocks]
acknowledge`` (15 min) of its sending is sent again; after twice that it is reported to the leadership.
Ticks run with an injected ``now`` (and a delivery clock fixed at it, so ``sent_at`` is exact) against a
real SMTP server; acknowledgements are stored as the duty console stores them."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from alerts.tick import tick
from storage.incidents import add_grade_change
from storage.models import Incident, OutboxMessage
from tests.alerts.conftest import MailServer, Received, acknowledge, add_incident, bj
from yuqing import config as config_module
from yuqing.runtime import Runtime, build

DUTY = {"duty@zjt.example.cn", "duty2@zjt.example.cn"}
DEPARTMENT = {"gczl@zjt.example.cn"}
LEADERSHIP = {"leader@zjt.example.cn"}
T = bj("11-27 03:20")  # the incident is detected and its alert sent
CONSOLE = "https://yuqing.zjt.example.cn/console/"
WEB = f'\n[web]\nbase_url = "{CONSOLE}"\n'


class World:
    """A runtime over the test's database and SMTP server; :meth:`tick` returns what was delivered."""

    def __init__(self, runtime: Runtime, mailbox_server: MailServer, engine: Engine) -> None:
        self.runtime, self.server, self.engine = runtime, mailbox_server, engine

    def tick(self, now: datetime) -> list[Received]:
        tick(self.runtime.sessions, self.runtime.config, now, clock=lambda: now)
        return self.server.mailbox.take()

    def incident(self, grade: str = "major", *, detected: datetime = T, in_jurisdiction: bool = True) -> int:
        with Session(self.engine) as session, session.begin():
            return add_incident(
                session,
                grades=[(detected, grade)],
                first_reported_at=detected - timedelta(minutes=10),
                detected_at=detected,
                in_jurisdiction=in_jurisdiction,
            ).id


@pytest.fixture
def world(alerts_config: Callable[..., Path], smtp_server: MailServer, engine: Engine) -> Iterator[World]:
    runtime = build(config_module.load(alerts_config(smtp_server.port, extra=WEB)))
    yield World(runtime, smtp_server, engine)
    runtime.dispose()


def _kinds(mails: list[Received]) -> list[str]:
    return [mail.kind for mail in mails]


def test_an_unacknowledged_alert_is_sent_again_then_escalated_once(world: World) -> None:
    incident_id = world.incident()
    [alert] = world.tick(T)
    assert alert.kind == "alert" and set(alert.recipients) == DUTY | DEPARTMENT

    assert world.tick(T + timedelta(minutes=14, seconds=59)) == []
    [again] = world.tick(T + timedelta(minutes=15))
    assert world.tick(T + timedelta(minutes=15)) == []  # the same tick again queues nothing twice
    assert str(again.message["X-Yuqing-Kind"]) == "unacknowledged"
    assert str(again.message["X-Yuqing-Incident"]) == str(incident_id)
    assert set(again.recipients) == DUTY | DEPARTMENT
    assert str(again.message["Subject"]) == "[重大] 预警未签收，再次提醒：临沂兰山区在建工地塔吊倒塌致3人死亡"
    assert str(again.message["In-Reply-To"]) == str(alert.message["Message-ID"])  # same thread
    text = again.text()
    assert "【预警未签收（再次提醒）】北京时间 11月27日 03:20 发出的舆情预警通知已过 15分钟，仍无人签收" in text
    assert "未签收的通知：舆情预警通知“[重大] 舆情预警：临沂兰山区在建工地塔吊倒塌致3人死亡”" in text
    assert "发出时间：2026-11-27 03:20（北京时间），至今 15分钟 无人签收（应在发出后 15分钟 内签收）" in text
    assert "北京时间 11月27日 03:50 前仍未签收的，将报告领导" in text
    assert f"签收：请登录值班台 {CONSOLE}incidents/{incident_id}" in text

    assert world.tick(T + timedelta(minutes=29)) == []
    [escalation] = world.tick(T + timedelta(minutes=30))
    assert escalation.kind == "escalation"
    assert set(escalation.recipients) == DUTY | LEADERSHIP
    assert str(escalation.message["Subject"]) == "[重大] 预警未签收，报告领导：临沂兰山区在建工地塔吊倒塌致3人死亡"
    text = escalation.text()
    assert "【预警未签收，报告领导】北京时间 11月27日 03:20 发出的舆情预警通知已过 30分钟，再次提醒后仍无人签收" in text
    assert "将报告领导" not in text
    assert f"{CONSOLE}incidents/{incident_id}" in escalation.html()

    for minutes in (31, 45, 60, 120):
        assert world.tick(T + timedelta(minutes=minutes)) == []
    acknowledge(world.engine, incident_id, T + timedelta(hours=2, minutes=5))  # late: nothing to undo
    assert world.tick(T + timedelta(hours=2, minutes=10)) == []

    with Session(world.engine) as session:
        keys = {kind: key for kind, key in session.execute(select(OutboxMessage.kind, OutboxMessage.idempotency_key))}
        alert_row = session.scalars(select(OutboxMessage.id).where(OutboxMessage.kind == "alert")).one()
    assert keys["unacknowledged"] == f"incident:{incident_id}:unacknowledged:{alert_row}"
    assert keys["escalation"] == f"incident:{incident_id}:escalation:{alert_row}"


def test_acknowledged_within_the_period_nothing_follows(world: World) -> None:
    incident_id = world.incident()
    assert _kinds(world.tick(T)) == ["alert"]
    acknowledge(world.engine, incident_id, T + timedelta(minutes=10))
    for minutes in (15, 30, 60):
        assert world.tick(T + timedelta(minutes=minutes)) == []


def test_acknowledged_after_the_resend_nobody_escalates(world: World) -> None:
    incident_id = world.incident()
    assert _kinds(world.tick(T)) == ["alert"]
    assert _kinds(world.tick(T + timedelta(minutes=15))) == ["unacknowledged"]
    acknowledge(world.engine, incident_id, T + timedelta(minutes=20))
    for minutes in (30, 45, 90):
        assert world.tick(T + timedelta(minutes=minutes)) == []


def test_every_incident_email_links_to_the_console(world: World) -> None:
    incident_id = world.incident("large")
    [alert] = world.tick(T)
    link = f"{CONSOLE}incidents/{incident_id}"  # base_url's trailing slash is not doubled
    assert f"值班台：{link}（查看详情、签收）" in alert.text()
    assert f'<a href="{link}">{link}</a>' in alert.html()
    [again] = world.tick(T + timedelta(minutes=15))
    assert again.kind == "unacknowledged" and link in again.text() and link in again.html()


def test_clocks_run_from_the_sending_not_the_queueing(
    alerts_config: Callable[..., Path], smtp_server: MailServer, engine: Engine
) -> None:
    """A 较大 alert held by the quiet hours is not chased until 15 minutes after it actually left;
    an acknowledgement made before it left does not cover it."""
    config = alerts_config(smtp_server.port, alerts='quiet_hours = "22:00-07:00"', extra=WEB)
    runtime = build(config_module.load(config))
    try:
        world = World(runtime, smtp_server, engine)
        incident_id = world.incident("large", detected=bj("11-27 01:00"))
        assert world.tick(bj("11-27 01:00")) == []  # queued, held until 07:00
        acknowledge(engine, incident_id, bj("11-27 01:30"))
        assert world.tick(bj("11-27 02:00")) == []  # an unsent alert starts no clock
        assert _kinds(world.tick(bj("11-27 07:00"))) == ["alert"]
        assert world.tick(bj("11-27 07:14")) == []
        assert _kinds(world.tick(bj("11-27 07:15"))) == ["unacknowledged"]
    finally:
        runtime.dispose()


@pytest.mark.parametrize("case", ["outside", "closed", "downgraded"])
def test_no_chase_outside_the_jurisdiction_when_closed_or_below_large(world: World, case: str) -> None:
    incident_id = world.incident(in_jurisdiction=case != "outside")
    assert _kinds(world.tick(T)) == ["alert"]
    with Session(world.engine) as session, session.begin():
        if case == "closed":
            session.execute(update(Incident).where(Incident.id == incident_id).values(status="closed"))
        if case == "downgraded":
            add_grade_change(session, incident_id, T + timedelta(minutes=5), "general", ["测试降级"], by_hand=True)
    for minutes in (15, 30, 60):
        assert world.tick(T + timedelta(minutes=minutes)) == []
