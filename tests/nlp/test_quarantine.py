"""No poison pills (issue 17 #1): a document the tagger cannot process is set aside with its reason, and tagging
goes on with the rest; ``yuqing tag`` says how many were set aside."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from nlp.pending import tag_documents, tag_untagged
from nlp.tagger import Post, Tagger, Tags
from storage import incidents as incident_rows
from storage.db import migrate, session_factory
from storage.documents import DocumentRecord, quarantine_count, quarantined, store
from storage.models import DocumentAnalysis, IncidentDocument
from storage.sources import ensure_source
from yuqing import cli

NOW = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)
POISON = "毒丸"


def _store(engine: Engine, texts: Sequence[str], published_at: datetime = NOW) -> list[int]:
    migrate(engine)
    sessions = session_factory(engine)
    ids = []
    with sessions.begin() as session:
        source = ensure_source(session, "测试来源", NOW)
        for number, text in enumerate(texts):
            record = DocumentRecord.model_validate(
                {
                    "url": f"https://y.cn/{number}",
                    "title": text[:10],
                    "text": text,
                    "published_at": published_at,
                    "source": "测试来源",
                    "kind": "news",
                }
            )
            stored = store(session, record, source, NOW)
            assert stored is not None
            ids.append(stored)
    return ids


TEXTS = [
    "济南一在建工地塔吊倒塌，造成3人死亡",
    f"{POISON}：这一条让标注器出错",
    "青岛十月二手房成交量环比上升",
    "市一中举行秋季运动会",
    "临沂兰山区一小区墙体开裂渗水，业主维权",
]


def _choking(tagger: Tagger) -> tuple[list[int], object]:
    calls: list[int] = []

    def tag_many(posts: Sequence[Post]) -> list[Tags]:
        calls.append(len(posts))
        if any(POISON in post.text for post in posts):
            raise RuntimeError("boom")
        return tagger.tag_many(posts, keywords=True)

    return calls, tag_many


def _analysed(engine: Engine) -> int:
    with engine.connect() as connection:
        return connection.scalar(select(func.count()).select_from(DocumentAnalysis)) or 0


def test_a_document_the_tagger_chokes_on_is_set_aside(engine: Engine, tagger: Tagger) -> None:
    ids = _store(engine, TEXTS)
    sessions = session_factory(engine)
    _calls, tag_many = _choking(tagger)
    run = tag_documents(sessions, tag_many, "test", lambda: NOW, batch=500)  # type: ignore[arg-type]
    assert run.tagged == 4
    assert [document_id for document_id, _reason in run.set_aside] == [ids[1]]
    assert "RuntimeError" in run.set_aside[0][1] and "boom" in run.set_aside[0][1]
    assert _analysed(engine) == 4
    with sessions() as session:
        assert quarantine_count(session) == 1
        [(document_id, reason, at)] = quarantined(session)
    assert (document_id, at) == (ids[1], NOW)
    assert reason.startswith("标注失败") and "boom" in reason

    # The next run does not try it again ...
    calls, tag_many = _choking(tagger)
    assert tag_untagged(sessions, tag_many, "test", lambda: NOW) == 0  # type: ignore[arg-type]
    assert calls == []
    # ... and re-tagging everything (a fixed tagger) takes it back in.
    fixed = tag_documents(
        sessions, lambda posts: tagger.tag_many(posts, keywords=True), "test", lambda: NOW, 2, everything=True
    )
    assert (fixed.tagged, fixed.set_aside) == (5, [])
    with sessions() as session:
        assert quarantine_count(session) == 0
    assert _analysed(engine) == 5


def test_a_document_whose_tags_cannot_be_saved_is_set_aside(engine: Engine, tagger: Tagger) -> None:
    ids = _store(engine, TEXTS)
    sessions = session_factory(engine)

    def tag_many(posts: Sequence[Post]) -> list[Tags]:
        tags = tagger.tag_many(posts, keywords=True)
        # a naive occurrence time is refused by the column: the save of this one document fails
        return [
            dataclasses.replace(t, occurred_at=datetime(2026, 11, 27)) if POISON in p.text else t
            for p, t in zip(posts, tags, strict=True)
        ]

    run = tag_documents(sessions, tag_many, "test", lambda: NOW, batch=500)
    assert run.tagged == 4
    assert [document_id for document_id, _reason in run.set_aside] == [ids[1]]
    assert _analysed(engine) == 4


def test_a_document_set_aside_and_later_tagged_is_detected(engine: Engine, tagger: Tagger) -> None:
    """Detect does not wait for a document set aside; once tagged it is placed like a new one."""
    from incidents.detect import detect
    from tests.incidents.builders import make_config

    ids = _store(
        engine, [POISON + "，济南一在建工地塔吊倒塌，造成3人死亡", "济南一在建工地塔吊倒塌，造成3人死亡，续报"]
    )
    sessions = session_factory(engine)
    _calls, tag_many = _choking(tagger)
    assert tag_documents(sessions, tag_many, "test", lambda: NOW).tagged == 1
    detect(sessions, NOW, make_config())
    with sessions() as session:
        assert incident_rows.low_water(session) >= ids[1]  # not held back by the document set aside
    tag_documents(sessions, lambda posts: tagger.tag_many(posts, keywords=True), "test", lambda: NOW, everything=True)
    detect(sessions, NOW, make_config())
    with sessions() as session:
        placed = set(session.scalars(select(IncidentDocument.document_id)))
    assert ids[0] in placed


def test_yuqing_tag_goes_on_past_a_year_9999_post(
    engine: Engine, database_url: str, write_config, capsys: pytest.CaptureFixture[str]
) -> None:
    """The reproduction of issue 17 #1: such a post stored before ingest checked instants stops nothing."""
    _store(engine, ["x"], published_at=datetime(9999, 12, 31, 20, 0, tzinfo=UTC))
    sessions = session_factory(engine)
    with sessions.begin() as session:
        record = DocumentRecord.model_validate(
            {"url": "https://y.cn/b", "text": TEXTS[0], "published_at": NOW, "source": "s", "kind": "news"}
        )
        store(session, record, ensure_source(session, "s", NOW), NOW)
    config: Path = write_config(f'[database]\nurl = "{database_url}"\n')
    assert cli.main(["--config", str(config), "tag", "--workers", "1"]) == 0
    out = capsys.readouterr().out
    assert "标注完成：2 条文档" in out
    assert _analysed(engine) == 2


def test_yuqing_tag_reports_how_many_were_set_aside(
    engine: Engine, database_url: str, write_config, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _store(engine, TEXTS)
    real = Tagger.tag_many

    def choking(self: Tagger, posts: Sequence[Post], keywords: bool = False) -> list[Tags]:
        if any(POISON in post.text for post in posts):
            raise ValueError("无法处理")
        return real(self, posts, keywords=keywords)

    monkeypatch.setattr(Tagger, "tag_many", choking)
    config: Path = write_config(f'[database]\nurl = "{database_url}"\n')
    assert cli.main(["--config", str(config), "tag", "--workers", "1"]) == 0
    out = capsys.readouterr().out
    assert "标注完成：4 条文档" in out
    assert "1 条文档无法标注，已隔离" in out
    assert _analysed(engine) == 4
