"""The Weibo-style search API: the mobile JSON shape, paging, created_at forms, and the test keywords."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

import pytest

from tests.simweb.support import at, get, weibo_search
from yuqing.simweb import BEIJING, SimWeb
from yuqing.simweb.weibo import created_at, render_text


def mblogs(cards: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The posts of a result page in order, opening card_type 11 groups."""
    found = []
    for card in cards:
        if card["card_type"] == 9:
            found.append(card["mblog"])
        elif card["card_type"] == 11:
            found += mblogs(card["card_group"])
    return found


def search(web: SimWeb, keyword: str, page: int = 1) -> dict[str, Any]:
    reply = get(web.url, weibo_search(keyword, page))
    assert reply.status == 200 and reply.header("Content-Type") == "application/json; charset=utf-8"
    return reply.json()


def test_results_have_the_mobile_search_shape(web: SimWeb) -> None:
    web.set_now(at(5, 16))
    answer = search(web, "塔吊")
    assert answer["ok"] == 1
    cards = answer["data"]["cards"]
    assert [card["card_type"] for card in cards] == [9, 9, 9, 11, 9, 9, 9, 9]
    group = cards[3]["card_group"]
    assert group[0]["card_type"] != 9 and [card["card_type"] for card in group[1:]] == [9, 9, 9]
    posts = mblogs(cards)
    assert len(posts) == 10
    for post in posts:
        assert post["id"] == post["mid"] and re.fullmatch(r"\d{16}", post["mid"])
        assert "塔吊" in post["text"]
        assert {"reposts_count", "comments_count", "attitudes_count", "created_at"} <= set(post)
        assert {"id", "screen_name", "verified"} <= set(post["user"])
    assert [int(post["mid"]) for post in posts] == sorted((int(post["mid"]) for post in posts), reverse=True)
    first = posts[0]
    assert first["user"]["screen_name"] == "人民日报" and first["user"]["verified"] is True
    assert "<a href='/search?" in first["text"] and "#临沂塔吊倒塌事故已致11人死亡#</a>" in first["text"]
    assert cards[0]["scheme"] == f"{web.url}/weibo/status/{first['mid']}"
    assert get(web.url, f"/weibo/status/{first['mid']}").status == 200


def test_paging_ends_with_the_real_empty_answer(web: SimWeb) -> None:
    web.set_now(at(5, 16))
    total = search(web, "塔吊")["data"]["cardlistInfo"]["total"]
    seen = []
    page = 1
    while (answer := search(web, "塔吊", page))["ok"] == 1:
        seen += [post["mid"] for post in mblogs(answer["data"]["cards"])]
        page += 1
    assert len(seen) == len(set(seen)) == total > 10
    assert answer == {"ok": 0, "msg": "这里还没有内容", "data": {"cards": []}}


def test_only_posts_containing_the_keyword_are_returned(web: SimWeb) -> None:
    web.set_now(at(3, 0))
    posts = mblogs(search(web, "东柳村")["data"]["cards"])
    assert posts and all("东柳村" in post["text"] for post in posts)
    assert search(web, "塔吊")["ok"] == 0
    assert search(web, "完全不存在的词")["ok"] == 0


def test_reposts_nest_the_original_post(web: SimWeb) -> None:
    web.set_now(at(5, 4))
    repost = next(post for post in mblogs(search(web, "老乡")["data"]["cards"]) if "retweeted_status" in post)
    original = repost["retweeted_status"]
    assert original["user"]["screen_name"] == "兰山夜猫子" and "滨河壹号" in original["text"]
    assert "retweeted_status" not in original
    assert "//<a href='/n/" in repost["text"]


def test_an_old_repost_of_last_year_is_dated_with_the_year(web: SimWeb) -> None:
    web.set_now(at(5, 8, 30))
    posts = mblogs(search(web, "整改了个寂寞")["data"]["cards"])
    assert posts[0]["retweeted_status"]["created_at"] == "2025-11-24"
    assert "鲁兴建工" in posts[0]["retweeted_status"]["text"]


def test_text_is_rendered_as_weibo_html() -> None:
    html = render_text("#章丘东柳村补偿款# 钱呢[怒]\n@济南身边事 <看看>")
    assert html.startswith("<a href='/search?containerid=231522type%3D1%26q%3D%23")
    assert "#章丘东柳村补偿款#</a>" in html
    assert '<span class="url-icon"><img alt="[怒]"' in html
    assert "<br />" in html and "<a href='/n/" in html and "&lt;看看&gt;" in html


@pytest.mark.parametrize(
    ("published", "now", "expected"),
    [
        (at(5, 3, 20), at(5, 3, 20) + timedelta(seconds=30), "刚刚"),
        (at(5, 3, 20), at(5, 3, 25), "5分钟前"),
        (at(5, 3, 20), at(5, 6, 40), "3小时前"),
        (at(4, 14, 30), at(5, 9), "昨天 14:30"),
        (at(2, 9, 12), at(5, 9), "11-24"),
        (datetime(2025, 11, 24, 9, 12, tzinfo=BEIJING), at(5, 9), "2025-11-24"),
    ],
)
def test_created_at_is_relative_to_the_scenario_clock(published: datetime, now: datetime, expected: str) -> None:
    assert created_at(published, now) == expected


def test_created_at_also_comes_in_full() -> None:
    full = created_at(datetime(2026, 11, 24, 9, 12, 33, tzinfo=BEIJING), at(5, 9), full=True)
    assert full == "Tue Nov 24 09:12:33 +0800 2026"


def test_results_mix_full_and_relative_dates(web: SimWeb) -> None:
    web.set_now(at(5, 16))
    stamps = [post["created_at"] for post in mblogs(search(web, "临沂")["data"]["cards"])]
    assert any(re.fullmatch(r"\w{3} \w{3} \d{2} \d{2}:\d{2}:\d{2} \+0800 2026", stamp) for stamp in stamps)
    assert any(re.fullmatch(r"\d+(分钟|小时)前", stamp) for stamp in stamps)


def test_the_login_wall_redirects_to_an_html_page(web: SimWeb) -> None:
    reply = get(web.url, weibo_search("登录墙"))
    assert reply.status == 302
    location = reply.header("Location") or ""
    assert location.startswith("/weibo/login?")
    login = get(web.url, location)
    assert login.status == 200 and login.header("Content-Type") == "text/html; charset=utf-8"
    assert "登录" in login.text()


def test_a_ban_answers_418(web: SimWeb) -> None:
    assert get(web.url, weibo_search("封禁")).status == 418


def test_an_unexpected_shape(web: SimWeb) -> None:
    assert get(web.url, weibo_search("怪形状")).json() == {"ok": 1, "data": {"unexpected": []}}


def test_a_card_with_missing_fields(web: SimWeb) -> None:
    web.set_now(at(2, 12))
    posts = mblogs(search(web, "缺字段")["data"]["cards"])
    broken = [post for post in posts if "user" not in post]
    assert len(broken) == 1 and "created_at" not in broken[0] and broken[0]["text"]
    assert all("user" in post and "created_at" in post for post in posts if post is not broken[0])


def test_an_api_path_answering_html(web: SimWeb) -> None:
    reply = get(web.url, "/weibo/html")
    assert reply.status == 200 and reply.header("Content-Type") == "text/html; charset=utf-8"
    assert reply.text().startswith("<html>")


def test_a_search_without_a_keyword_is_refused(web: SimWeb) -> None:
    reply = get(web.url, "/weibo/api/container/getIndex?containerid=231051&page=1")
    assert reply.json()["ok"] == 0
