"""Alerts against hostile text and lost deliveries (issue 17): markdown injection into the robots, a
self-test whose server drops the connection after the message, and rows of a webhook removed from the config."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from storage.models import GradeChange, Incident, OutboxMessage
from tests.alerts.conftest import MailServer, WebhookServer, add_incident, add_post, bj, free_port, iso
from yuqing import cli
from yuqing.simweb.loopback import Mailbox

PHISHING_TITLE = '](https://phish.example/login) <font color="warning">**上级通知：请立即点击处置**</font> [点此确认'
REASON = "伤亡：[点此](https://phish.example/reason) <b>造成3人死亡</b>"
T = bj("11-27 03:20")
CONSOLE = "http://127.0.0.1:8080/incidents/{id}"


def _tick(config: Path, now: Any) -> int:
    return cli.main(["--config", str(config), "alerts", "tick", "--now", iso(now)])


def _rows(engine: Engine) -> list[OutboxMessage]:
    with Session(engine) as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def markdown_links(markdown: str) -> list[str]:
    """The destinations of every link a markdown renderer would make: an unescaped ``[``…``](``…``)``.

    Backslash escapes are honoured (``\\]`` is text); a destination runs to the first unescaped ``)``."""
    links: list[str] = []
    opened = False
    i = 0
    while i < len(markdown):
        char = markdown[i]
        if char == "\\":
            i += 2
            continue
        if char == "[":
            opened = True
        elif char == "]" and markdown[i + 1 : i + 2] == "(":
            end = i + 2
            while end < len(markdown) and markdown[end] != ")":
                end += 2 if markdown[end] == "\\" else 1
            if opened:
                links.append(markdown[i + 2 : end])
            opened = False
            i = end
        i += 1
    return links


def unescaped(markdown: str, specials: str) -> list[str]:
    """Characters of ``specials`` that are not backslash-escaped."""
    found, i = [], 0
    while i < len(markdown):
        if markdown[i] == "\\":
            i += 2
            continue
        if markdown[i] in specials:
            found.append(markdown[i])
        i += 1
    return found


def test_a_title_cannot_inject_links_or_html_into_robot_messages(
    alerts_config: Callable[..., Path], smtp_server: MailServer, webhook_server: WebhookServer, engine: Engine
) -> None:
    hooks = f"""
[[alerts.webhooks]]
name = "企业微信值班群"
type = "wecom"
url = "{webhook_server.url}/cgi-bin/webhook/send?key=abc"

[[alerts.webhooks]]
name = "钉钉值班群"
type = "dingtalk"
url = "{webhook_server.url}/robot/send?access_token=t"
"""
    config = alerts_config(smtp_server.port, extra=hooks)
    with Session(engine) as session, session.begin():
        incident = add_incident(
            session, title=PHISHING_TITLE, grades=[(T, "large")], first_reported_at=bj("11-27 03:00"), detected_at=T
        )
        add_post(
            session,
            incident,
            url="https://bbs.example.cn/t/1 (copy).html?a=b)c",
            title=PHISHING_TITLE,
            published_at=bj("11-27 03:01"),
            reposts=30,
        )
        add_post(
            session,
            incident,
            url="javascript:alert(1)",
            title='<font color="warning">点我</font>](javascript:alert(2))',
            published_at=bj("11-27 03:02"),
            reposts=20,
        )
        add_post(
            session, incident, url="https://news.example.cn/2.html", title="正常报道", published_at=bj("11-27 03:03")
        )
        session.execute(
            update(Incident)
            .where(Incident.id == incident.id)
            .values(
                district="兰山区](https://phish.example/place) > # 标题",
                grade_reasons=[REASON],
            )
        )
        session.execute(update(GradeChange).where(GradeChange.incident_id == incident.id).values(reasons=[REASON]))
        incident_id = incident.id
    assert _tick(config, T) == 0
    assert len(webhook_server.received) == 2
    wecom = webhook_server.received[0].body["markdown"]["content"]
    dingtalk = webhook_server.received[1].body["markdown"]["text"]
    for markdown in (wecom, dingtalk):
        assert sorted(markdown_links(markdown)) == sorted(
            [
                CONSOLE.format(id=incident_id),
                "https://bbs.example.cn/t/1%20%28copy%29.html?a=b%29c",
                "https://news.example.cn/2.html",
            ]
        ), markdown
        assert "<font" not in markdown and "<b>" not in markdown
        assert unescaped(markdown, "<>") == []
        assert "phish.example" in markdown  # shown as text, never as a link
        assert "上级通知：请立即点击处置" in markdown
        assert "javascript:" not in " ".join(markdown_links(markdown))


def test_an_escalation_cannot_inject_markdown(
    alerts_config: Callable[..., Path], smtp_port: int, webhook_server: WebhookServer, engine: Engine
) -> None:
    hook = f'\n[[alerts.webhooks]]\nname = "值班群"\ntype = "wecom"\nurl = "{webhook_server.url}/send"\nkinds = []\n'
    config = alerts_config(smtp_port, extra=hook)
    with Session(engine) as session, session.begin():
        add_incident(session, title=PHISHING_TITLE, grades=[(T, "large")], first_reported_at=T, detected_at=T)
    assert _tick(config, T) == 1  # the mail server is down
    assert _tick(config, bj("11-27 03:40")) == 1  # failing for 20 minutes: raised to the robot
    [hook_call] = webhook_server.received
    markdown = hook_call.body["markdown"]["content"]
    assert "预警邮件投递失败" in markdown and "上级通知" in markdown
    assert markdown_links(markdown) == [] and "<font" not in markdown


class DropsAfterData(Mailbox):
    """A server that keeps the message, then drops the connection before answering the end of data."""

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        answer = await super().handle_DATA(server, session, envelope)
        server.transport.abort()
        return answer


def test_a_self_test_without_the_servers_answer_is_not_confirmed(
    alerts_config: Callable[..., Path], engine: Engine, capsys
) -> None:
    server = MailServer()
    server.mailbox = DropsAfterData()
    with server:
        config = alerts_config(server.port)
        code = cli.main(["--config", str(config), "alerts", "self-test", "--now", iso(bj("11-27 10:00"))])
        assert len(server.mailbox.wait_for(1)) == 1  # delivered, but the server never said so
    out = capsys.readouterr().out
    assert code == 1, out
    assert "未确认 1" in out and "成功 0" in out
    assert [r.status for r in _rows(engine)] == ["unconfirmed"]


def test_rows_of_a_removed_webhook_are_skipped(
    alerts_config: Callable[..., Path], smtp_server: MailServer, engine: Engine, capsys
) -> None:
    dead = f"http://127.0.0.1:{free_port()}/send"
    hook = f'\n[[alerts.webhooks]]\nname = "旧值班群"\ntype = "wecom"\nurl = "{dead}"\n'
    config = alerts_config(smtp_server.port, extra=hook)
    with Session(engine) as session, session.begin():
        add_incident(session, grades=[(T, "large")], first_reported_at=bj("11-27 03:00"), detected_at=T)
    assert _tick(config, T) == 1  # the robot is unreachable: retried
    assert {r.channel: r.status for r in _rows(engine)} == {"email": "sent", "wecom": "pending"}
    config = alerts_config(smtp_server.port)  # the webhook is removed from config.toml
    assert _tick(config, bj("11-27 03:30")) == 0
    [row] = [r for r in _rows(engine) if r.channel == "wecom"]
    assert row.status == "skipped" and "旧值班群" in (row.last_error or "")
    assert _tick(config, bj("11-27 05:00")) == 0
    [again] = [r for r in _rows(engine) if r.channel == "wecom"]
    assert (again.status, again.attempts) == ("skipped", row.attempts)
    capsys.readouterr()
    assert cli.main(["--config", str(config), "alerts", "outbox"]) == 0
    assert "旧值班群" in capsys.readouterr().out
