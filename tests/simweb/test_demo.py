"""The demo driver end to end: the simulated web, a fresh database in a temporary folder, every step."""

from __future__ import annotations

import socket
import tomllib
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from simweb import demo
from storage.db import make_engine
from storage.models import Document, DocumentAnalysis, Source


def test_demo_crawls_every_source_type_tags_and_exports(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "demo"
    (folder / "yuqing.db").parent.mkdir()
    (folder / "yuqing.db").write_text("a database left over from an earlier run")

    assert demo.main(["--dir", str(folder)]) == 0

    out = capsys.readouterr().out
    assert "模拟网站已停止" in out and "演示完成" in out
    engine = make_engine(f"sqlite:///{folder / 'yuqing.db'}")
    try:
        with engine.connect() as connection:
            per_type = dict(
                connection.execute(
                    select(Source.type, func.count(Document.id))
                    .join(Document, Document.source_id == Source.id)
                    .group_by(Source.type)
                ).all()
            )
            kinds = set(connection.scalars(select(Document.kind).distinct()))
            documents = connection.scalar(select(func.count()).select_from(Document))
            tagged = connection.scalar(select(func.count()).select_from(DocumentAnalysis))
    finally:
        engine.dispose()
    assert set(per_type) == {"feed", "site", "official", "board", "weibo"}
    assert all(count > 0 for count in per_type.values()), per_type
    assert kinds == {"news", "official", "forum", "social"}
    assert documents and tagged == documents
    exported = (folder / "documents.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(exported) == documents


def test_the_server_stops_when_a_step_fails(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    failing = (demo.Step("参数有误", ("init-db", "--no-such-option")),)

    assert demo.main(["--dir", str(tmp_path)], steps=failing) == 2

    assert "演示中止" in capsys.readouterr().out
    sources = tomllib.loads((tmp_path / "config.toml").read_text(encoding="utf-8"))["sources"]
    address = urlsplit(sources[0]["url"])
    with pytest.raises(ConnectionRefusedError), socket.create_connection((address.hostname, address.port), 1):
        pass
