"""``yuqing detect`` and ``yuqing incidents`` through cli.main: JSON fields, hand decisions, bad input."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from storage.models import GradeChange, Incident, IncidentDocument
from tests.incidents.builders import HOUR, NOW, World
from yuqing.cli import main
from yuqing.instants import BEIJING

JSON_FIELDS = {
    "id",
    "title",
    "status",
    "grade",
    "grade_reasons",
    "grade_history",
    "topics",
    "departments",
    "place",
    "casualties",
    "occurred_at",
    "first_reported_at",
    "detected_at",
    "documents",
    "sources",
    "in_jurisdiction",
}
AT = (NOW + 3 * HOUR).astimezone(BEIJING).isoformat()  # 2026-11-25T13:00:00+08:00


@pytest.fixture
def setup(engine: Engine, database_url: str, write_config) -> tuple[World, Path, list[int]]:  # type: ignore[no-untyped-def]
    world = World(engine)
    path = write_config(f'[database]\nurl = "{database_url}"\n')
    ids = [
        world.post("临沂兰山区一基坑坍塌", "11月25日上午9时许，临沂市兰山区一工地基坑坍塌，造成3人死亡。", NOW),
        world.post(
            "临沂兰山区基坑坍塌致3人死亡",
            "临沂市兰山区一工地基坑坍塌，3人死亡，住建部门已介入。",
            NOW + HOUR,
            source="大众网",
        ),
        world.post("济南市中区一小区交房一年墙体开裂渗水", "济南市市中区锦绣华庭小区墙体开裂渗水。", NOW, source="甲"),
        world.post(
            "市中区锦绣华庭业主：墙体开裂开发商推脱",
            "济南市中区锦绣华庭小区多户墙体开裂渗水。",
            NOW + HOUR,
            source="乙",
        ),
    ]
    return world, path, ids


def run(path: Path, *argv: str) -> int:
    return main(["--config", str(path), *argv])


def listing(path: Path, capsys: pytest.CaptureFixture[str]) -> list[dict]:
    assert run(path, "incidents", "--json", "--now", AT) == 0
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def test_detect_then_list_as_json(setup, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    _world, path, _ids = setup
    assert run(path, "detect", "--now", AT) == 0
    assert "研判完成" in capsys.readouterr().out
    incidents = listing(path, capsys)
    assert len(incidents) == 2
    first = incidents[0]  # the highest grade comes first
    assert set(first) >= JSON_FIELDS
    assert first["grade"] == "large" and first["grade_reasons"] == ["报道称3人死亡（较大）"]
    assert first["grade_history"] == [
        {"at": AT, "grade": "large", "reasons": ["报道称3人死亡（较大）"], "by_hand": False}
    ]
    assert first["topics"] == ["engineering_quality"] and first["departments"] == ["工程质量安全监管处"]
    assert first["place"] == {"province": "山东省", "city": "临沂市", "district": "兰山区"}
    assert first["casualties"]["deaths"]["value"] == 3
    assert first["casualties"]["deaths"]["phrase"] == "造成3人死亡"
    assert first["casualties"]["missing"] is None
    assert first["occurred_at"] == "2026-11-25T09:00:00+08:00"
    assert first["first_reported_at"] == "2026-11-25T10:00:00+08:00"
    assert first["detected_at"] == AT
    assert first["documents"] == ["https://news.example.cn/1.html", "https://news.example.cn/2.html"]
    assert first["sources"] == ["大众网", "齐鲁晚报网"] and first["in_jurisdiction"] is True
    assert run(path, "incidents", "--now", AT) == 0
    table = capsys.readouterr().out
    assert "较大" in table and "临沂市兰山区" in table
    assert run(path, "incidents", "show", str(first["id"]), "--now", AT) == 0
    shown = capsys.readouterr().out
    assert "报道称3人死亡（较大）" in shown and "工程质量安全监管处" in shown


def test_hand_actions_through_the_command_line(setup, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    world, path, ids = setup
    run(path, "detect", "--now", AT)
    capsys.readouterr()
    a, b = world.incident_of(ids[0]).id, world.incident_of(ids[2]).id
    assert run(path, "incidents", "grade", str(b), "major", "--reason", "业主聚集", "--now", AT) == 0
    assert world.incident_of(ids[2]).grade == "major"
    assert run(path, "incidents", "merge", str(a), str(b), "--now", AT) == 0
    assert world.members(a) == set(ids)
    assert world.incident_of(ids[2]).grade == "major"  # the hand grade travels with the merge
    url = "https://news.example.cn/4.html"
    assert run(path, "incidents", "split", str(a), "--documents", f"{ids[2]},{url}", "--now", AT) == 0
    assert world.incident_of(ids[3]).id == world.incident_of(ids[2]).id != a
    capsys.readouterr()
    listed = {i["id"] for i in listing(path, capsys)}
    assert b not in listed and a in listed


def _snapshot(world: World) -> tuple:
    with world.sessions() as session:
        return (
            sorted(
                session.execute(
                    select(IncidentDocument.document_id, IncidentDocument.incident_id, IncidentDocument.by_hand)
                ).all()
            ),
            sorted(session.execute(select(Incident.id, Incident.status, Incident.grade, Incident.grade_by_hand)).all()),
            sorted(session.execute(select(GradeChange.id, GradeChange.grade)).all()),
        )


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["incidents", "show", "999"], "找不到事件 999"),
        (["incidents", "merge", "{a}", "999"], "找不到事件 999"),
        (["incidents", "merge", "{a}", "{a}"], "不能把事件 {a} 与自身合并"),
        (["incidents", "split", "{a}", "--documents", "{d1},{d2}"], "拆分后事件 {a} 将没有任何文档"),
        (["incidents", "split", "{a}", "--documents", "{d3}"], "不属于事件 {a}"),
        (["incidents", "split", "{a}", "--documents", "99999"], "找不到文档 99999"),
        (["incidents", "grade", "{a}", "huge", "--reason", "x"], "等级 'huge' 无效"),
        (["incidents", "grade", "abc", "major", "--reason", "x"], "事件编号 'abc' 无效"),
        (["incidents", "grade", "{a}", "major", "--reason", " "], "须用 --reason 说明理由"),
        (["detect", "--now", "昨天"], "参数 --now 无效"),
    ],
)
def test_bad_input_exits_2_in_chinese_and_changes_nothing(
    setup, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:  # type: ignore[no-untyped-def]
    world, path, ids = setup
    run(path, "detect", "--now", AT)
    capsys.readouterr()
    values = {"a": world.incident_of(ids[0]).id, "d1": ids[0], "d2": ids[1], "d3": ids[2]}
    before = _snapshot(world)
    assert run(path, *(part.format(**values) for part in argv)) == 2
    assert message.format(**values) in capsys.readouterr().err
    assert _snapshot(world) == before


def test_merged_away_incident_points_to_its_successor(setup, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    world, path, ids = setup
    run(path, "detect", "--now", AT)
    a, b = world.incident_of(ids[0]).id, world.incident_of(ids[2]).id
    run(path, "incidents", "merge", str(a), str(b), "--now", AT)
    capsys.readouterr()
    assert run(path, "incidents", "show", str(b)) == 2
    assert f"已并入事件 {a}" in capsys.readouterr().err


def test_listing_as_of_an_earlier_instant(setup, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    _world, path, _ids = setup
    run(path, "detect", "--now", AT)
    capsys.readouterr()
    assert run(path, "incidents", "--json", "--now", (NOW + 2 * HOUR - timedelta(minutes=1)).isoformat()) == 0
    assert capsys.readouterr().out == ""


def test_ingest_tag_detect_with_the_real_tagger(database_url: str, write_config, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    path = write_config(f'[database]\nurl = "{database_url}"\n')
    lines = [
        {
            "url": f"https://news.example.cn/r{i}",
            "title": title,
            "text": text,
            "published_at": at,
            "source": source,
            "kind": "news",
        }
        for i, (title, text, at, source) in enumerate(
            [
                (
                    "济南市历城区一在建工地塔吊倒塌 造成3人死亡",
                    "11月25日上午9时许，济南市历城区某在建住宅项目工地一台塔吊发生倒塌，造成3人死亡。",
                    "2026-11-25T10:20:00+08:00",
                    "齐鲁晚报网",
                ),
                (
                    "济南历城工地塔吊倒塌事故已致3人死亡",
                    "济南市历城区在建工地塔吊倒塌事故造成3人死亡，区住建局已责令停工整改。",
                    "2026-11-25T11:00:00+08:00",
                    "大众网",
                ),
                ("南京今日天气晴好", "南京今天晴，气温12度，适合出游。", "2026-11-25T11:00:00+08:00", "天气网"),
            ]
        )
    ]
    file = tmp_path / "docs.jsonl"
    file.write_text("\n".join(json.dumps(line, ensure_ascii=False) for line in lines), encoding="utf-8")
    assert run(path, "init-db") == 0
    assert run(path, "ingest", str(file)) == 0
    assert run(path, "tag", "--workers", "1") == 0
    assert run(path, "detect", "--now", "2026-11-25T12:00:00+08:00") == 0
    capsys.readouterr()
    assert run(path, "incidents", "--json", "--now", "2026-11-25T12:00:00+08:00") == 0
    (incident,) = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert incident["grade"] == "large" and incident["place"]["city"] == "济南市"
    assert len(incident["documents"]) == 2


def test_listing_shows_the_time_left_on_each_clock(setup, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    """A 较大 incident has the 48 h response clock, counted from its earliest known instant."""
    from datetime import datetime

    _world, path, _ids = setup
    assert run(path, "detect", "--now", AT) == 0
    capsys.readouterr()
    first, second = listing(path, capsys)
    assert first["grade"] == "large" and second["grade"] == "general"
    assert second["clocks"] == []
    (clock,) = first["clocks"]
    starts = [datetime.fromisoformat(t) for t in (first["occurred_at"], first["first_reported_at"]) if t]
    deadline = min(starts) + timedelta(hours=48)
    assert clock["kind"] == "response" and clock["state"] == "running"
    assert datetime.fromisoformat(clock["deadline"]) == deadline
    assert clock["seconds_left"] == int((deadline - datetime.fromisoformat(AT)).total_seconds())
    assert "剩余" in clock["text"]
    assert run(path, "incidents", "--now", AT) == 0
    assert "回应关切剩" in capsys.readouterr().out
