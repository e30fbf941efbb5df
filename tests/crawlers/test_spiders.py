"""Each spider against the real simulated web, through the real entry point (``python -m crawlers``)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from crawlers.clean import normalize_text
from storage.models import CrawlState, Document, Reply, Source
from tests.crawlers.conftest import DAY4, DAY6, run_crawl, source
from yuqing.simweb import DEFAULT_START, Item, SimWeb, load_items
from yuqing.simweb import board as sim_board
from yuqing.simweb import feeds as sim_feeds
from yuqing.simweb import weibo as sim_weibo

pytestmark = pytest.mark.slow  # crawler child processes

ARTICLE_PREFIXES = ("/news/20", "/city/content/", "/official/art/", "/board/detail", "/weibo/status/")


def stored(engine: Engine, name: str) -> dict[str, Document]:
    with engine.connect() as connection:
        rows = connection.execute(
            select(Document).join(Source, Source.id == Document.source_id).where(Source.name == name)
        )
        return {row.url: row for row in rows}


def article_hits(web: SimWeb) -> int:
    return sum(count for path, count in web.hits.snapshot().items() if path.startswith(ARTICLE_PREFIXES))


def expected(web: SimWeb) -> dict[str, dict[str, Any]]:
    """What simweb shows now, per source of the main configuration: URL → item."""
    scene = web.scene()
    news = scene.visible("news")[: sim_feeds.FEED_SIZE]
    keyword = "塔吊"
    return {
        "rss": {sim_feeds.link_of(scene, item): item for item in news},
        "city": {sim_feeds.link_of(scene, item): item for item in scene.visible("city")},
        "official": {sim_feeds.link_of(scene, item): item for item in scene.visible("official")},
        "board": {scene.absolute(sim_board.detail_path(item)): item for item in scene.visible("board")},
        "weibo": weibo_with_originals(scene, [item for item in scene.visible("weibo") if keyword in item.text]),
    }


def weibo_with_originals(scene: Any, found: list[Item]) -> dict[str, Item]:
    """The posts a keyword search finds, and the originals they repost (stored too, so reposts link to them)."""
    posts = {}
    for item in found:
        posts[scene.absolute(f"/weibo/status/{sim_weibo.mid_of(item)}")] = item
        original = scene.get(item.extra["retweet_of"]) if "retweet_of" in item.extra else None
        if original is not None:
            posts[scene.absolute(f"/weibo/status/{sim_weibo.mid_of(original)}")] = original
        if "retweeted" in item.extra:  # an old post outside the corpus, embedded in the repost
            old = item.extra["retweeted"]
            posted = datetime.fromisoformat(old["posted"])
            posts[scene.absolute(f"/weibo/status/{old['mid']}")] = Item(
                id=old["mid"],
                channel="weibo",
                title="",
                text=old["text"],
                author=old["author"],
                offset=posted - DEFAULT_START,
                kind="social",
                metrics=old.get("metrics", {}),
            )
    return posts


def main_sources(web: SimWeb) -> str:
    return "".join(
        (
            source("rss", "feed", f"{web.url}/feeds/rss.xml"),
            source("city", "site", f"{web.url}/city/", "local", max_pages=10),
            source(
                "official",
                "official",
                f"{web.url}/official/index.html",
                "official",
                selectors={"published_at": ".art-info"},
            ),
            source("board", "board", f"{web.url}/board/list", "local", max_pages=10),
            source(
                "weibo", "weibo", f"{web.url}/weibo/api/container/getIndex", "self_media", keywords=["塔吊"], pages=10
            ),
        )
    )


def test_each_source_type_stores_what_simweb_shows_once_and_only_new_items_later(
    web: SimWeb, engine: Engine, crawl_config: Callable[..., Path]
) -> None:
    config = crawl_config(main_sources(web))
    first = run_crawl(config, DAY4)
    assert first.returncode == 0, first.stderr[-3000:]
    for name, items in expected(web).items():
        documents = stored(engine, name)
        assert set(documents) == set(items), name
        summary = first.summaries[name]
        assert summary["new"] == len(items) and summary["error"] is None and summary["failed"] == 0, summary
        for url, item in items.items():
            document = documents[url]
            assert document.text == normalize_text(item.text), url
            published = item.published(DEFAULT_START)
            if name == "weibo":  # "3小时前", "昨天 14:30", "11-24": Weibo's own precision
                assert abs(published - document.published_at) < timedelta(days=1), url
            else:
                assert document.published_at == published, url
            kind = {"rss": "news", "city": "news", "official": "official", "board": "forum", "weibo": "social"}[name]
            assert document.kind == kind
    weibo = stored(engine, "weibo")
    reposts = [item for item in expected(web)["weibo"].values() if "retweet_of" in item.extra]
    assert reposts
    for item in reposts:
        original = web.scene().get(item.extra["retweet_of"])
        repost_url = web.scene().absolute(f"/weibo/status/{sim_weibo.mid_of(item)}")
        original_url = web.scene().absolute(f"/weibo/status/{sim_weibo.mid_of(original)}")
        assert weibo[repost_url].duplicate_of_id == weibo[original_url].id, item.id
    assert first.summaries["weibo"]["near_duplicate"] >= len(reposts)
    some = next(iter(expected(web)["weibo"].items()))
    assert weibo[some[0]].likes == some[1].metrics.get("likes", 0)
    assert weibo[some[0]].author == some[1].author

    hits_before = article_hits(web)
    second = run_crawl(config, DAY4)
    assert all(s["new"] == 0 and s["error"] is None for s in second.summaries.values()), second.summaries
    assert article_hits(web) == hits_before, "a known article was requested again"
    for name in ("rss", "city", "official", "board"):
        assert second.summaries[name]["not_modified"] >= 1, name

    visible_before = {name: set(items) for name, items in expected(web).items()}
    with engine.connect() as connection:
        waiting = {row.document_id for row in connection.execute(select(Reply).where(Reply.status == "未回复"))}
    web.set_now(DAY6)
    third = run_crawl(config, DAY6)
    assert third.returncode == 0, third.stderr[-3000:]
    for name, items in expected(web).items():
        fresh = set(items) - visible_before[name]
        assert third.summaries[name]["new"] == len(fresh), (name, third.summaries[name])
        assert set(stored(engine, name)) >= set(items)
    with engine.connect() as connection:
        answered = connection.execute(
            select(Reply).where(Reply.document_id.in_(waiting), Reply.status == "已回复")
        ).all()
    assert answered and third.summaries["board"]["updated"] == len(answered), (waiting, third.summaries["board"])
    assert all(reply.text and reply.replied_at for reply in answered)


def test_rss1_atom_and_official_feed(web: SimWeb, engine: Engine, crawl_config: Callable[..., Path]) -> None:
    config = crawl_config(
        source("rdf", "feed", f"{web.url}/feeds/rss1.rdf", "local")
        + source("atom", "feed", f"{web.url}/feeds/atom.xml")
        + source("releases", "official", f"{web.url}/official/rss.xml", "official")
    )
    result = run_crawl(config, DAY4)
    assert result.returncode == 0, result.stderr[-3000:]
    scene = web.scene()
    wanted = {sim_feeds.link_of(scene, item) for item in scene.visible("news", "city")[:30]}
    wanted |= {sim_feeds.link_of(scene, item) for item in scene.visible("city")[:30]}
    got = set(stored(engine, "rdf")) | set(stored(engine, "atom"))
    assert got == wanted
    releases = stored(engine, "releases")
    assert set(releases) == {sim_feeds.link_of(scene, item) for item in scene.visible("official")}
    assert {document.kind for document in releases.values()} == {"official"}
    assert sum(s["new"] for s in result.summaries.values()) == len(wanted) + len(releases)


def test_traps_are_counted_with_their_reason_and_nothing_wrong_is_stored(
    web: SimWeb, engine: Engine, crawl_config: Callable[..., Path], trap_feed: Callable[[list[str]], str]
) -> None:
    feed = trap_feed(
        [
            "/flaky/k1",
            "/huge",
            "/status/404",
            "/status/500",
            "/slow?seconds=10",
            "/reset",
            "/redirect-loop",
            "/news/empty.html",
            "/news/gb18030-as-utf8.html",
            "/news/private/secret.html",
        ]
    )
    api = f"{web.url}/weibo/api/container/getIndex"
    config = crawl_config(
        source("traps", "feed", feed)
        + source("invalid", "feed", f"{web.url}/feeds/invalid.xml")
        + source("bomb", "feed", f"{web.url}/feeds/bomb.xml")
        + source("wall", "weibo", api, "self_media", keywords=["登录墙"], cookie_env="WEIBO_COOKIE")
        + source("teapot", "weibo", api, "self_media", keywords=["封禁"])
        + source("shape", "weibo", api, "self_media", keywords=["怪形状"])
        + source("html", "weibo", f"{web.url}/weibo/html", "self_media", keywords=["塔吊"])
        + source("missing", "weibo", api, "self_media", keywords=["缺字段"]),
        crawl=CRAWL_FAST_TIMEOUT,
    )
    result = run_crawl(config, DAY4)
    assert result.returncode == 0, result.stderr[-3000:]
    traps = result.summaries["traps"]
    assert traps["error"] is None
    assert traps["failures"] == {
        "connection": 1,
        "http_404": 1,
        "http_500": 1,
        "redirect_loop": 1,
        "robots": 1,
        "timeout": 1,
        "too_large": 1,
    }, (web.hits["/flaky/k1"], web.hits["/redirect-loop"], traps)
    assert traps["dropped"] == {"no_text": 1}
    assert traps["new"] == 2
    documents = stored(engine, "traps")
    assert {url.removeprefix(web.url) for url in documents} == {"/flaky/k1", "/news/gb18030-as-utf8.html"}
    rare = documents[f"{web.url}/news/gb18030-as-utf8.html"]
    assert "𠮷" in rare.text and "\ufffd" not in rare.text
    assert web.hits["/news/private/secret.html"] == 0

    assert "XML" in result.summaries["invalid"]["error"]
    assert "实体" in result.summaries["bomb"]["error"]
    assert (
        "需要更新 Cookie" in result.summaries["wall"]["error"] and "WEIBO_COOKIE" in result.summaries["wall"]["error"]
    )
    assert "418" in result.summaries["teapot"]["error"]
    assert "结构" in result.summaries["shape"]["error"]
    assert "网页而不是 JSON" in result.summaries["html"]["error"]
    for name in ("invalid", "bomb", "wall", "teapot", "shape", "html"):
        assert result.summaries[name]["new"] == 0 and not stored(engine, name), name
    missing = result.summaries["missing"]
    assert missing["error"] is None and missing["dropped"] == {"no_time": 1}
    shown = web.scene().visible("weibo")[:10]
    # one post lacks its time; the originals that the others repost are stored with them
    assert missing["new"] == len(weibo_with_originals(web.scene(), shown)) - 1
    with engine.connect() as connection:
        health = {row.name: row for row in connection.execute(select(Source))}
    assert health["wall"].consecutive_failures == 1 and "Cookie" in health["wall"].last_error
    assert health["missing"].consecutive_failures == 0 and health["missing"].last_success_at is not None


CRAWL_FAST_TIMEOUT = """
[crawl]
download_timeout = "2s"
retries = 2
retry_backoff = "0s"
autothrottle = false
concurrency_per_domain = 16
max_page_bytes = 1048576
"""


def test_near_duplicate_copies_link_to_the_original(engine: Engine, crawl_config: Callable[..., Path]) -> None:
    text = (
        "临沂市兰山区住建局今天通报，滨河壹号工地一台塔式起重机倒塌事故的调查工作正在进行，"
        "涉事企业已被责令全面停工整改，全市在建工地开展起重机械安全专项检查。\n"
        "住建部门提醒各施工单位落实安全生产主体责任，严格执行起重机械安装验收和日常检查制度。"
    )
    original = _item("n900", "news", "塔吊倒塌事故调查进展", text, timedelta(hours=1))
    copy = _item("c900", "city", "兰山通报塔吊倒塌事故调查进展", text.replace("今天", "今日"), timedelta(hours=3))
    other = [item for item in load_items() if item.channel in ("news", "city") and item.offset < timedelta(days=1)]
    with SimWeb(start=DEFAULT_START, items=[original, copy, *other]) as web:
        web.set_now(DEFAULT_START + timedelta(days=1))
        config = crawl_config(
            source("rss", "feed", f"{web.url}/feeds/rss.xml") + source("rdf", "feed", f"{web.url}/feeds/rss1.rdf")
        )
        first = run_crawl(config, DEFAULT_START + timedelta(days=1), "rss")
        second = run_crawl(config, DEFAULT_START + timedelta(days=1), "rdf")
    assert first.summaries["rss"]["near_duplicate"] == 0
    assert second.summaries["rdf"]["near_duplicate"] == 1
    with engine.connect() as connection:
        rows = {row.url.rsplit("/", 1)[1]: row for row in connection.execute(select(Document))}
    assert rows["content_c900.htm"].duplicate_of_id == rows["n900.html"].id
    assert all(row.duplicate_of_id is None for key, row in rows.items() if key != "content_c900.htm")


def test_validators_are_kept_only_after_a_clean_crawl(
    web: SimWeb, engine: Engine, crawl_config: Callable[..., Path], trap_feed: Callable[[list[str]], str]
) -> None:
    """A crawl whose article failed keeps no validators, so the next crawl reads the feed again (a restart
    after a crash resumes the same way); a clean crawl keeps them and the next one gets 304."""
    config = crawl_config(
        source("broken", "feed", trap_feed(["/status/404"])) + source("rss", "feed", f"{web.url}/feeds/rss.xml")
    )
    first = run_crawl(config, DAY4)
    assert first.summaries["broken"]["failures"] == {"http_404": 1}
    with engine.connect() as connection:
        keys = [row.key for row in connection.execute(select(CrawlState))]
    assert keys == [f"{web.url}/feeds/rss.xml"]
    second = run_crawl(config, DAY4)
    assert second.summaries["rss"]["not_modified"] == 1 and second.summaries["broken"]["failures"] == {"http_404": 1}


def _item(id_: str, channel: str, title: str, text: str, offset: timedelta) -> Item:
    return Item(id=id_, channel=channel, title=title, text=text, author="记者 王明", offset=offset, kind="news")
