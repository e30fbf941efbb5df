"""Reports against hostile stored text (issue 17): control characters in titles, line breaks in the
mailed subject, the evaluation's deadlines and a digest whose previous week was empty."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import docx
import pytest
from sqlalchemy import Engine, select, update

from storage.db import migrate, session_factory
from storage.models import Document, Incident
from tests.conftest import ON_POSTGRES
from tests.reports import scenario
from tests.reports.test_reports import CONFIG  # the same mail server, recipients and department
from yuqing.cli import main
from yuqing.simweb.loopback import MailServer

# Every character XML 1.0 forbids below U+0020 (tab, LF and CR are allowed).
# PostgreSQL cannot store NUL at all (ingest rejects it there); every other XML-invalid character it keeps.
NUL = "" if ON_POSTGRES else "\x00"
XML_INVALID = "".join(chr(c) for c in range(0x20) if c not in (0x09, 0x0A, 0x0D) and (c or NUL))
XML_INVALID_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


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


def run(*argv: object) -> int:
    return main([str(a) for a in argv])


def _set_title(world: dict[str, Any], incident_id: int, title: str) -> None:
    with world["sessions"].begin() as session:
        session.execute(update(Incident).where(Incident.id == incident_id).values(title=title))


def _docx_text(path: Path) -> str:
    document = docx.Document(str(path))
    parts = [p.text for p in document.paragraphs]
    parts += [c.text for t in document.tables for r in t.rows for c in r.cells]
    return "\n".join(parts)


def test_control_characters_in_stored_text_do_not_block_the_reports(world: dict[str, Any], tmp_path: Path) -> None:
    incident = world["scenario"].incident_a
    _set_title(world, incident, f"临沂兰山区\u000b脚手架$坍塌{XML_INVALID}$致2人死亡")  # "$…$" is not mathtext
    with world["sessions"].begin() as session:
        ids = list(session.scalars(select(Document.id).order_by(Document.id)))
        for number, doc_id in enumerate(ids):
            session.execute(
                update(Document)
                .where(Document.id == doc_id)
                .values(title=f"帖文{number}\u000b标题{NUL}\x08\x0c\x1f", text=f"正文\u000b内容\x01{number}")
            )
    out = tmp_path / "out"
    assert run("--config", world["config"], "report", incident, "--out", out, "--now", "2026-12-01T00:00") == 0
    assert run("--config", world["config"], "digest", "--week", "2026-W48", "--out", out) == 0

    written = {
        "evaluation": (out / f"应对效果评估_事件{incident}.html", out / f"应对效果评估_事件{incident}.docx"),
        "digest": (out / "舆情周报_2026-W48.html", out / "舆情周报_2026-W48.docx"),
    }
    for html_path, docx_path in written.values():
        page = html_path.read_text(encoding="utf-8")
        assert not XML_INVALID_RE.search(page), html_path
        text = _docx_text(docx_path)
        assert not XML_INVALID_RE.search(text), docx_path
    evaluation = _docx_text(written["evaluation"][1])
    assert "脚手架$坍塌" in evaluation and "$致2人死亡" in evaluation
    assert "帖文" in _docx_text(written["digest"][1])


def test_a_title_with_line_breaks_is_mailed_with_a_one_line_subject(
    world: dict[str, Any], smtp_server: MailServer, tmp_path: Path
) -> None:
    incident = world["scenario"].incident_a
    _set_title(world, incident, "脚手架坍塌\r\nBcc: evil@attacker.example\r\nX-Evil: 1\n\n正文")
    out = tmp_path / "out"
    assert run("--config", world["config"], "report", incident, "--out", out, "--send", "--now", "2026-12-01") == 0
    [mail] = smtp_server.mailbox.wait_for(1)
    assert "evil@attacker.example" not in mail.recipients
    assert mail.message["Bcc"] is None and mail.message["X-Evil"] is None
    subject = str(mail.message["Subject"])
    assert "\n" not in subject and "\r" not in subject
    assert (
        f"事件{incident}：脚手架坍塌 Bcc: " in subject and " X-Evil: 1 正文（评估时点" in subject
    )  # the address is masked
    assert run("--config", world["config"], "digest", "--week", "2026-W48", "--out", out, "--send") == 0
    assert len(smtp_server.mailbox.wait_for(2)) == 2


def test_the_evaluation_states_each_deadline(world: dict[str, Any], tmp_path: Path) -> None:
    incident = world["scenario"].incident_a
    out = tmp_path / "out"
    assert run("--config", world["config"], "report", incident, "--out", out, "--now", "2026-12-01T00:00") == 0
    evaluation = docx.Document(str(out / f"应对效果评估_事件{incident}.docx"))
    table = next(t for t in evaluation.tables if t.rows[0].cells[0].text == "时限")
    header = [c.text for c in table.rows[0].cells]
    assert "截止时间" in header
    column = header.index("截止时间")
    deadlines = {(r.cells[0].text, r.cells[1].text): r.cells[column].text for r in table.rows[1:]}
    # occurred 11-24 06:00: release due 11:00, press conference due 11-25 06:00 (北京时间)
    assert deadlines[("发布权威信息（5小时）", "事发时间（计时起点）")] == "2026年11月24日 11:00（北京时间）"
    assert deadlines[("发布权威信息（5小时）", "首次报道")] == "2026年11月24日 13:00（北京时间）"
    assert deadlines[("召开新闻发布会（24小时）", "事发时间（计时起点）")] == "2026年11月25日 06:00（北京时间）"
    page = (out / f"应对效果评估_事件{incident}.html").read_text(encoding="utf-8")
    assert "截止时间" in page and "2026年11月24日 11:00（北京时间）" in page


def test_a_digest_after_an_empty_week_says_so(world: dict[str, Any], tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert run("--config", world["config"], "digest", "--week", "2026-W47", "--out", out) == 0
    page = (out / "舆情周报_2026-W47.html").read_text(encoding="utf-8")
    lead = _docx_text(out / "舆情周报_2026-W47.docx")
    for written in (page, lead):
        assert "上周无相关帖文" in written
        assert "较上周（0条）" not in written and "（上周0.0%）" not in written
