"""Delivery under failure: the SMTP server down, the process killed at each step, two ticks at once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from alerts.outbox import DELIVERY_STEPS
from storage.models import OutboxMessage
from tests.alerts.conftest import MailServer, WebhookServer, add_incident, bj, iso
from yuqing import cli

ROOT = Path(__file__).resolve().parents[2]
T = bj("11-27 03:20")


def _seed_large(engine: Engine, count: int = 1, grade: str = "large") -> list[int]:
    """Incidents that owe exactly one email at T (the alert): 较大, first reported at 03:00."""
    with Session(engine) as session, session.begin():
        return [
            add_incident(
                session,
                title=f"事件{i}",
                grades=[(T, grade)],
                first_reported_at=bj("11-27 03:00"),
                detected_at=T,
            ).id
            for i in range(count)
        ]


def _rows(engine: Engine) -> list[OutboxMessage]:
    with Session(engine) as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def _tick(config: Path, now, *extra: str) -> int:  # type: ignore[no-untyped-def]
    return cli.main(["--config", str(config), "alerts", "tick", "--now", iso(now), *extra])


def test_smtp_down_then_back_delivers_exactly_once(
    alerts_config: Callable[..., Path], smtp_port: int, engine: Engine, capsys
) -> None:
    config = alerts_config(smtp_port)
    _seed_large(engine)
    assert _tick(config, T) == 1
    assert "无法连接或登录邮件服务器" in capsys.readouterr().out
    assert cli.main(["--config", str(config), "alerts", "outbox"]) == 0
    listing = capsys.readouterr().out
    assert "失败待重试" in listing and "无法连接或登录邮件服务器 127.0.0.1" in listing
    assert "2026-11-27 03:21" in listing  # next attempt after 1 minute
    assert _tick(config, T + timedelta(seconds=30)) == 0  # not due yet: no attempt
    assert [r.attempts for r in _rows(engine)] == [1]
    assert _tick(config, T + timedelta(minutes=1)) == 1  # second failure: wait 2 minutes now
    row = _rows(engine)[0]
    assert (row.attempts, row.status, row.next_attempt_at) == (2, "pending", T + timedelta(minutes=3))

    server = MailServer(smtp_port)
    server.start()
    try:
        assert _tick(config, T + timedelta(minutes=3)) == 0
        assert _tick(config, T + timedelta(minutes=10)) == 0
        assert [m.kind for m in server.mailbox.wait_for(1)] == ["alert"]
    finally:
        server.stop()
    assert len(server.mailbox.received) == 1
    row = _rows(engine)[0]
    assert (row.status, row.attempts, row.last_error) == ("sent", 3, None)
    capsys.readouterr()
    assert cli.main(["--config", str(config), "alerts", "outbox"]) == 0
    assert "失败待重试" not in capsys.readouterr().out


def test_a_refusal_at_the_end_of_data_is_retried(
    alerts_config: Callable[..., Path], smtp_server: MailServer, engine: Engine
) -> None:
    config = alerts_config(smtp_server.port)
    _seed_large(engine)
    smtp_server.mailbox.refuse = True
    assert _tick(config, T) == 1
    assert "451" in (_rows(engine)[0].last_error or "")
    smtp_server.mailbox.refuse = False
    assert _tick(config, T + timedelta(minutes=1)) == 0
    assert len(smtp_server.mailbox.wait_for(1)) == 1
    assert _rows(engine)[0].status == "sent"


def test_failing_email_is_escalated_to_the_webhook_once(
    alerts_config: Callable[..., Path], smtp_port: int, webhook_server: WebhookServer, engine: Engine
) -> None:
    hook = (
        f'\n[[alerts.webhooks]]\nname = "值班群"\ntype = "wecom"\nurl = "{webhook_server.url}/send?key=k"\nkinds = []\n'
    )
    config = alerts_config(smtp_port, extra=hook)
    _seed_large(engine)
    assert _tick(config, T) == 1
    assert _tick(config, T + timedelta(minutes=14)) == 1
    assert webhook_server.received == []
    assert _tick(config, T + timedelta(minutes=16)) == 1  # failing for 15 minutes: raised to the robot
    assert _tick(config, T + timedelta(minutes=50)) == 1
    assert len(webhook_server.received) == 1
    hook_call = webhook_server.received[0]
    assert hook_call.path == "/send?key=k" and hook_call.body["msgtype"] == "markdown"
    assert "预警邮件投递失败" in hook_call.body["markdown"]["content"]


def _child_tick(config: Path, now, crash_at: str | None = None) -> subprocess.Popen[bytes]:  # type: ignore[no-untyped-def]
    """``alerts tick`` in a child process; with ``crash_at``, the child kills itself at that delivery step."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("YUQING_")}
    if crash_at:
        command = [sys.executable, "-m", "tests.alerts.crash_tick", str(config), iso(now), crash_at]
    else:
        command = [sys.executable, "-m", "yuqing", "--config", str(config), "alerts", "tick", "--now", iso(now)]
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


# After the restart: how many emails the server holds, and the row's final status.
OUTCOMES = {
    "after_claim": (1, "sent"),  # nothing reached the server: sent again
    "before_handover": (1, "sent"),  # body without the final dot: the server discarded it
    "after_handover": (0, "unconfirmed"),  # the documented at-most-once instant (README)
    "after_dot": (1, "unconfirmed"),  # delivered; not sent again
    "after_reply": (1, "unconfirmed"),
    "after_mark": (1, "sent"),
}


@pytest.mark.slow  # a process killed at each step
@pytest.mark.parametrize("point", DELIVERY_STEPS)
def test_killed_at_each_step_of_delivery_nothing_doubled(
    point: str, alerts_config: Callable[..., Path], smtp_server: MailServer, engine: Engine, capsys
) -> None:
    config = alerts_config(smtp_server.port)
    _seed_large(engine)
    child = _child_tick(config, T, crash_at=point)
    _out, err = child.communicate(timeout=60)
    assert child.returncode == -signal.SIGKILL, err.decode()
    expected_mails, final_status = OUTCOMES[point]
    smtp_server.mailbox.wait_for(expected_mails, timeout=5)
    assert _tick(config, T + timedelta(minutes=1)) == 0  # restart within the lease: the claim is respected
    assert len(_rows(engine)) == 1
    assert _tick(config, T + timedelta(minutes=12)) == 0  # after the lease: recovered
    assert _tick(config, T + timedelta(minutes=13)) == 0
    assert len(smtp_server.mailbox.wait_for(expected_mails, timeout=5)) == expected_mails
    assert len(smtp_server.mailbox.received) == expected_mails
    rows = _rows(engine)
    assert [r.status for r in rows] == [final_status]
    capsys.readouterr()
    assert cli.main(["--config", str(config), "alerts", "outbox"]) == 0
    listing = capsys.readouterr().out
    assert ("投递结果未确认" in listing) == (final_status == "unconfirmed")


def test_two_ticks_at_once_send_each_notification_once(
    alerts_config: Callable[..., Path], smtp_server: MailServer, engine: Engine
) -> None:
    """Twelve 重大 incidents detected after their 5 h deadline: an alert and a breach each, and a self-test."""
    config = alerts_config(smtp_server.port, self_test=True)
    _seed_large(engine, count=12, grade="major")
    now = bj("11-27 09:00")
    children = [_child_tick(config, now) for _ in range(2)]
    for child in children:
        _out, err = child.communicate(timeout=120)
        assert child.returncode == 0, err.decode()
    mails = smtp_server.mailbox.wait_for(25)
    assert len(mails) == 25
    assert sorted(m.kind for m in mails) == ["alert"] * 12 + ["breach"] * 12 + ["self_test"]
    assert len({str(m.message["Message-ID"]) for m in mails}) == 25
    rows = _rows(engine)
    assert len(rows) == 25 and {r.status for r in rows} == {"sent"} and {r.attempts for r in rows} == {1}
