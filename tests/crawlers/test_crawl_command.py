"""``yuqing crawl`` and ``yuqing sources`` through ``cli.main``: the child process is the real path."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest

from tests.crawlers.conftest import DAY4, source
from yuqing import cli
from yuqing.simweb import SimWeb

pytestmark = pytest.mark.slow  # crawler child processes


def test_crawl_prints_a_chinese_table_and_sources_shows_health(
    web: SimWeb, crawl_config: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    config = crawl_config(
        source("省住建厅", "official", f"{web.url}/official/rss.xml", "official")
        + source("坏源", "feed", f"{web.url}/status/404")
        + source("停用", "feed", f"{web.url}/feeds/rss.xml", enabled=False)
    )
    assert cli.main(["crawl", "--config", str(config), "--now", DAY4.isoformat()]) == 0
    out = capsys.readouterr().out
    assert "来源\t抓取\t新增" in out
    official = next(line for line in out.splitlines() if line.startswith("省住建厅\t"))
    assert official.split("\t")[2] == str(len(web.scene().visible("official")))
    assert "来源“坏源”失败：无法获取" in out and "HTTP 404" in out

    later = DAY4 + timedelta(minutes=30)  # within six intervals (1 h) of the last success
    assert cli.main(["sources", "--config", str(config), "--now", later.isoformat()]) == 0
    rows = {line.split("\t")[0]: line.split("\t") for line in capsys.readouterr().out.splitlines() if "\t" in line}
    assert rows["省住建厅"][3] == "是" and rows["省住建厅"][5] == "0" and rows["省住建厅"][8] == "—"
    assert rows["坏源"][5] == "1" and "HTTP 404" in rows["坏源"][6] and rows["坏源"][8] == "盲区"
    assert rows["停用"][3] == "否" and rows["停用"][8] == "—"


def test_crawl_fails_only_when_every_source_fails(
    web: SimWeb, crawl_config: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    config = crawl_config(source("坏源", "feed", f"{web.url}/feeds/invalid.xml"))
    assert cli.main(["crawl", "--config", str(config), "--now", DAY4.isoformat()]) == 1
    assert "订阅源" in capsys.readouterr().out


def test_crawl_rejects_an_unknown_source(crawl_config: Callable[..., Path], capsys: pytest.CaptureFixture[str]) -> None:
    config = crawl_config("")
    assert cli.main(["crawl", "--config", str(config), "--source", "没有这个"]) == 2
    assert "没有名为“没有这个”的来源" in capsys.readouterr().err
