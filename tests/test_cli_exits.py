"""Exit statuses at the edges (issue 17 #5, #12, #13, #14): out-of-range values and bad paths are bad input
(exit 2, a Chinese message naming what is wrong), and control characters from posts never reach the terminal."""

from __future__ import annotations

import json
import os
import pathlib
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select, update

from storage.models import Document, Incident
from tests.incidents.builders import HOUR, NOW, World
from yuqing.cli import main
from yuqing.instants import BEIJING

AT = (NOW + 3 * HOUR).astimezone(BEIJING).isoformat()
HUGE = "99999999999999999999999"


@pytest.fixture
def config(write_config, database_url: str) -> Path:  # type: ignore[no-untyped-def]
    path: Path = write_config(f'[database]\nurl = "{database_url}"\n')
    assert main(["--config", str(path), "init-db"]) == 0
    return path


def run(path: Path, *argv: str) -> int:
    return main(["--config", str(path), *argv])


def _refused(capsys: pytest.CaptureFixture[str], *needles: str) -> str:
    err = capsys.readouterr().err
    assert "Traceback" not in err and "运行失败" not in err, err
    for needle in needles:
        assert needle in err, err
    return err


@pytest.mark.parametrize(
    ("argv", "needles"),
    [
        (["respond", HUGE, "--release", "https://a.cn/1"], ("事件编号", HUGE, "2147483647")),
        (["respond", "0", "--release", "https://a.cn/1"], ("事件编号", "2147483647")),
        (["incidents", "show", HUGE], ("事件编号", HUGE)),
        (["incidents", "merge", "1", HUGE], ("事件编号", HUGE)),
        (["incidents", "split", HUGE, "--documents", "1"], ("事件编号", HUGE)),
        (["incidents", "grade", HUGE, "major", "--reason", "x"], ("事件编号", HUGE)),
        (["detect", "--now", "0001-01-01T00:00:00+08:00"], ("参数 --now", "1990", "2100")),
        (["detect", "--now", "9999-12-31T23:00:00+00:00"], ("参数 --now", "1990", "2100")),
        (["alerts", "tick", "--now", "0001-01-01T00:00:00+00:00"], ("参数 --now",)),
        (["incidents", "--now", "2101-01-01T00:00:00+08:00"], ("参数 --now",)),
        (["respond", "1", "--release", "https://a.cn/1", "--at", "0001-01-01T00:00:00+08:00"], ("参数 --at", "1990")),
    ],
)
def test_out_of_range_arguments_are_bad_input(
    config: Path, argv: list[str], needles: tuple[str, ...], capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert run(config, *argv) == 2
    _refused(capsys, *needles)


def test_a_directory_as_the_config_file_is_bad_input(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["--config", ".", "init-db"]) == 2
    _refused(capsys, "配置文件", "目录")


def test_an_unreadable_config_file_is_bad_input(
    write_config, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:  # type: ignore[no-untyped-def]
    path: Path = write_config('[database]\nurl = "sqlite:///t.db"\n')
    path.chmod(0)
    if os.geteuid() == 0:  # root reads a file whatever its mode: make the open fail as it would for anyone else
        real_open = pathlib.Path.open

        def refuse(self: Path, *args: object, **kwargs: object):  # type: ignore[no-untyped-def]
            if self == path:
                raise PermissionError(13, "Permission denied", str(self))
            return real_open(self, *args, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(pathlib.Path, "open", refuse)
    try:
        assert main(["--config", str(path), "init-db"]) == 2
    finally:
        path.chmod(0o644)
    _refused(capsys, "无法读取配置文件", str(path))


def test_a_file_where_a_folder_is_expected_is_bad_input(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    somefile = tmp_path / "somefile"
    somefile.write_text("x", encoding="utf-8")
    capsys.readouterr()
    assert run(config, "digest", "--week", "2026-W48", "--out", str(somefile)) == 2
    _refused(capsys, str(somefile), "目录")


def test_ingest_rejects_each_bad_line_and_stores_the_rest(
    config: Path, engine: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def line(**fields: object) -> str:
        base = {"url": "https://y.cn/a", "title": "x", "text": "x", "source": "s", "kind": "news"}
        base["published_at"] = "2026-11-25T10:00:00+08:00"
        base.update(fields)  # type: ignore[arg-type]
        return json.dumps(base)

    lines = [
        line(url="https://y.cn/1"),
        line(url="https://y.cn/2", published_at="0001-01-01T00:00:00+08:00"),
        line(url="https://y.cn/3", metrics={"views": 10**30}),
        line(url="https://y.cn/4", title="x\ud800"),
        line(url="https://y.cn/5", text="a\u0000b"),
        line(url="https://y.cn/6", published_at="9999-12-31T20:00:00+00:00"),
        line(url="https://y.cn/7", text="a\u000bb\u001bc"),
    ]
    path = tmp_path / "in.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="ascii")
    capsys.readouterr()
    assert run(config, "ingest", str(path)) == 2
    out, err = capsys.readouterr()
    assert "新增 2 条，重复 0 条，拒绝 5 条" in out
    for number, field in [(2, "published_at"), (3, "metrics.views"), (4, "title"), (5, "text"), (6, "published_at")]:
        assert f"第 {number} 行：字段 {field}" in err, err
    assert "Traceback" not in err
    with engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(Document)) == 2
        assert connection.scalar(select(Document.text).where(Document.url == "https://y.cn/7")) == "a bc"


def test_ingest_caps_long_text_at_the_configured_limit(
    write_config, database_url: str, engine: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:  # type: ignore[no-untyped-def]
    path: Path = write_config(f'[database]\nurl = "{database_url}"\n[crawl]\nmax_text_chars = 1000\n')
    assert run(path, "init-db") == 0
    record = {"url": "https://y.cn/long", "title": "x", "text": "长" * 3000, "source": "s", "kind": "news"}
    record["published_at"] = "2026-11-25T10:00:00+08:00"
    source = tmp_path / "long.jsonl"
    source.write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
    assert run(path, "ingest", str(source)) == 0
    with engine.connect() as connection:
        text = connection.scalar(select(Document.text))
    assert text == "长" * 1000 + "\n（正文过长，已截断至 1000 字）"


ESCAPES = "\x1b[2J\x1b]0;pwned\x07\x9b31m\r"


def _no_raw_controls(text: str) -> None:
    for ch in "\x1b\x07\x9b\r":
        assert ch not in text, repr(text)


def test_titles_with_control_characters_are_printed_escaped(
    engine: Engine, database_url: str, write_config, capsys: pytest.CaptureFixture[str]
) -> None:  # type: ignore[no-untyped-def]
    world = World(engine)
    world.post(f"临沂兰山区一基坑坍塌{ESCAPES}", "11月25日上午9时许，临沂市兰山区一工地基坑坍塌，造成3人死亡。", NOW)
    world.post("临沂兰山区基坑坍塌致3人死亡", "临沂市兰山区一工地基坑坍塌，3人死亡。", NOW + HOUR, source="大众网")
    world.detect(NOW + 3 * HOUR)
    with world.sessions.begin() as session:
        session.execute(update(Incident).values(title=Incident.title + ESCAPES))
        incident_id = session.scalar(select(Incident.id).where(Incident.status != "candidate"))
    assert incident_id is not None
    path: Path = write_config(f'[database]\nurl = "{database_url}"\n')
    capsys.readouterr()
    for argv in (
        ["export", "documents"],
        ["export", "documents", "--json"],
        ["incidents", "--now", AT],
        ["incidents", "show", str(incident_id), "--now", AT],
        ["status", "--now", AT],
    ):
        assert run(path, *argv) == 0, argv
        out = capsys.readouterr().out
        _no_raw_controls(out)
        assert "\\x1b" in out or "\\u001b" in out, (argv, out)


def test_a_huge_incident_number_for_a_report_and_a_bad_since_exit_2(write_config, capsys) -> None:  # type: ignore[no-untyped-def]
    from yuqing.cli import main

    path = write_config('[database]\nurl = "sqlite:///t.db"\n')
    assert main(["--config", str(path), "report", "99999999999999999999999"]) == 2
    assert "事件编号" in capsys.readouterr().err
    assert main(["--config", str(path), "audit", "--since", "0001-01-01T00:00:00+08:00"]) == 2
    assert "--since" in capsys.readouterr().err
