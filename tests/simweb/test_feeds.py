"""RSS 2.0, RSS 1.0 and Atom feeds: well-formed, dated in their own formats, pointing at pages of this server."""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from datetime import datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

from tests.simweb.support import at, get
from yuqing.simweb import SimWeb

ATOM = "{http://www.w3.org/2005/Atom}"
RSS1 = "{http://purl.org/rss/1.0/}"
DC = "{http://purl.org/dc/elements/1.1/}"


def parse(web: SimWeb, path: str) -> ElementTree.Element:
    reply = get(web.url, path)
    assert reply.status == 200
    return ElementTree.fromstring(reply.body)


def assert_served(web: SimWeb, link: str) -> None:
    parts = urlsplit(link)
    assert f"{parts.scheme}://{parts.netloc}" == web.url
    assert get(web.url, parts.path).status == 200


def test_rss2_lists_the_latest_thirty_articles_with_rfc822_dates(web: SimWeb) -> None:
    web.set_now(at(8, 8))
    items = parse(web, "/feeds/rss.xml").findall("channel/item")
    assert len(items) == 30
    dates = [item.findtext("pubDate") or "" for item in items]
    assert all(date.endswith(" +0800") for date in dates)
    instants = [parsedate_to_datetime(date) for date in dates]
    assert instants == sorted(instants, reverse=True)
    assert dates[0] == "Mon, 30 Nov 2026 07:00:00 +0800"
    assert_served(web, items[0].findtext("link") or "")
    assert items[0].findtext("guid") == items[0].findtext("link")


def test_rss1_carries_dc_dates_of_the_city_site(web: SimWeb) -> None:
    web.set_now(at(5, 12))
    root = parse(web, "/feeds/rss1.rdf")
    items = root.findall(f"{RSS1}item")
    assert 0 < len(items) <= 30
    assert len(root.findall(f"{RSS1}channel/{RSS1}items/*/*")) == len(items)
    dates = [datetime.fromisoformat(item.findtext(f"{DC}date") or "") for item in items]
    assert dates[0].isoformat() == "2026-11-27T11:40:00+08:00"
    assert all(date <= at(5, 12) for date in dates)
    assert_served(web, items[0].findtext(f"{RSS1}link") or "")


def test_atom_merges_both_news_sites_with_iso_dates(web: SimWeb) -> None:
    web.set_now(at(5, 5))
    root = parse(web, "/feeds/atom.xml")
    entries = root.findall(f"{ATOM}entry")
    assert len(entries) == 30
    assert root.findtext(f"{ATOM}updated") == "2026-11-27T04:50:00+08:00"
    links = [entry.find(f"{ATOM}link").get("href") for entry in entries]  # type: ignore[union-attr]
    assert any("/city/content/" in link for link in links) and any("/news/2026/" in link for link in links)
    published = [entry.findtext(f"{ATOM}published") for entry in entries]
    assert published[0] == "2026-11-27T04:50:00+08:00" and published[1] == "2026-11-27T04:30:00+08:00"
    assert_served(web, links[0])


def test_the_official_feed_lists_the_releases(web: SimWeb) -> None:
    web.set_now(at(5, 7))
    items = parse(web, "/official/rss.xml").findall("channel/item")
    assert items[0].findtext("title") == "关于临沂市兰山区滨河壹号项目塔式起重机倒塌事故的情况通报"
    assert items[0].findtext("pubDate") == "Fri, 27 Nov 2026 06:20:00 +0800"
    assert_served(web, items[0].findtext("link") or "")


def test_an_empty_feed_is_still_valid(web: SimWeb) -> None:
    assert parse(web, "/official/rss.xml").findall("channel/item") == []
    assert parse(web, "/feeds/atom.xml").findtext(f"{ATOM}updated") == "2026-11-23T08:00:00+08:00"


def test_feeds_answer_304_until_a_new_item_appears(web: SimWeb) -> None:
    web.set_now(at(5, 5))
    for path in ("/feeds/rss.xml", "/feeds/rss1.rdf", "/feeds/atom.xml", "/official/rss.xml"):
        first = get(web.url, path)
        assert (first.header("Content-Type") or "").startswith("application/")
        assert get(web.url, path, {"If-None-Match": first.header("ETag") or ""}).status == 304
        assert get(web.url, path, {"If-Modified-Since": first.header("Last-Modified") or ""}).status == 304
    web.set_now(at(5, 9, 30))
    for path in ("/feeds/rss.xml", "/feeds/rss1.rdf", "/feeds/atom.xml"):
        assert get(web.url, path, {"If-Modified-Since": "Thu, 26 Nov 2026 21:00:00 GMT"}).status == 200
