"""Thirty hours of one incident, driven through ``yuqing alerts tick --now`` every ten minutes against a
real SMTP server: exactly the expected emails, to the expected people, with the expected headers.

The duty officer signs for the first alert at once; nobody signs for the upgrade, so it is sent again
15 minutes after it left and reported to the leadership 30 minutes after."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from tests.alerts.conftest import MailServer, Received, acknowledge, add_incident, add_post, bj, iso
from yuqing import cli

DUTY = {"duty@zjt.example.cn", "duty2@zjt.example.cn"}
DEPARTMENT = {"gczl@zjt.example.cn"}
LEADERSHIP = {"leader@zjt.example.cn"}

# (北京时间 of the tick, kind, recipients, words in the subject)
EXPECTED = [
    ("11-27 03:20", "alert", DUTY | DEPARTMENT, ["[较大]", "舆情预警"]),
    ("11-27 03:20", "self_test", DUTY, ["[自检]"]),
    ("11-27 04:30", "upgrade", DUTY | DEPARTMENT, ["[重大]", "等级上调为重大"]),
    ("11-27 04:50", "unacknowledged", DUTY | DEPARTMENT, ["[重大]", "预警未签收，再次提醒"]),
    ("11-27 05:10", "escalation", DUTY | LEADERSHIP, ["[重大]", "预警未签收，报告领导"]),
    ("11-27 05:30", "reminder", DUTY | DEPARTMENT, ["[重大]", "发布权威信息剩余2小时"]),
    ("11-27 06:30", "reminder", DUTY | DEPARTMENT, ["[重大]", "发布权威信息剩余1小时"]),
    ("11-27 06:50", "response", DUTY | DEPARTMENT, ["已记录权威信息发布"]),
    ("11-27 08:00", "self_test", DUTY, ["[自检]"]),
    ("11-27 18:10", "response", DUTY | DEPARTMENT, ["已记录续报"]),
    ("11-27 20:30", "reminder", DUTY | DEPARTMENT, ["召开新闻发布会剩余6小时"]),
    ("11-28 00:30", "reminder", DUTY | DEPARTMENT, ["召开新闻发布会剩余2小时"]),
    ("11-28 02:30", "breach", DUTY | DEPARTMENT | LEADERSHIP, ["超时：召开新闻发布会已超时"]),
    ("11-28 06:00", "breach", DUTY | DEPARTMENT | LEADERSHIP, ["超时：持续发布（续报）已超时"]),
    ("11-28 08:00", "self_test", DUTY, ["[自检]"]),
]


def _seed(engine: Engine) -> int:
    with Session(engine) as session, session.begin():
        incident = add_incident(
            session,
            grades=[(bj("11-27 03:20"), "large"), (bj("11-27 04:30"), "major")],
            occurred_at=bj("11-27 02:30"),
            first_reported_at=bj("11-27 03:00"),
            detected_at=bj("11-27 03:20"),
        )
        add_post(
            session,
            incident,
            url="https://news.example.cn/a/1.html",
            title="兰山区工地塔吊倒塌",
            published_at=bj("11-27 03:00"),
            reposts=50,
        )
        add_post(
            session,
            incident,
            url="https://weibo.example.cn/2",
            title="现场视频：塔吊倒塌",
            source="微博",
            published_at=bj("11-27 03:05"),
        )
        return incident.id


def test_thirty_hours_send_exactly_the_expected_emails(
    alerts_config: Callable[..., Path], smtp_server: MailServer, engine: Engine, capsys
) -> None:
    config = alerts_config(smtp_server.port, self_test=True)
    incident_id = _seed(engine)
    run = lambda *argv: cli.main(["--config", str(config), *argv])  # noqa: E731
    got: list[tuple[str, Received]] = []
    now, end = bj("11-27 03:20"), bj("11-28 09:20")
    while now <= end:
        stamp = (now + timedelta(hours=8)).strftime("%m-%d %H:%M")  # 北京时间 label of this UTC instant
        assert run("alerts", "tick", "--now", iso(now)) == 0, capsys.readouterr()
        if stamp == "11-27 05:30":  # evaluating twice queues nothing twice
            assert run("alerts", "tick", "--now", iso(now)) == 0
        got += [(stamp, mail) for mail in smtp_server.mailbox.take()]
        if stamp == "11-27 03:20":
            acknowledge(engine, incident_id, bj("11-27 03:25"))
        if stamp == "11-27 06:40":
            url = "https://zjt.shandong.gov.cn/art/2026/11/27/art_1.html"
            args = ["respond", str(incident_id), "--release", url, "--at", iso(bj("11-27 06:40"))]
            assert run(*args, "--channel", "官网", "--now", iso(bj("11-27 06:45"))) == 0
        if stamp == "11-27 18:00":
            url = "https://zjt.shandong.gov.cn/art/2026/11/27/art_2.html"
            args = ["respond", str(incident_id), "--follow-up", url, "--at", iso(bj("11-27 18:00"))]
            assert run(*args, "--now", iso(bj("11-27 18:05"))) == 0
        now += timedelta(minutes=10)

    seen = [(stamp, mail.kind, set(mail.recipients)) for stamp, mail in got]
    assert seen == [(stamp, kind, rcpt) for stamp, kind, rcpt, _words in EXPECTED]
    for (_stamp, mail), (_s, _k, _r, words) in zip(got, EXPECTED, strict=True):
        subject = str(mail.message["Subject"])
        assert all(word in subject for word in words), subject
        assert mail.message["Bcc"] is None and str(mail.message["To"]) == "undisclosed-recipients:;"
        assert mail.sender == "yuqing@zjt.example.cn"

    incident_mails = [mail for _stamp, mail in got if mail.kind != "self_test"]
    root = str(incident_mails[0].message["Message-ID"])
    assert all(str(m.message["X-Yuqing-Incident"]) == str(incident_id) for m in incident_mails)
    assert all(str(m.message["In-Reply-To"]) == root == str(m.message["References"]) for m in incident_mails[1:])
    ids = [str(mail.message["Message-ID"]) for _stamp, mail in got]
    assert len(set(ids)) == len(ids)
    assert all(mail.message["X-Yuqing-Incident"] is None for _s, mail in got if mail.kind == "self_test")

    alert = incident_mails[0].text()
    for fact in ("临沂兰山区在建工地塔吊倒塌致3人死亡", "较大", "测试定级（large）", "山东省临沂市兰山区", "死亡 3 人"):
        assert fact in alert
    for fact in ("首次报道：2026-11-27 03:00", "系统发现：2026-11-27 03:20", "工程质量安全监管处"):
        assert fact in alert
    assert "回应关切：剩余 1天23小时（截止 北京时间 11月29日 02:30）" in alert
    assert "https://news.example.cn/a/1.html" in alert
    assert f"yuqing --config {config.resolve()} respond {incident_id} --release" in alert
    upgrade = incident_mails[1].text()
    assert "发布权威信息：剩余 3小时（截止 北京时间 11月27日 07:30）" in upgrade
    assert "召开新闻发布会：剩余 22小时（截止 北京时间 11月28日 02:30）" in upgrade
    unsigned = next(m for m in incident_mails if m.kind == "unacknowledged").text()
    assert "北京时间 11月27日 04:30 发出的等级上调通知已过 19分钟，仍无人签收" in unsigned
    breach = next(m for m in incident_mails if m.kind == "breach").text()
    assert "召开新闻发布会：已到截止时间，尚未完成" in breach
    assert "发布权威信息：已按时完成" in breach

    capsys.readouterr()
    assert run("alerts", "outbox") == 0
    listing = capsys.readouterr().out
    assert "已发送 15" in listing and "待发送" not in listing
