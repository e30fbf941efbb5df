"""Replays are not production (defect 10): a tick at an instant later than the real time neither delivers
nor queues, so the real tick at the real deadline still sends; ``--replay`` shows what would happen.

The real time is played by replacing ``alerts.outbox.wall_clock`` (the one seam the CLI's default ``now``
and the future guard both read), so the test runs on the fixed 2026-11-27 scenario whatever today is.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from alerts import outbox
from storage.models import IncidentEvent, OutboxMessage
from tests.alerts.conftest import MailServer, add_incident, bj, iso
from yuqing import cli

DETECTED = bj("11-27 03:20")
RELEASE_DEADLINE = bj("11-27 08:00")  # first reported 03:00 + 5 h


class WallClock:
    """The real time as the test decides it."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def wall(monkeypatch: pytest.MonkeyPatch) -> WallClock:
    clock = WallClock(DETECTED)
    monkeypatch.setattr(outbox, "wall_clock", clock)
    return clock


def _major(engine: Engine) -> int:
    with Session(engine) as session, session.begin():
        incident = add_incident(
            session,
            grades=[(DETECTED, "major")],
            first_reported_at=bj("11-27 03:00"),
            detected_at=DETECTED,
        )
        return incident.id


def _outbox(engine: Engine) -> list[tuple[str, str]]:
    with Session(engine) as session:
        return [
            (r.idempotency_key, r.status) for r in session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
        ]


def _events(engine: Engine) -> int:
    with Session(engine) as session:
        return int(session.scalar(select(func.count()).select_from(IncidentEvent)) or 0)


def _tick(config: Path, *extra: str) -> int:
    return cli.main(["--config", str(config), "alerts", "tick", *extra])


def test_a_future_tick_is_refused_and_the_real_deadline_still_sends_the_breach_once(
    alerts_config: Callable[..., Path],
    smtp_server: MailServer,
    engine: Engine,
    wall: WallClock,
    capsys: pytest.CaptureFixture[str],
) -> None:
    config = alerts_config(smtp_server.port)
    _major(engine)
    assert _tick(config) == 0  # the real tick at detection: the alert
    [alert] = smtp_server.mailbox.wait_for(1)
    assert alert.kind == "alert"
    before = _outbox(engine)
    capsys.readouterr()

    # An officer "checks" the deadline ahead of time on the live database.
    assert _tick(config, "--now", iso(RELEASE_DEADLINE)) == 2
    err = capsys.readouterr().err
    assert "晚于当前时间" in err and "--replay" in err and "幂等键" in err
    assert _outbox(engine) == before  # no row queued, no key used up
    assert len(smtp_server.mailbox.received) == 1  # nothing delivered

    # Within the tolerance (clock skew between machines) a tick is still a real tick.
    assert _tick(config, "--now", iso(DETECTED + outbox.FUTURE_TOLERANCE)) == 0

    # The real clock reaches the deadline: the breach is sent, once.
    wall.now = RELEASE_DEADLINE
    assert _tick(config) == 0
    wall.now = RELEASE_DEADLINE + timedelta(minutes=1)
    assert _tick(config) == 0
    breaches = [m for m in smtp_server.mailbox.wait_for(3) if m.kind == "breach"]
    assert len(breaches) == 1
    assert breaches[0].sent_at is not None and breaches[0].sent_at >= RELEASE_DEADLINE
    keys = [key for key, _status in _outbox(engine)]
    assert len(keys) == len(set(keys))
    assert all(status == "sent" for _key, status in _outbox(engine))


def test_replay_lists_what_would_be_sent_and_writes_nothing(
    alerts_config: Callable[..., Path],
    smtp_server: MailServer,
    engine: Engine,
    wall: WallClock,
    capsys: pytest.CaptureFixture[str],
) -> None:
    config = alerts_config(smtp_server.port)
    incident_id = _major(engine)
    assert _tick(config) == 0
    smtp_server.mailbox.wait_for(1)
    before, events = _outbox(engine), _events(engine)
    capsys.readouterr()

    assert _tick(config, "--now", iso(RELEASE_DEADLINE), "--replay") == 0
    out = capsys.readouterr().out
    assert "预演" in out and "未写入发件箱" in out
    assert "将排队的通知" in out and "将投递的通知" in out
    assert "超时" in out and f"事件 {incident_id}" in out  # the breach it would send
    assert _outbox(engine) == before and _events(engine) == events
    assert len(smtp_server.mailbox.received) == 1

    # The replay used up nothing: at the real deadline the breach goes out.
    wall.now = RELEASE_DEADLINE
    assert _tick(config) == 0
    assert [m.kind for m in smtp_server.mailbox.wait_for(2) if m.kind == "breach"] == ["breach"]


def test_a_past_now_still_replays_history(
    alerts_config: Callable[..., Path], smtp_server: MailServer, engine: Engine, wall: WallClock
) -> None:
    config = alerts_config(smtp_server.port)
    _major(engine)
    wall.now = bj("11-28 12:00")  # a day later, replaying the night on a copy
    assert _tick(config, "--now", iso(DETECTED)) == 0
    assert _tick(config, "--now", iso(RELEASE_DEADLINE)) == 0
    kinds = [m.kind for m in smtp_server.mailbox.wait_for(2)]
    assert kinds[0] == "alert" and "breach" in kinds


def test_a_future_self_test_is_refused_before_anything_is_queued(
    alerts_config: Callable[..., Path],
    smtp_server: MailServer,
    engine: Engine,
    wall: WallClock,
    capsys: pytest.CaptureFixture[str],
) -> None:
    config = alerts_config(smtp_server.port)
    later = iso(DETECTED + timedelta(hours=1))
    assert cli.main(["--config", str(config), "alerts", "self-test", "--now", later]) == 2
    assert "晚于当前时间" in capsys.readouterr().err
    assert _outbox(engine) == [] and smtp_server.mailbox.received == []
