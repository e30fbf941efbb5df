"""``yuqing respond``: recording, revoking, proposals from official sources, and bad input (exit 2, nothing changed)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from storage.models import IncidentEvent, OutboxMessage
from tests.alerts.conftest import MailServer, acknowledge, add_incident, add_post, bj, iso
from yuqing import cli

RELEASE = "https://zjt.shandong.gov.cn/art/2026/11/27/art_1.html"


@pytest.fixture
def setup(alerts_config: Callable[..., Path], smtp_server: MailServer, engine: Engine):  # type: ignore[no-untyped-def]
    with Session(engine) as session, session.begin():
        incident = add_incident(
            session,
            grades=[(bj("11-27 03:20"), "major")],
            first_reported_at=bj("11-27 03:00"),
            detected_at=bj("11-27 03:20"),
        )
        incident_id = incident.id
    return alerts_config(smtp_server.port), incident_id


def _counts(engine: Engine) -> tuple[int, int]:
    with Session(engine) as session:
        events = session.scalar(select(func.count()).select_from(IncidentEvent))
        queued = session.scalar(select(func.count()).select_from(OutboxMessage))
    return int(events or 0), int(queued or 0)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["99", "--release", RELEASE], "没有编号为 99 的事件"),
        (["abc", "--release", RELEASE], "事件编号 'abc' 无效"),
        (["{id}", "--release", "zjt.shandong.gov.cn/art/1.html"], "网址 'zjt.shandong.gov.cn/art/1.html' 无效"),
        (["{id}", "--release", "javascript:alert(1)"], "无效：应为以 http:// 或 https:// 开头的完整网址"),
        (["{id}", "--release", RELEASE, "--at", "2026-11-27T02:59+08:00"], "早于事件的计时起点 2026-11-27 03:00"),
        (["{id}", "--release", RELEASE, "--at", "2026-11-27T06:01+08:00"], "晚于现在 2026-11-27 06:00"),
        (["{id}", "--release", RELEASE, "--at", "昨天"], "参数 --at 无效"),
        (["{id}", "--press-conference", "--revoke"], "没有有效新闻发布会记录，无法撤销"),
    ],
)
def test_bad_input_exits_2_with_a_chinese_message_and_changes_nothing(
    setup, engine: Engine, capsys, args: list[str], message: str
) -> None:
    config, incident_id = setup
    before = _counts(engine)
    argv = ["--config", str(config), "respond", *(a.format(id=incident_id) for a in args)]
    assert cli.main([*argv, "--now", iso(bj("11-27 06:00"))]) == 2
    assert message in capsys.readouterr().err
    assert _counts(engine) == before


def test_unknown_recipient_group_in_config_is_refused(write_config, capsys) -> None:  # type: ignore[no-untyped-def]
    config = write_config('[alerts.route]\nbreach = ["duty", "leaders"]\n')
    assert cli.main(["--config", str(config), "alerts", "tick"]) == 2
    err = capsys.readouterr().err
    assert "[alerts.route].breach[1]" in err and "'duty', 'leadership' or 'department'" in err.replace("或", "or")


def test_release_stops_the_clock_revoke_restarts_it(setup, smtp_server: MailServer, engine: Engine, capsys) -> None:
    config, incident_id = setup
    run = lambda *a: cli.main(["--config", str(config), *a])  # noqa: E731
    now = iso(bj("11-27 05:00"))
    assert run("respond", str(incident_id), "--release", RELEASE, "--at", iso(bj("11-27 04:50")), "--now", now) == 0
    out = capsys.readouterr().out
    assert "已记录事件" in out and "发布权威信息：已按时完成" in out
    assert run("respond", str(incident_id), "--release", RELEASE, "--now", now) == 2  # recorded already
    assert "无需重复记录" in capsys.readouterr().err
    assert run("respond", str(incident_id), "--release", RELEASE, "--revoke", "--now", iso(bj("11-27 05:10"))) == 0
    assert "发布权威信息：剩余 2小时50分" in capsys.readouterr().out
    assert run("alerts", "tick", "--now", iso(bj("11-27 06:00"))) == 0
    kinds = [m.kind for m in smtp_server.mailbox.wait_for(4)]
    assert sorted(kinds) == ["alert", "reminder", "response", "response"]
    revoked = next(m for m in smtp_server.mailbox.received if "已撤销" in str(m.message["Subject"]))
    assert "相关时限恢复计时" in revoked.text()


@pytest.mark.parametrize("auto_accept", [True, False])
def test_an_official_post_is_proposed_as_the_release(
    alerts_config: Callable[..., Path], smtp_server: MailServer, engine: Engine, auto_accept: bool
) -> None:
    config = alerts_config(smtp_server.port, alerts=f"auto_accept_release = {str(auto_accept).lower()}")
    official = "https://zjt.shandong.gov.cn/art/2026/11/27/art_9.html"
    with Session(engine) as session, session.begin():
        incident = add_incident(
            session,
            grades=[(bj("11-27 03:20"), "major")],
            first_reported_at=bj("11-27 03:00"),
            detected_at=bj("11-27 03:20"),
        )
        add_post(
            session,
            incident,
            url=official,
            title="关于兰山区塔吊倒塌事故的情况通报",
            source="省住建厅",
            kind="official",
            published_at=bj("11-27 04:30"),
        )
        incident_id = incident.id
    run = lambda *a: cli.main(["--config", str(config), *a])  # noqa: E731
    assert run("alerts", "tick", "--now", iso(bj("11-27 04:00"))) == 0  # not published yet
    acknowledge(engine, incident_id, bj("11-27 04:05"))
    assert run("alerts", "tick", "--now", iso(bj("11-27 04:40"))) == 0
    assert run("alerts", "tick", "--now", iso(bj("11-27 04:50"))) == 0  # proposed once
    with Session(engine) as session:
        events = list(session.scalars(select(IncidentEvent)))
    assert [(e.kind, e.url, e.at) for e in events] == [
        ("release" if auto_accept else "proposal", official, bj("11-27 04:30"))
    ]
    mails = smtp_server.mailbox.wait_for(2)
    assert [m.kind for m in mails] == ["alert", "response"]
    proposal = mails[1]
    if auto_accept:
        assert "已自动采纳权威信息发布" in str(proposal.message["Subject"])
        assert f"respond {incident_id} --release {official} --revoke" in proposal.text()
        assert "发布权威信息：已按时完成" in proposal.text()
    else:
        assert "待确认" in str(proposal.message["Subject"])
        assert f"respond {incident_id} --release {official} --at 2026-11-27T04:30" in proposal.text()
        accept = ["respond", str(incident_id), "--release", official, "--at", "2026-11-27T04:30"]
        assert run(*accept, "--now", iso(bj("11-27 05:00"))) == 0
        with Session(engine) as session:
            assert [e.kind for e in session.scalars(select(IncidentEvent))] == ["release"]
    assert run("alerts", "tick", "--now", iso(bj("11-27 07:00"))) == 0  # the release clock stopped: no reminder
    assert all(m.kind != "reminder" for m in smtp_server.mailbox.received)
