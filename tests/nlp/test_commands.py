"""`yuqing classify`, `evaluate` and `tag` end to end, on a real database."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from storage.models import DocumentAnalysis, DocumentTopic
from yuqing import cli

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "samples" / "documents.jsonl"


def run(*args: str | Path) -> int:
    return cli.main([str(a) for a in args])


def test_classify_reports_bad_lines_and_processes_the_rest(
    tmp_path: Path, write_config, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(f'[database]\nurl = "sqlite:///{tmp_path / "y.db"}"\n')
    lines = [
        json.dumps({"text": "济南一在建工地塔吊倒塌，造成3人死亡"}, ensure_ascii=False),
        "{broken",
        json.dumps({"title": "青岛楼市", "text": "十月二手房成交量环比上升"}, ensure_ascii=False),
        json.dumps({"text": ""}),
        json.dumps(["not", "an", "object"]),
        json.dumps({"text": "昨天上午的事", "published_at": "明天"}, ensure_ascii=False),
        json.dumps({"text": "市一中举行秋季运动会"}, ensure_ascii=False),
    ]
    source = tmp_path / "in.jsonl"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert run("classify", source, "--config", config) == 2
    out, err = capsys.readouterr()
    rows = [json.loads(x) for x in out.splitlines()]
    assert len(rows) == 7
    assert rows[0]["topics"] == ["engineering_quality"] and rows[0]["casualties"]["deaths"]["value"] == 3
    assert rows[1] == {"line": 2, "error": rows[1]["error"]} and "不是有效的 JSON" in rows[1]["error"]
    assert rows[2]["topics"] == ["housing_market"]
    assert rows[3]["line"] == 4 and "缺少 text" in rows[3]["error"]
    assert rows[4]["line"] == 5 and "应为 JSON 对象" in rows[4]["error"]
    assert rows[5]["line"] == 6 and "published_at" in rows[5]["error"]
    assert rows[6]["topics"] == [] and set(rows[6]) >= {"scores", "sentiment", "places", "casualties"}
    for number in (2, 4, 5, 6):
        assert f"第 {number} 行：" in err


def test_evaluate_prints_every_score(tmp_path: Path, write_config, capsys: pytest.CaptureFixture[str]) -> None:
    config = write_config(f'[database]\nurl = "sqlite:///{tmp_path / "y.db"}"\n')
    labelled = [
        {
            "title": "",
            "text": "烟台一工地脚手架倒塌两人受伤",
            "topics": ["engineering_quality"],
            "sentiment": "negative",
        },
        {"text": "济南二手房价格连续下跌", "topics": ["housing_market"], "sentiment": "neutral"},
        {"text": "感谢城管帮我们修好了路灯", "topics": ["urban_management"], "sentiment": "positive"},
        {"text": "市一中举行秋季运动会", "topics": [], "sentiment": "neutral"},
    ]
    path = tmp_path / "labelled.jsonl"
    path.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in labelled), encoding="utf-8")
    assert run("evaluate", path, "--config", config) == 0
    table = capsys.readouterr().out
    for label in (
        "工程质量安全",
        "房地产市场",
        "房屋征收补偿",
        "棚户区改造",
        "城市管理",
        "议题宏平均 F1",
        "相关性",
        "情感：宏平均 F1",
    ):
        assert label in table
    assert run("evaluate", path, "--json", "--config", config) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["examples"] == 4
    assert report["topics"]["housing_market"]["support"] == 1
    assert 0.0 <= report["topics_macro_f1"] <= 1.0
    assert set(report["sentiment"]) >= {"macro_f1", "f1_negative", "f1_neutral", "f1_positive"}

    path.write_text('{"text": "x", "topics": ["weather"], "sentiment": "neutral"}\n', encoding="utf-8")
    assert run("evaluate", path, "--config", config) == 2
    assert "labelled.jsonl:1: topics 应为议题键的列表" in capsys.readouterr().err


def test_tag_stores_tags_once_on_two_workers(
    database_url: str, engine: Engine, write_config, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(f'[database]\nurl = "{database_url}"\n')
    run("init-db", "--config", config)
    run("ingest", SAMPLE, "--config", config)
    capsys.readouterr()
    assert run("tag", "--workers", "2", "--batch", "3", "--config", config) == 0
    assert "标注完成：7 条文档" in capsys.readouterr().out
    with engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(DocumentAnalysis)) == 7
        crane = (
            connection.execute(
                select(DocumentTopic.topic).join_from(
                    DocumentTopic, DocumentAnalysis, DocumentTopic.document_id == DocumentAnalysis.document_id
                )
            )
            .scalars()
            .all()
        )
    assert "engineering_quality" in crane
    assert run("tag", "--config", config) == 0
    assert "标注完成：0 条文档" in capsys.readouterr().out
    assert run("export", "documents", "--json", "--config", config) == 0
    exported = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    sport = next(d for d in exported if "运动会" in d["title"])
    assert sport["tags"]["topics"] == []
    crane_doc = next(d for d in exported if "塔吊倒塌" in d["title"] and d["kind"] == "news")
    assert "engineering_quality" in crane_doc["tags"]["topics"]
