"""The two storylines as a crawler sees them over HTTP while the scenario clock moves."""

from __future__ import annotations

import re

from parsel import Selector

from tests.simweb.support import at, get, weibo_search
from yuqing.simweb import SimWeb

FIGURE = re.compile(r"(\d+)人死亡|升至(\d+)人")


def highest_toll(texts: list[str]) -> int:
    figures = [int(a or b) for text in texts for a, b in FIGURE.findall(text)]
    return max(figures, default=0)


def visible_texts(web: SimWeb) -> list[str]:
    answer = get(web.url, weibo_search("塔吊")).json()
    posts = [card["mblog"]["text"] for card in answer["data"]["cards"] if card["card_type"] == 9]
    titles = Selector(text=get(web.url, "/news/list_1.html").text()).css("ul.news-list a::text").getall()
    return posts + titles


def test_the_crane_death_toll_rises_as_the_day_goes_on(web: SimWeb) -> None:
    web.set_now(at(5, 3, 15))
    assert get(web.url, weibo_search("塔吊")).json()["ok"] == 0
    tolls = []
    for moment in (at(5, 4, 45), at(5, 9, 30), at(5, 15, 30)):
        web.set_now(moment)
        tolls.append(highest_toll(visible_texts(web)))
    assert tolls == [3, 7, 11]


def test_the_official_statement_follows_the_first_post_by_three_hours(web: SimWeb) -> None:
    web.set_now(at(5, 6, 19))
    assert "塔式起重机" not in get(web.url, "/official/index.html").text()
    web.set_now(at(5, 6, 20))
    listing = Selector(text=get(web.url, "/official/index.html").text())
    assert listing.css("ul.list a::text").get() == "关于临沂市兰山区滨河壹号项目塔式起重机倒塌事故的情况通报"


def test_the_expropriation_dispute_is_answered_after_thirty_hours(web: SimWeb) -> None:
    web.set_now(at(2, 8, 40))
    posts = get(web.url, weibo_search("补偿款")).json()["data"]["cards"]
    assert len(posts) == 1 and "东柳村" in posts[0]["mblog"]["text"]
    web.set_now(at(3, 14, 39))
    assert "东柳村" not in get(web.url, "/official/index.html").text()
    web.set_now(at(3, 14, 40))
    assert "东柳村房屋征收补偿款支付情况的通报" in get(web.url, "/official/index.html").text()
