"""``yuqing correct``: an officer's correction changes a post's tags at once, moves its incident with it, is
stored with who and when, survives re-tagging, and feeds ``yuqing train``; bad input changes nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from nlp.corrections import examples as correction_examples
from storage import tags as tag_rows
from storage.db import session_factory
from storage.models import Correction, DocumentTopic, Incident, IncidentDocument
from tests.incidents.builders import HOUR, NOW, World
from yuqing.cli import main
from yuqing.instants import BEIJING

AT = (NOW + 3 * HOUR).astimezone(BEIJING).isoformat()
LATER = (NOW + 5 * HOUR).astimezone(BEIJING).isoformat()


@pytest.fixture
def setup(engine: Engine, database_url: str, write_config) -> tuple[World, Path, list[int]]:  # type: ignore[no-untyped-def]
    world = World(engine)
    path = write_config(f'[database]\nurl = "{database_url}"\n')
    ids = [
        world.post("临沂兰山区一基坑坍塌", "临沂市兰山区一工地基坑坍塌，造成3人死亡。", NOW),
        world.post("临沂兰山区基坑坍塌致3人死亡", "临沂市兰山区一工地基坑坍塌，3人死亡。", NOW + HOUR, source="大众网"),
        # the tagger missed this one, the first word of the collapse: no topic and no incident to join yet, so
        # it starts nothing (a later untagged post like it would join the incident)
        world.post("兰山区工地那边塌了", "临沂市兰山区一工地基坑坍塌，好多人围着。", NOW - HOUR, topics=()),
    ]
    assert main(["--config", str(path), "detect", "--now", AT]) == 0
    return world, path, ids


def run(path: Path, *argv: str) -> int:
    return main(["--config", str(path), *argv])


def topics_of(engine: Engine, document_id: int) -> list[str]:
    with session_factory(engine)() as session:
        return sorted(session.scalars(select(DocumentTopic.topic).where(DocumentTopic.document_id == document_id)))


def incident_of(engine: Engine, document_id: int) -> int | None:
    with session_factory(engine)() as session:
        return session.scalar(select(IncidentDocument.incident_id).where(IncidentDocument.document_id == document_id))


def test_a_correction_changes_the_tags_and_the_incident_at_once(setup, engine: Engine, capsys) -> None:  # type: ignore[no-untyped-def]
    _world, path, (first, second, missed) = setup
    incident = incident_of(engine, first)
    assert incident is not None and incident_of(engine, missed) is None
    capsys.readouterr()

    assert (
        run(
            path,
            "correct",
            str(missed),
            "--topics",
            "engineering_quality",
            "--sentiment",
            "negative",
            "--reason",
            "施工致房屋开裂",
            "--by",
            "值班员甲",
            "--now",
            LATER,
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "无议题 → 工程质量安全" in out and "值班员甲" in out
    assert topics_of(engine, missed) == ["engineering_quality"]
    assert incident_of(engine, missed) == incident  # placed at once, into the incident it is about

    assert (
        run(
            path,
            "correct",
            str(second),
            "--topics",
            "engineering_quality,housing_market",
            "--by",
            "值班员甲",
            "--now",
            LATER,
        )
        == 0
    )
    with session_factory(engine)() as session:
        row = session.get(Incident, incident)
        assert row is not None and "housing_market" in row.topics  # the incident's topics follow its posts
        correction = session.scalars(select(Correction).where(Correction.document_id == second)).one()
        assert (correction.by, correction.before_topics, correction.topics) == (
            "值班员甲",
            ["engineering_quality"],
            ["engineering_quality", "housing_market"],
        )
        assert correction.at.astimezone(BEIJING).isoformat() == LATER


def test_a_post_corrected_to_no_topic_leaves_its_incident(setup, engine: Engine) -> None:  # type: ignore[no-untyped-def]
    _world, path, (first, second, _missed) = setup
    incident = incident_of(engine, first)
    assert run(path, "correct", str(second), "--topics", "none", "--by", "值班员乙", "--now", LATER) == 0
    assert topics_of(engine, second) == [] and incident_of(engine, second) is None
    assert incident_of(engine, first) == incident
    assert run(path, "correct", str(first), "--topics", "none", "--by", "值班员乙", "--now", LATER) == 0
    with session_factory(engine)() as session:
        row = session.get(Incident, incident)
        assert row is not None and row.status == "dismissed"  # its last post left: a false alarm


def test_a_correction_survives_re_tagging(setup, engine: Engine) -> None:  # type: ignore[no-untyped-def]
    _world, path, (first, _second, _missed) = setup
    assert (
        run(
            path,
            "correct",
            str(first),
            "--topics",
            "urban_management",
            "--sentiment",
            "positive",
            "--by",
            "值班员丙",
            "--now",
            LATER,
        )
        == 0
    )
    assert run(path, "tag", "--all", "--workers", "1") == 0  # the shipped model tags every document again
    assert topics_of(engine, first) == ["urban_management"]
    with session_factory(engine)() as session:
        assert tag_rows.current(session, first).sentiment == "positive"
        assert session.scalar(select(func.count()).select_from(Correction)) == 1


def test_train_folds_in_the_corrections(setup, engine: Engine, capsys, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _world, path, (first, _second, missed) = setup
    assert (
        run(
            path,
            "correct",
            str(missed),
            "--topics",
            "engineering_quality",
            "--sentiment",
            "negative",
            "--by",
            "值班员甲",
            "--now",
            LATER,
        )
        == 0
    )
    assert run(path, "correct", str(first), "--sentiment", "neutral", "--by", "值班员甲", "--now", LATER) == 0
    with session_factory(engine)() as session:
        examples = correction_examples(session)
    assert sorted((sorted(e.topics), e.sentiment) for e in examples) == [
        (["engineering_quality"], "negative"),
        (["engineering_quality"], "neutral"),
    ]
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    rows = [
        {"text": "某地在建工地塔吊倒塌 两名工人受伤", "topics": ["engineering_quality"], "sentiment": "negative"},
        {"text": "某市新房成交量环比上涨", "topics": ["housing_market"], "sentiment": "neutral"},
        {"text": "城管深夜收走老人菜摊", "topics": ["urban_management"], "sentiment": "negative"},
        {"text": "棚改安置房顺利交付", "topics": ["shantytown"], "sentiment": "positive"},
        {"text": "村民补偿款迟迟不到位", "topics": ["expropriation"], "sentiment": "negative"},
        {"text": "市一中举行秋季运动会", "topics": [], "sentiment": "neutral"},
    ]
    (corpus / "tiny.jsonl").write_text(
        "".join(
            json.dumps({**r, "id": f"t{i}", "batch": "test"}, ensure_ascii=False) + "\n" for i, r in enumerate(rows * 6)
        ),
        encoding="utf-8",
    )
    capsys.readouterr()
    out = tmp_path / "model"
    assert run(path, "train", "--corpus", str(corpus), "--out", str(out), "--real", str(tmp_path / "absent")) == 0
    printed = capsys.readouterr().out
    assert "值班员更正 2 条" in printed
    metadata = json.loads((out / "metadata.json").read_text(encoding="utf-8"))
    assert metadata["corrections"] == 2


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["correct", "99999", "--topics", "engineering_quality"], "找不到文档 99999"),
        (["correct", "https://nowhere.example/a", "--sentiment", "negative"], "找不到链接为"),
        (["correct", "1", "--topics", "housing"], "未知的议题 'housing'"),
        (["correct", "1", "--sentiment", "angry"], "未知的情感"),
        (["correct", "1", "--topics", ""], "参数 --topics 为空"),
        (["correct", "1"], "请用 --topics 和/或 --sentiment"),
        (["correct", " ", "--topics", "none"], "请给出要更正的文档"),
    ],
)
def test_bad_input_exits_2_and_changes_nothing(setup, engine: Engine, capsys, argv: list[str], message: str) -> None:  # type: ignore[no-untyped-def]
    _world, path, ids = setup
    before = [(topics_of(engine, i), incident_of(engine, i)) for i in ids]
    capsys.readouterr()
    assert run(path, *argv) == 2
    assert message in capsys.readouterr().err
    assert [(topics_of(engine, i), incident_of(engine, i)) for i in ids] == before
    with session_factory(engine)() as session:
        assert session.scalar(select(func.count()).select_from(Correction)) == 0
