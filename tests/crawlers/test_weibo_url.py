"""A ``weibo`` source needs no endpoint spelt out: without ``url`` it is the mobile search API, and a site root
(``https://m.weibo.cn/``) means that site's search API; the full endpoint is kept as it is. Other types still
need their ``url``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from storage.models import Document, Source
from tests.crawlers.conftest import DAY4, run_crawl
from yuqing import config
from yuqing.errors import ConfigError
from yuqing.simweb import SimWeb

API = "https://m.weibo.cn/api/container/getIndex"


def weibo(url: str | None, name: str = "微博搜索") -> str:
    line = f'url = "{url}"\n' if url is not None else ""
    return f'[[sources]]\nname = "{name}"\ntype = "weibo"\n{line}tier = "self_media"\nkeywords = ["塔吊"]\n'


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (None, API),
        ("https://m.weibo.cn/", API),
        ("https://m.weibo.cn", API),
        (API, API),
        ("http://127.0.0.1:8000/weibo/", "http://127.0.0.1:8000/weibo/api/container/getIndex"),
        ("https://proxy.example.cn/search", "https://proxy.example.cn/search"),
    ],
)
def test_the_weibo_url_defaults_to_the_search_api(
    write_config: Callable[..., Path], given: str | None, expected: str
) -> None:
    loaded = config.load(write_config(weibo(given)), {})
    [source] = loaded.sources
    assert source.url == expected


def test_other_types_still_need_their_url(write_config: Callable[..., Path]) -> None:
    path = write_config('[[sources]]\nname = "订阅"\ntype = "feed"\ntier = "local"\n')
    with pytest.raises(ConfigError) as caught:
        config.load(path, {})
    [message] = caught.value.problems
    assert '[[sources]] 第 1 项（name = "订阅"）.url: 缺少必填的键' in message


def test_a_weibo_url_must_still_be_http(write_config: Callable[..., Path]) -> None:
    with pytest.raises(ConfigError) as caught:
        config.load(write_config(weibo("ftp://m.weibo.cn/")), {})
    [message] = caught.value.problems
    assert ".url: 格式不对" in message


@pytest.mark.slow  # crawler child processes
def test_the_site_root_and_the_endpoint_crawl_the_same_posts(
    web: SimWeb, engine: Engine, crawl_config: Callable[..., Path]
) -> None:
    config_path = crawl_config(
        weibo(f"{web.url}/weibo/", "根地址") + weibo(f"{web.url}/weibo/api/container/getIndex", "完整接口")
    )
    done = run_crawl(config_path, DAY4)
    root, endpoint = done.summaries["根地址"], done.summaries["完整接口"]
    assert root["error"] is None and endpoint["error"] is None, done.stderr[-3000:]
    # both ask the search API for the same pages (the site root itself is never requested) …
    assert root["requests"] == endpoint["requests"] > 0
    assert web.hits["/weibo/api/container/getIndex"] == 2  # one keyword, one page (pages = 1), per source
    assert web.hits["/weibo/"] == 0
    # … and find the same posts: whichever source stores one first, the other knows its URL
    assert root["fetched"] + endpoint["fetched"] > 0
    with engine.connect() as connection:
        stored = connection.scalar(select(func.count(Document.id)).join(Source, Source.id == Document.source_id))
    assert stored == root["new"] + endpoint["new"] > 0
