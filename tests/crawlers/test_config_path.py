"""``yuqing crawl`` and the daemon's crawl job run from any folder: the crawl child reads the config it was
given (not the repository's config.toml), and that config's relative SQLite path still means its own folder."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from storage.db import make_engine, migrate
from storage.models import Document, Source
from tests.crawlers.conftest import CRAWL_SECTION, DAY4, ROOT, source
from yuqing import cli
from yuqing import config as config_module
from yuqing.daemon.jobs import Jobs, Tagging
from yuqing.runtime import build
from yuqing.simweb import SimWeb

pytestmark = pytest.mark.slow  # crawler child processes

NAME = "异地配置的权威发布"


@pytest.fixture
def elsewhere(tmp_path: Path, web: SimWeb, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A config.toml outside the repository (relative SQLite path, one source of its own), migrated; the
    working directory is another folder still."""
    site = tmp_path / "site"
    (site / "data").mkdir(parents=True)
    config = site / "config.toml"
    config.write_text(
        '[database]\nurl = "sqlite:///data/yq.db"\n'
        + CRAWL_SECTION
        + source(NAME, "official", f"{web.url}/official/rss.xml", "official"),
        encoding="utf-8",
    )
    engine = make_engine(f"sqlite:///{site / 'data' / 'yq.db'}")
    try:
        migrate(engine)
    finally:
        engine.dispose()
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    assert not Path.cwd().is_relative_to(ROOT)
    return config


def stored_urls(config: Path) -> set[str]:
    engine = make_engine(f"sqlite:///{config.parent / 'data' / 'yq.db'}")
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                select(Document.url).join(Source, Source.id == Document.source_id).where(Source.name == NAME)
            )
            return {row.url for row in rows}
    finally:
        engine.dispose()


@pytest.mark.parametrize("given", ["../site/config.toml", "config.toml"])
def test_crawl_reads_the_config_it_was_given_from_another_folder(
    elsewhere: Path, web: SimWeb, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], given: str
) -> None:
    if given == "config.toml":  # a bare name, as the default --config is, in the config's own folder
        monkeypatch.chdir(elsewhere.parent)
    assert cli.main(["crawl", "--config", given, "--now", DAY4.isoformat()]) == 0
    out = capsys.readouterr().out
    row = next(line for line in out.splitlines() if line.startswith(f"{NAME}\t"))
    expected = len(web.scene().visible("official"))
    assert expected and row.split("\t")[2] == str(expected)
    assert len(stored_urls(elsewhere)) == expected  # in the config's own database, data/yq.db beside it


def test_the_daemons_crawl_job_reads_the_config_it_was_given(elsewhere: Path, web: SimWeb) -> None:
    runtime = build(config_module.load(Path("../site/config.toml")))
    jobs = Jobs(runtime, Tagging(lambda posts: [], "none"), lambda: DAY4, Path("reports-out"), log_level="ERROR")
    try:
        summary = jobs.crawl_child(NAME)
    finally:
        runtime.dispose()
    assert summary.source == NAME and summary.error is None
    assert summary.new == len(web.scene().visible("official")) == len(stored_urls(elsewhere))
    assert not (ROOT / "site").exists()


def test_a_later_instant_crawls_again_from_the_same_config(elsewhere: Path, web: SimWeb) -> None:
    assert cli.main(["crawl", "--config", "../site/config.toml", "--now", DAY4.isoformat()]) == 0
    web.set_now(DAY4 + timedelta(days=2))
    later = (DAY4 + timedelta(days=2)).isoformat()
    assert cli.main(["crawl", "--config", "../site/config.toml", "--now", later]) == 0
    assert len(stored_urls(elsewhere)) == len(web.scene().visible("official"))
