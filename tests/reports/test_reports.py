"""The weekly digest and the incident evaluation rendered from a scenario database, checked against the data,
re-opened as .docx, and mailed to a real SMTP server (aiosmtpd on loopback)."""

from __future__ import annotations

import email
from collections.abc import Callable
from datetime import timedelta
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

import docx
import pytest
from sqlalchemy import Engine, func, select

from reports.data import find_incident, incident_facts, parse_week
from reports.digest import collect, place_finder
from reports.scoring import evaluate
from storage.db import migrate, session_factory
from storage.models import Document, DocumentAnalysis, DocumentTopic
from tests.reports import scenario
from tests.reports.scenario import PHONE, PRIVATE_NAME, bj
from yuqing import config as config_module
from yuqing.cli import main
from yuqing.simweb.loopback import MailServer, free_port

CONFIG = """
[database]
url = "{url}"

[smtp]
host = "127.0.0.1"
port = {port}
sender = "住建舆情监测 <yuqing@zjt.example.cn>"
timeout = "5s"

[recipients]
duty = ["值班室 <duty@zjt.example.cn>"]
leadership = ["leader@zjt.example.cn"]

[topics.engineering_quality]
department = "工程质量安全监管处"
emails = ["gczl@zjt.example.cn"]
"""


@pytest.fixture
def world(
    engine: Engine, database_url: str, write_config: Callable[..., Path], smtp_server: MailServer
) -> dict[str, Any]:
    migrate(engine)
    sessions = session_factory(engine)
    with sessions.begin() as session:
        built = scenario.build(session)
    path = write_config(CONFIG.format(url=database_url, port=smtp_server.port))
    return {"scenario": built, "config": path, "sessions": sessions}


def run(*argv: str) -> int:
    return main([str(a) for a in argv])


def test_digest_numbers_match_the_data(world: dict[str, Any], engine: Engine) -> None:
    week = parse_week("2026-W48")
    config = config_module.load(world["config"])
    with world["sessions"]() as session:
        digest = collect(session, week, config, _segmenter())
    with engine.connect() as connection:
        relevant = (
            select(Document.id)
            .join(DocumentTopic, DocumentTopic.document_id == Document.id)
            .where(Document.published_at >= week.start, Document.published_at < week.end)
            .distinct()
            .subquery()
        )
        total = connection.scalar(select(func.count()).select_from(relevant))
        negative = connection.scalar(
            select(func.count())
            .select_from(relevant)
            .join(DocumentAnalysis, DocumentAnalysis.document_id == relevant.c.id)
            .where(DocumentAnalysis.sentiment == "negative")
        )
        by_topic = dict(
            connection.execute(
                select(DocumentTopic.topic, func.count())
                .join(Document, Document.id == DocumentTopic.document_id)
                .where(Document.published_at >= week.start, Document.published_at < week.end)
                .group_by(DocumentTopic.topic)
            ).all()
        )
    assert digest.this.total == total == 24
    assert digest.this.sentiments["negative"] == negative == 11
    assert digest.this.negative_share == pytest.approx(11 / 24)
    assert (
        dict(digest.this.topics) == by_topic == {"engineering_quality": 12, "housing_market": 6, "urban_management": 6}
    )
    assert digest.before.total == 5 and digest.before.sentiments["negative"] == 2
    assert digest.this.cities["临沂市"] == 12 and digest.this.cities["青岛市"] == 6
    assert digest.this.tiers["self_media"] == 8
    ids = {i.facts.id for i in digest.incidents}
    assert ids == {world["scenario"].incident_a, world["scenario"].incident_b}
    a = next(i for i in digest.incidents if i.facts.id == world["scenario"].incident_a)
    assert [(c.label, c.state) for c in a.clocks] == [("发布权威信息", "missed"), ("召开新闻发布会", "missed")]
    assert "超时3小时" in a.clocks[0].text
    assert digest.hot_words["engineering_quality"], digest.hot_words
    places = place_finder()
    assert not [w for words in digest.hot_words.values() for w in words if places.is_place_name(w)], digest.hot_words
    assert digest.notable[0].engagement == 300 and PHONE not in digest.notable[0].title


def test_evaluation_of_a_late_release(world: dict[str, Any]) -> None:
    config = config_module.load(world["config"])
    with world["sessions"]() as session:
        incident = find_incident(session, world["scenario"].incident_a)
        assert incident is not None
        result = evaluate(incident_facts(session, incident, incident.closed_at), config)
    assert result.start == bj("11-24 06:00")
    release = {c.start_label: c for c in result.deadlines if c.clock == "release"}
    assert release["事发时间"].delay == timedelta(hours=8) and release["事发时间"].met is False
    assert release["首次报道"].delay == timedelta(hours=6) and release["首次报道"].met is False
    assert release["监测发现"].delay == timedelta(hours=5, minutes=30) and release["监测发现"].met is False
    press = {c.start_label: c for c in result.deadlines if c.clock == "press_conference"}
    assert press["事发时间"].delay == timedelta(hours=28)
    assert result.speed == "B"
    assert result.facts.first_alert_at == bj("11-24 08:32")
    assert [item for item, ok in result.checklist if ok] == ["事件经过", "伤亡情况", "原因", "责任单位", "处置措施"]
    assert len(result.before) == 4 and len(result.after) == 7 and len(result.questioning) == 2
    assert result.peak == (bj("11-24 16:00"), 3)
    assert result.restored_at == bj("11-24 19:00")
    scores = {d.name: d.score for d in result.dimensions}
    # 政府响应 B +4, press conference missed −2; 透明度 5 items +10; 公信力 20×(0.5−6/7) → −6, questioning 29% −4;
    # 秩序 3 h → +5; 动态 no follow-up, 重大 → 0; 问责 deaths, none announced → −3.
    assert scores == {"政府响应": 2, "信息透明度": 10, "政府公信力": -10, "恢复秩序": 5, "动态反应": 0, "官员问责": -3}
    assert result.total == 4 and result.band == "红"
    kinds = {f.kind: f for f in result.findings}
    assert set(kinds) == {"报告不及时", "回应不妥当"}
    assert not kinds["报告不及时"].serious and "超过时限3小时" in kinds["报告不及时"].reason
    assert kinds["回应不妥当"].serious
    assert result.recommendation == "约谈整改"
    assert result.department == "工程质量安全监管处"


def test_evaluation_of_an_on_time_release(world: dict[str, Any]) -> None:
    config = config_module.load(world["config"])
    with world["sessions"]() as session:
        incident = find_incident(session, world["scenario"].incident_b)
        assert incident is not None
        result = evaluate(incident_facts(session, incident, bj("11-30 08:30")), config)
    response = {c.start_label: c for c in result.deadlines}
    assert set(response) == {"事发时间", "首次报道", "监测发现"}
    assert response["事发时间"].met is None  # no occurrence time was stated
    assert response["首次报道"].delay == timedelta(hours=3) and response["首次报道"].met
    assert result.speed == "A"
    assert result.findings == [] and result.recommendation is None
    scores = {d.name: d.score for d in result.dimensions}
    assert scores["政府响应"] == 10  # A +8, 48 h met +2
    assert scores["动态反应"] == 1  # 较大, one release, no follow-up


def test_commands_write_html_and_docx_and_mail_them(
    world: dict[str, Any], smtp_server: MailServer, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    config = world["config"]
    assert (
        run("--config", config, "digest", "--week", "2026-W48", "--out", out, "--send", "--now", "2026-11-30T08:30")
        == 0
    )
    incident = world["scenario"].incident_a
    assert run("--config", config, "report", incident, "--out", out, "--send", "--now", "2026-12-01T00:00") == 0

    digest_html = (out / "舆情周报_2026-W48.html").read_text(encoding="utf-8")
    evaluation_html = (out / f"应对效果评估_事件{incident}.html").read_text(encoding="utf-8")
    assert "data:image/png;base64," in digest_html and "24条" in digest_html
    assert "约谈整改" in evaluation_html and world["scenario"].release_a_url in evaluation_html

    weekly = docx.Document(str(out / "舆情周报_2026-W48.docx"))
    comparison = weekly.tables[0]
    assert [c.text for c in comparison.rows[0].cells] == ["指标", "本周", "上周", "变化"]
    assert [c.text for c in comparison.rows[1].cells][:3] == ["信息总量（条）", "24", "5"]
    negative_row = next(r for r in comparison.rows if r.cells[0].text == "负面占比")
    assert negative_row.cells[1].text == "45.8%" and negative_row.cells[2].text == "40.0%"
    topics = {r.cells[0].text: r.cells[1].text for r in weekly.tables[1].rows[1:]}
    assert topics["工程质量安全"] == "12" and topics["房地产市场"] == "6"
    assert len(weekly.inline_shapes) == 4
    assert 'w:eastAsia="仿宋_GB2312"' in weekly.styles["Normal"].element.xml

    evaluation = docx.Document(str(out / f"应对效果评估_事件{incident}.docx"))
    deadline_rows = [[c.text for c in r.cells] for r in evaluation.tables[2].rows]
    assert deadline_rows[1][:2] == ["发布权威信息（5小时）", "事发时间（计时起点）"]
    assert deadline_rows[1][3] == "2026年11月24日 11:00（北京时间）"  # the deadline column (issue 17)
    assert deadline_rows[1][5:] == ["8小时", "超时3小时"]
    score_rows = {r.cells[0].text: r.cells[2].text for r in evaluation.tables[3].rows[1:]}
    assert score_rows["合计"] == "+4" and score_rows["政府响应"] == "+2"

    mails = smtp_server.mailbox.wait_for(2)
    assert len(mails) == 2
    digest_mail = mails[0]
    assert {"duty@zjt.example.cn", "leader@zjt.example.cn", "gczl@zjt.example.cn"} == set(digest_mail.recipients)
    message = email.message_from_bytes(digest_mail.message.as_bytes(), policy=default_policy)
    assert "住建舆情周报" in str(message["Subject"])
    html_part = message.get_body(preferencelist=("html",))
    html = html_part.get_content()
    assert "cid:daily_volume.png" in html and "data:image" not in html
    images = [p for p in message.walk() if p.get_content_type() == "image/png"]
    assert {str(p["Content-ID"]) for p in images} == {
        "<daily_volume.png>",
        "<negative_share.png>",
        "<topic_share.png>",
        "<incidents.png>",
    }
    attachments = list(message.iter_attachments())
    assert [a.get_filename() for a in attachments] == ["舆情周报_2026-W48.docx"]
    assert docx.Document(_bytes_io(attachments[0].get_content())).tables[0].rows[1].cells[1].text == "24"

    everything = digest_html + evaluation_html + _docx_text(out) + "".join(m.message.as_string() for m in mails)
    everything += html
    assert PHONE not in everything and PRIVATE_NAME not in everything
    assert "138****5678" in digest_html or "138****5678" in evaluation_html


def test_bad_input_exits_2(world: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run("--config", world["config"], "digest", "--week", "2026-48", "--out", tmp_path) == 2
    assert "参数 --week 无效" in capsys.readouterr().err
    assert run("--config", world["config"], "digest", "--week", "2026-W54", "--out", tmp_path) == 2
    assert run("--config", world["config"], "report", "999", "--out", tmp_path) == 2
    assert "找不到事件 999" in capsys.readouterr().err
    assert run("--config", world["config"], "report", "abc", "--out", tmp_path) == 2


def test_send_failure_is_reported(
    world: dict[str, Any],
    tmp_path: Path,
    write_config: Callable[..., Path],
    database_url: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = write_config(CONFIG.format(url=database_url, port=free_port()), name="down.toml")
    assert run("--config", path, "report", world["scenario"].incident_b, "--out", tmp_path, "--send") == 1
    assert "报告未发送" in capsys.readouterr().err
    assert (tmp_path / f"应对效果评估_事件{world['scenario'].incident_b}.docx").exists()


def _segmenter() -> Any:
    from nlp.segment import Segmenter

    return Segmenter()


def _bytes_io(data: bytes) -> Any:
    import io

    return io.BytesIO(data)


def _docx_text(out: Path) -> str:
    parts = []
    for path in out.glob("*.docx"):
        document = docx.Document(str(path))
        parts += [p.text for p in document.paragraphs]
        parts += [c.text for t in document.tables for r in t.rows for c in r.cells]
    return "\n".join(parts)
