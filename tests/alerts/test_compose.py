"""What an email and a robot message say, and what they cannot be made to say: header injection,
script in posts, quiet hours, jurisdiction, WeCom/DingTalk formats and DingTalk's signature."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from alerts.webhooks import dingtalk_sign, payload
from storage.models import OutboxMessage
from tests.alerts.conftest import MailServer, WebhookServer, acknowledge, add_incident, add_post, bj, iso
from yuqing import cli

EVIL_TITLE = "塔吊倒塌\r\nBcc: evil@attacker.example\r\nX-Evil: 1\n\nbody"


def _tick(config: Path, now: datetime) -> int:
    return cli.main(["--config", str(config), "alerts", "tick", "--now", iso(now)])


def test_a_title_cannot_add_headers_and_post_html_is_escaped(
    alerts_config: Callable[..., Path], smtp_server: MailServer, engine: Engine
) -> None:
    config = alerts_config(smtp_server.port)
    with Session(engine) as session, session.begin():
        incident = add_incident(
            session,
            title=EVIL_TITLE,
            grades=[(bj("11-27 03:20"), "large")],
            first_reported_at=bj("11-27 03:00"),
            detected_at=bj("11-27 03:20"),
        )
        add_post(
            session,
            incident,
            url="https://bbs.example.cn/1",
            title="<script>alert('x')</script>围观",
            published_at=bj("11-27 03:01"),
            reposts=9,
        )
        add_post(
            session,
            incident,
            url="javascript:alert(2)",
            title="<img src=x onerror=alert(3)>",
            published_at=bj("11-27 03:02"),
        )
    assert _tick(config, bj("11-27 03:20")) == 0
    [mail] = smtp_server.mailbox.wait_for(1)
    assert "evil@attacker.example" not in mail.recipients
    assert mail.message["Bcc"] is None and mail.message["X-Evil"] is None
    assert str(mail.message["Subject"]) == "[较大] 舆情预警：塔吊倒塌 Bcc: evil@attacker.example X-Evil: 1 body"
    html = mail.html()
    assert "<script>" not in html and "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;围观" in html
    assert "<img" not in html and "&lt;img src=x onerror=alert(3)&gt;" in html
    assert 'href="javascript:' not in html
    assert "<script>alert('x')</script>围观" in mail.text()  # plain text is plain


def test_quiet_hours_hold_back_lower_grades_but_never_major(
    alerts_config: Callable[..., Path], smtp_server: MailServer, engine: Engine
) -> None:
    config = alerts_config(smtp_server.port, alerts='quiet_hours = "22:00-07:00"')
    with Session(engine) as session, session.begin():
        ids = [
            add_incident(
                session,
                title=title,
                grades=[(bj("11-27 01:00"), grade)],
                first_reported_at=bj("11-27 00:50"),
                detected_at=bj("11-27 01:00"),
            ).id
            for title, grade in (("较大事件", "large"), ("重大事件", "major"))
        ]
    assert _tick(config, bj("11-27 01:00")) == 0
    assert [str(m.message["Subject"]) for m in smtp_server.mailbox.wait_for(1)] == ["[重大] 舆情预警：重大事件"]
    acknowledge(engine, ids[1], bj("11-27 01:05"))  # signed for: neither sent again nor escalated
    with Session(engine) as session:
        held = session.scalars(select(OutboxMessage).where(OutboxMessage.status == "pending")).one()
    assert held.next_attempt_at == bj("11-27 07:00")
    assert _tick(config, bj("11-27 06:50")) == 0
    assert [m.kind for m in smtp_server.mailbox.wait_for(2)] == ["alert", "breach"]  # 重大: never held
    assert _tick(config, bj("11-27 07:00")) == 0
    assert "[较大] 舆情预警：较大事件" in [str(m.message["Subject"]) for m in smtp_server.mailbox.wait_for(3)]


def test_outside_the_jurisdiction_the_alert_says_so_and_no_clock_runs(
    alerts_config: Callable[..., Path], smtp_server: MailServer, engine: Engine
) -> None:
    config = alerts_config(smtp_server.port)
    with Session(engine) as session, session.begin():
        add_incident(
            session,
            title="郑州某工地坍塌",
            grades=[(bj("11-27 01:00"), "major")],
            first_reported_at=bj("11-27 00:50"),
            detected_at=bj("11-27 01:00"),
            in_jurisdiction=False,
        )
    for hour in ("01:00", "05:00", "09:00", "11-28 09:00"):
        assert _tick(config, bj(hour if "-" in hour else f"11-27 {hour}")) == 0
    [mail] = smtp_server.mailbox.wait_for(1)
    assert str(mail.message["Subject"]).startswith("[重大][外省] 舆情预警")
    assert "不属本省管辖：不计时、不升级督办" in mail.text() and "本事件不适用回应时限" in mail.text()
    assert len(smtp_server.mailbox.received) == 1


def test_notifications_are_mirrored_to_wecom_and_signed_for_dingtalk(
    alerts_config: Callable[..., Path],
    smtp_server: MailServer,
    webhook_server: WebhookServer,
    engine: Engine,
    monkeypatch,
) -> None:
    monkeypatch.setenv("YUQING_WECOM_URL", f"{webhook_server.url}/cgi-bin/webhook/send?key=abc")
    monkeypatch.setenv("YUQING_DINGTALK_SECRET", "SECtest")
    hooks = f"""
[[alerts.webhooks]]
name = "企业微信值班群"
type = "wecom"
url_env = "YUQING_WECOM_URL"

[[alerts.webhooks]]
name = "钉钉领导群"
type = "dingtalk"
url = "{webhook_server.url}/robot/send?access_token=t"
secret_env = "YUQING_DINGTALK_SECRET"
kinds = ["breach"]
"""
    config = alerts_config(smtp_server.port, extra=hooks)
    with Session(engine) as session, session.begin():
        add_incident(
            session,
            grades=[(bj("11-27 03:20"), "major")],
            first_reported_at=bj("11-27 03:00"),
            detected_at=bj("11-27 03:20"),
        )
    assert _tick(config, bj("11-27 03:20")) == 0
    assert _tick(config, bj("11-27 08:00")) == 0  # release deadline: breach
    paths = [hook.path.split("?")[0] for hook in webhook_server.received]
    assert paths == ["/cgi-bin/webhook/send", "/cgi-bin/webhook/send", "/robot/send"]
    wecom = webhook_server.received[0].body
    assert wecom["msgtype"] == "markdown" and "舆情预警" in wecom["markdown"]["content"]
    assert len(wecom["markdown"]["content"].encode()) <= 4096
    dingtalk = webhook_server.received[2]
    assert dingtalk.body["markdown"]["title"].startswith("[重大] 超时")
    query = parse_qs(urlsplit(dingtalk.path).query)
    timestamp = int(query["timestamp"][0])
    expected = base64.b64encode(hmac.new(b"SECtest", f"{timestamp}\nSECtest".encode(), hashlib.sha256).digest())
    assert query["sign"][0] == expected.decode() and query["access_token"] == ["t"]


def test_webhook_formats() -> None:
    assert payload("wecom", "标题", "**正文**") == {"msgtype": "markdown", "markdown": {"content": "**正文**"}}
    assert payload("dingtalk", "标题", "**正文**") == {
        "msgtype": "markdown",
        "markdown": {"title": "标题", "text": "**正文**"},
    }
    # DingTalk's documented example: the sign is URL-encoded base64, so '+', '/' and '=' are escaped
    sign = dingtalk_sign("SEC123", int(datetime(2026, 11, 27, tzinfo=UTC).timestamp() * 1000))
    assert "+" not in sign and "/" not in sign and sign.endswith("%3D")


def test_a_silent_source_is_reported_once_per_silence(
    alerts_config: Callable[..., Path], smtp_server: MailServer
) -> None:
    source = '\n[[sources]]\nname = "大众网"\ntype = "feed"\nurl = "http://127.0.0.1:9/rss"\ntier = "provincial"\n'
    config = alerts_config(smtp_server.port, extra=source)
    assert _tick(config, bj("11-27 03:00")) == 0
    assert _tick(config, bj("11-27 04:00")) == 0
    [mail] = smtp_server.mailbox.wait_for(1)
    assert mail.kind == "blind_spot" and set(mail.recipients) == {"duty@zjt.example.cn", "duty2@zjt.example.cn"}
    assert str(mail.message["Subject"]) == "[盲区] 来源“大众网”从未采集到内容"
    assert "yuqing --config" in mail.text() and " sources" in mail.text()
    assert len(smtp_server.mailbox.received) == 1


def test_self_test_on_demand(alerts_config: Callable[..., Path], smtp_server: MailServer, capsys) -> None:
    config = alerts_config(smtp_server.port)
    assert cli.main(["--config", str(config), "alerts", "self-test", "--now", iso(bj("11-27 10:00"))]) == 0
    assert "成功 1" in capsys.readouterr().out
    [mail] = smtp_server.mailbox.wait_for(1)
    assert mail.kind == "self_test" and "预警邮件通道工作正常" in mail.text()
