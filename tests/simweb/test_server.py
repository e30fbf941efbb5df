"""The server itself: the scenario clock, what is visible when, paging, conditional requests and hit counts."""

from __future__ import annotations

import re
import subprocess
import sys
import threading
from datetime import datetime, timedelta

import pytest
from parsel import Selector

from tests.simweb.support import at, get, weibo_search
from yuqing.simweb import DEFAULT_START, Item, SimWeb
from yuqing.simweb.__main__ import running_clock


def article_links(body: str) -> list[str]:
    return Selector(text=body).css("ul.news-list a::attr(href)").getall()


def test_the_server_binds_a_free_loopback_port(web: SimWeb) -> None:
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", web.url)
    reply = get(web.url, "/")
    assert reply.status == 200 and "齐鲁时讯网" in reply.text()


def test_only_published_items_are_visible(web: SimWeb) -> None:
    first = get(web.url, "/news/list_1.html").text()
    assert article_links(first) == ["/news/2026/11/23/n001.html"]
    assert get(web.url, "/news/2026/11/23/n002.html").status == 404
    assert get(web.url, "/official/art/2026/11/27/art_o007.html").status == 404
    assert get(web.url, weibo_search("塔吊")).json()["ok"] == 0

    web.set_now(at(1, 9, 10))
    assert get(web.url, "/news/2026/11/23/n002.html").status == 200
    assert len(article_links(get(web.url, "/news/list_1.html").text())) == 2

    web.set_now(at(5, 3, 20))
    cards = get(web.url, weibo_search("塔吊")).json()["data"]["cards"]
    assert [card["mblog"]["user"]["screen_name"] for card in cards] == ["兰山夜猫子"]
    assert get(web.url, "/official/art/2026/11/27/art_o007.html").status == 404
    web.set_now(at(5, 6, 20))
    assert get(web.url, "/official/art/2026/11/27/art_o007.html").status == 200


def test_an_article_url_with_the_wrong_date_is_not_found(web: SimWeb) -> None:
    web.set_now(at(8, 8))
    assert get(web.url, "/news/2026/11/23/n001.html").status == 200
    assert get(web.url, "/news/2026/11/24/n001.html").status == 404
    assert get(web.url, "/news/2026/11/23/nope.html").status == 404


def test_list_pages_hold_twenty_newest_first_with_a_next_link(web: SimWeb, corpus: tuple[Item, ...]) -> None:
    web.set_now(at(8, 8))
    total = sum(1 for item in corpus if item.channel == "news")
    seen: list[str] = []
    path: str | None = "/news/list_1.html"
    while path is not None:
        page = Selector(text=get(web.url, path).text())
        links = page.css("ul.news-list a::attr(href)").getall()
        assert len(links) == 20 or page.xpath("//a[text()='下一页']").get() is None
        dates = page.css("ul.news-list span.date::text").getall()
        assert dates == sorted(dates, reverse=True)
        seen += links
        path = page.xpath("//a[text()='下一页']/@href").get()
    assert len(seen) == len(set(seen)) == total
    assert get(web.url, f"/news/list_{len(seen) // 20 + 2}.html").status == 404


@pytest.mark.parametrize("path", ["/news/list_1.html", "/city/index.html", "/feeds/rss.xml", "/board/list?page=1"])
def test_unchanged_pages_answer_304_to_conditional_requests(web: SimWeb, path: str) -> None:
    web.set_now(at(3, 12))
    first = get(web.url, path)
    etag, modified = first.header("ETag"), first.header("Last-Modified")
    assert first.status == 200 and etag and modified

    by_etag = get(web.url, path, {"If-None-Match": etag})
    assert by_etag.status == 304 and by_etag.body == b"" and by_etag.header("ETag") == etag
    assert get(web.url, path, {"If-Modified-Since": modified}).status == 304
    assert get(web.url, path, {"If-Modified-Since": "Mon, 23 Nov 2026 00:00:00 GMT"}).status == 200
    assert get(web.url, path, {"If-None-Match": '"other"', "If-Modified-Since": modified}).status == 200

    web.set_now(at(6, 12))
    changed = get(web.url, path, {"If-None-Match": etag, "If-Modified-Since": modified})
    assert changed.status == 200 and changed.header("ETag") != etag
    assert changed.header("Last-Modified") != modified


def test_last_modified_is_the_newest_visible_item(web: SimWeb) -> None:
    web.set_now(at(1, 9, 30))
    assert get(web.url, "/news/list_1.html").header("Last-Modified") == "Mon, 23 Nov 2026 01:10:00 GMT"


def test_hits_count_requests_per_path_and_per_target(web: SimWeb) -> None:
    get(web.url, "/news/list_1.html")
    get(web.url, "/news/list_1.html", {"If-None-Match": "*"})
    get(web.url, "/board/list?page=1")
    get(web.url, "/board/list?page=2")
    get(web.url, "/missing")
    assert web.hits["/news/list_1.html"] == 2
    assert web.hits["/board/list"] == 2 and web.hits["/board/list?page=2"] == 1
    assert web.hits["/missing"] == 1 and web.hits["/never"] == 0
    assert web.hits.total() == 5
    web.hits.reset()
    assert web.hits.snapshot() == {}


def test_a_clock_callable_drives_the_scenario(corpus: tuple[Item, ...]) -> None:
    now = [DEFAULT_START]
    with SimWeb(DEFAULT_START, clock=lambda: now[0], items=corpus) as web:
        assert get(web.url, "/news/2026/11/23/n002.html").status == 404
        now[0] = at(1, 9, 10)
        assert get(web.url, "/news/2026/11/23/n002.html").status == 200
        with pytest.raises(RuntimeError):
            web.set_now(at(2, 0))


def test_naive_instants_and_foreign_items_are_handled(corpus: tuple[Item, ...]) -> None:
    with pytest.raises(ValueError):
        SimWeb(datetime(2026, 11, 23, 8, 0))
    only_weibo = [item for item in corpus if item.channel == "weibo"]
    with SimWeb(DEFAULT_START, items=only_weibo) as web:
        web.set_now(at(8, 8))
        with pytest.raises(ValueError):
            web.set_now(datetime(2026, 11, 24, 8, 0))
        assert get(web.url, "/news/list_1.html").status == 200
        assert get(web.url, "/news/2026/11/23/n001.html").status == 404


def test_robots_txt_disallows_the_private_section(web: SimWeb) -> None:
    reply = get(web.url, "/robots.txt")
    assert reply.status == 200 and reply.header("Content-Type").startswith("text/plain")
    assert "Disallow: /news/private/" in reply.text()


def test_head_and_post_and_unknown_paths(web: SimWeb) -> None:
    head = get(web.url, "/news/list_1.html", method="HEAD")
    assert head.status == 200 and head.body == b"" and int(head.header("Content-Length")) > 0
    assert get(web.url, "/news/list_1.html", method="POST").status == 405
    assert get(web.url, "/no/such/page").status == 404


def test_stop_is_idempotent_and_ends_slow_answers_early(corpus: tuple[Item, ...]) -> None:
    web = SimWeb(DEFAULT_START, items=corpus)
    replies: list[int] = []
    worker = threading.Thread(target=lambda: replies.append(get(web.url, "/slow?seconds=30").status))
    worker.start()
    while web.hits["/slow"] == 0:
        worker.join(0.01)
    web.stop()
    web.stop()
    worker.join(10)
    assert replies == [200]


def test_running_clock_advances_speed_times_real_time() -> None:
    ticks = iter([100.0, 100.0, 102.5])
    clock = running_clock(DEFAULT_START, 60.0, lambda: next(ticks))
    assert clock() == DEFAULT_START
    assert clock() == DEFAULT_START + timedelta(seconds=150)


def test_python_dash_m_simweb_prints_its_url_in_chinese() -> None:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "yuqing.simweb",
            "--start",
            "2026-11-23T08:00:00+08:00",
            "--speed",
            "60",
            "--skip",
            "96",
        ],
        stdout=subprocess.PIPE,
        text=True,
        encoding="utf-8",
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.startswith("模拟网站已启动：http://127.0.0.1:")
        url = line.split("：", 1)[1].strip().rstrip("/")
        assert get(url, "/news/2026/11/26/n025.html").status == 200
    finally:
        process.terminate()
        process.wait(10)
        if process.stdout is not None:
            process.stdout.close()
