"""``yuqing demo`` end to end: the simulated web, a local SMTP server saving .eml files, a fresh database,
a week of opinion on a compressed clock. The storylines' emails are exactly the expected kinds and counts."""

from __future__ import annotations

import email
from collections import Counter
from email.policy import default as default_policy
from pathlib import Path

import pytest

from yuqing import cli
from yuqing.simweb import demo

pytestmark = pytest.mark.slow  # the simulated week

# Per storyline (X-Yuqing-Incident of its emails): the kinds of email, in order.
# Nobody signs for an alert in the demo: each alert and upgrade is sent again and then raised to the leadership.
CRANE = [
    "alert",
    "unacknowledged",
    "escalation",
    "response",
    "upgrade",
    "unacknowledged",
    "escalation",
    "breach",
    "reminder",
    "reminder",
    "breach",
]
EXPROPRIATION = ["alert", "unacknowledged", "escalation", "response"]


def test_demo_plays_the_week_and_saves_every_email(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "demo"
    folder.mkdir()  # a folder an earlier demo run made (its marker), with a stale database in it
    (folder / demo.MARKER).write_text("此目录由 yuqing demo 创建")
    (folder / "yuqing.db").write_text("a database left over from an earlier run")

    assert cli.main(["demo", "--dir", str(folder)]) == 0

    out = capsys.readouterr().out
    files = sorted((folder / "mail").glob("*.eml"))
    messages = [email.message_from_bytes(f.read_bytes(), policy=default_policy) for f in files]
    assert [f.name.split("-", 1)[1] for f in files] == [f"{m['X-Yuqing-Kind'] or 'report'}.eml" for m in messages]
    by_incident: dict[str, list[str]] = {}
    subjects: dict[str, str] = {}
    for message in messages:
        incident = message["X-Yuqing-Incident"]
        if incident and message["X-Yuqing-Kind"]:
            by_incident.setdefault(str(incident), []).append(str(message["X-Yuqing-Kind"]))
            subjects.setdefault(str(incident), str(message["Subject"]))
    crane = next(i for i, s in subjects.items() if "塔吊" in s)
    expropriation = next(i for i, s in subjects.items() if "征收" in s or "东柳村" in s)
    assert by_incident[crane] == CRANE
    assert by_incident[expropriation] == EXPROPRIATION

    crane_mails = [m for m in messages if str(m["X-Yuqing-Incident"]) == crane]
    assert "[较大]" in str(crane_mails[0]["Subject"]) and "[重大]" in str(crane_mails[4]["Subject"])
    breach = crane_mails[-1]
    assert "召开新闻发布会已超时" in str(breach["Subject"])
    assert "已自动采纳权威信息发布" in str(crane_mails[3]["Subject"])
    kinds = Counter(str(m["X-Yuqing-Kind"] or "report") for m in messages)
    assert kinds["self_test"] == 0

    assert "演示小结" in out and "邮件文件" in out and str(folder / "mail") in out
    assert "召开新闻发布会：已超时" in out and "发布权威信息：已按时完成" in out
    assert (folder / "reports-out" / "舆情周报_2026-W48.html").is_file()
    assert "舆情周报_2026-W48.html" in out
    # the console opens on the demo's data with a demo account
    assert "make console" in out and "用户名 demo" in out
