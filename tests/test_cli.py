"""The `yuqing` command: init-db, ingest, export, Chinese help, exit statuses."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from storage.db import make_engine, session_factory
from storage.models import Document, Source
from yuqing import cli

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "samples" / "documents.jsonl"


@pytest.fixture
def config_path(write_config, database_url: str) -> Path:
    return write_config(f'[database]\nurl = "{database_url}"\n')


def run(*args: str | Path) -> int:
    return cli.main([str(a) for a in args])


def count_documents(database_url: str) -> int:
    engine = make_engine(database_url)
    try:
        with session_factory(engine)() as session:
            return session.scalar(select(func.count()).select_from(Document)) or 0
    finally:
        engine.dispose()


def line(**fields: object) -> str:
    base = {
        "url": "https://news.example.cn/1.html",
        "title": "标题",
        "text": "正文内容",
        "published_at": "2026-11-25T10:00:00+08:00",
        "source": "测试来源",
        "kind": "news",
    }
    base.update(fields)
    return json.dumps({k: v for k, v in base.items() if v is not None}, ensure_ascii=False)


def test_ingest_good_duplicate_and_malformed_lines(
    config_path: Path, database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run("init-db", "--config", config_path) == 0
    lines = [
        line(url="https://news.example.cn/1.html"),
        "{not json",
        line(url="https://news.example.cn/2.html", kind="blog"),
        "",
        line(url="https://news.example.cn/1.html?utm_source=wx"),
        line(url="https://news.example.cn/3.html", published_at=None),
        line(url="ftp://news.example.cn/4"),
        line(url="https://news.example.cn/5.html", text="   "),
        "[1, 2]",
        line(url="https://news.example.cn/6.html", published_at="2026-11-25 10:00", metrics={"likes": 3}),
        line(url="https://news.example.cn/7.html", published_at="昨天下午"),
    ]
    path = tmp_path / "in.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    capsys.readouterr()
    assert run("ingest", path, "--config", config_path) == 2
    out, err = capsys.readouterr()
    assert "新增 2 条，重复 1 条，拒绝 7 条" in out
    assert "第 2 行：不是有效的 JSON" in err
    assert "第 3 行：字段 kind 应为 'news', 'social', 'forum' or 'official' 之一，实际为 'blog'" in err
    assert "第 4 行" not in err
    assert "第 6 行：缺少字段 published_at" in err
    assert "第 7 行：字段 url 无效：应为以 http:// 或 https:// 开头的完整网址" in err
    assert "第 8 行：字段 text 无效：正文不能为空" in err
    assert "第 9 行：应为 JSON 对象" in err
    assert "第 11 行：字段 published_at 无效：无法识别的时间 '昨天下午'" in err
    assert count_documents(database_url) == 2

    # Re-ingesting the same file stores nothing twice and reports the same bad lines again.
    assert run("ingest", path, "--config", config_path) == 2
    assert "新增 0 条，重复 3 条，拒绝 7 条" in capsys.readouterr().out
    assert count_documents(database_url) == 2


def test_a_line_in_another_encoding_is_rejected_alone(
    config_path: Path, database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run("init-db", "--config", config_path)
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(
        "\ufeff".encode()
        + line(url="https://a.example/1").encode()
        + b"\n"
        + line(url="https://a.example/2").encode("gbk")
        + b"\n"
        + line(url="https://a.example/3").encode()
        + b"\n"
    )
    assert run("ingest", path, "--config", config_path) == 2
    out, err = capsys.readouterr()
    assert "第 2 行：不是 UTF-8 编码的文本" in err
    assert "新增 2 条" in out
    assert count_documents(database_url) == 2


def test_sample_ingest_and_export_round_trip(
    config_path: Path, database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run("init-db", "--config", config_path)
    assert run("ingest", SAMPLE, "--config", config_path) == 0
    capsys.readouterr()
    assert run("export", "documents", "--json", "--config", config_path) == 0
    exported = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    originals = [json.loads(x) for x in SAMPLE.read_text(encoding="utf-8").splitlines()]
    assert len(exported) == len(originals)
    by_url = {d["url"]: d for d in exported}
    for original in originals:
        copy = by_url[original["url"]]
        for key in ("title", "text", "source", "kind"):
            assert copy[key] == original[key]
        assert copy["published_at"].endswith("+08:00")
    weibo = next(d for d in exported if d["kind"] == "social")
    assert weibo["published_at"] == "2026-11-25T09:48:00+08:00"
    assert weibo["metrics"] == {"reposts": 132, "comments": 87, "likes": 540}

    # The export is valid ingest input: loading it into a second database stores the same documents.
    again = tmp_path / "export.jsonl"
    again.write_text("\n".join(json.dumps(d, ensure_ascii=False) for d in exported) + "\n", encoding="utf-8")
    assert run("ingest", again, "--config", config_path) == 0
    assert "新增 0 条，重复 7 条" in capsys.readouterr().out

    assert run("export", "documents", "--config", config_path) == 0
    table = capsys.readouterr().out
    assert "2026-11-25 09:48  社交媒体  微博搜索" in table
    assert "共 7 条文档（时间为北京时间）" in table


def test_configured_source_metadata_is_kept(write_config, database_url: str, engine: Engine) -> None:
    path = write_config(
        f'[database]\nurl = "{database_url}"\n'
        '[[sources]]\nname = "省住建厅-通知公告"\ntype = "official"\nurl = "http://zjt.example.gov.cn/"\n'
        'tier = "official"\nenabled = false\n'
    )
    run("init-db", "--config", path)
    run("ingest", SAMPLE, "--config", path)
    with session_factory(engine)() as session:
        source = session.scalars(select(Source).where(Source.name == "省住建厅-通知公告")).one()
        unknown = session.scalars(select(Source).where(Source.name == "微博搜索")).one()
    assert (source.type, source.tier) == ("official", "official")
    assert (unknown.type, unknown.tier) == (None, None)


def test_commands_refuse_an_uninitialised_database(config_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run("ingest", SAMPLE, "--config", config_path) == 1
    assert "尚未初始化。提示：先运行 yuqing init-db" in capsys.readouterr().err


def test_missing_input_file(config_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run("init-db", "--config", config_path)
    assert run("ingest", tmp_path / "absent.jsonl", "--config", config_path) == 2
    assert "无法打开输入文件" in capsys.readouterr().err


def test_bad_config_exits_2_before_touching_data(
    write_config, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "never.db"
    path = write_config(f'[database]\nurl = "sqlite:///{db}"\n[smtp]\nport = "25"\n')
    assert run("init-db", "--config", path) == 2
    assert "[smtp].port: 应为整数" in capsys.readouterr().err
    assert not db.exists()


@pytest.mark.parametrize("command", [[], ["init-db"], ["ingest"], ["export"]])
def test_help_is_chinese(command: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        cli.main([*command, "--help"])
    assert exited.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("用法：yuqing")
    assert "显示本帮助并退出" in out
    assert "usage" not in out and "options" not in out and "show this help" not in out


def test_argument_errors_are_chinese_with_status_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        cli.main(["frobnicate"])
    assert exited.value.code == 2
    assert "未知的命令 'frobnicate'" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        cli.main(["ingest"])
    assert "缺少参数：FILE.jsonl" in capsys.readouterr().err


def test_console_script_reads_stdin_and_logs_a_summary(config_path: Path, database_url: str) -> None:
    yuqing = [sys.executable, "-m", "yuqing"]
    subprocess.run([*yuqing, "--config", str(config_path), "init-db"], check=True, capture_output=True, cwd=ROOT)
    done = subprocess.run(
        [*yuqing, "--config", str(config_path), "ingest", "-"],
        input=SAMPLE.read_bytes(),
        capture_output=True,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr.decode()
    assert "导入 标准输入：新增 7 条，重复 0 条，拒绝 0 条。" in done.stdout.decode()
    assert "ingest file=- ingested=7 duplicates=0 rejected=0" in done.stderr.decode()
    assert count_documents(database_url) == 7
