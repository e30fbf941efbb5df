"""The HTML channels: the provincial news site (in its several charsets), the city site, the department's
releases and the message board."""

from __future__ import annotations

import re

from parsel import Selector

from tests.simweb.support import Reply, at, get
from yuqing.simweb import Item, SimWeb
from yuqing.simweb.city import article_path as city_path
from yuqing.simweb.news import article_path as news_path
from yuqing.simweb.official import article_path as official_path


def charset_of(reply: Reply) -> str | None:
    match = re.search(r"charset=([\w-]+)", reply.header("Content-Type") or "")
    return match.group(1) if match else None


def meta_charset(body: bytes) -> str | None:
    match = re.search(rb'<meta charset="([\w-]+)">', body)
    return match.group(1).decode() if match else None


def news_items(corpus: tuple[Item, ...], charset: str) -> list[Item]:
    return [item for item in corpus if item.channel == "news" and item.extra.get("charset", "utf-8") == charset]


def test_a_news_article_has_the_parts_of_a_real_page(web: SimWeb, corpus: tuple[Item, ...]) -> None:
    web.set_now(at(8, 8))
    item = next(item for item in corpus if item.id == "n042")
    reply = get(web.url, news_path(web.scene(), item))
    page = Selector(text=reply.body.decode(charset_of(reply) or "utf-8"))
    assert page.css("h1::text").get() == item.title
    assert page.css("ul.nav li") and page.css("div.breadcrumb") and page.css("div.footer")
    source = page.css("div.info span.source::text").get()
    assert source == "来源：齐鲁晚报 记者 孟凡 2026-11-27 15:10"
    paragraphs = page.css("div.article-content p::text").getall()
    assert "".join(paragraphs) == item.text.replace("\n", "")
    related = page.css("div.related a::attr(href)").getall() + page.css("div.sidebar a::attr(href)").getall()
    assert related and all(re.fullmatch(r"/news/2026/11/2[3-7]/n\d{3}\.html", link) for link in related)
    assert reply.header("Last-Modified") == "Fri, 27 Nov 2026 07:10:00 GMT"


def test_some_articles_state_their_time_in_meta_tags(web: SimWeb, corpus: tuple[Item, ...]) -> None:
    web.set_now(at(8, 8))
    styles = set()
    for item in (item for item in corpus if item.channel == "news" and item.extra.get("charset") is None):
        body = get(web.url, news_path(web.scene(), item)).text()
        if '<meta name="publishdate" content="' in body:
            styles.add("publishdate")
            assert f'content="{item.published(web.start):%Y-%m-%d %H:%M:%S}"' in body
        elif 'property="article:published_time"' in body:
            styles.add("og")
            assert f'content="{item.published(web.start).isoformat()}"' in body
        else:
            styles.add("none")
    assert styles == {"publishdate", "og", "none"}


def test_gbk_articles_decode_with_the_declared_charset(web: SimWeb, corpus: tuple[Item, ...]) -> None:
    web.set_now(at(8, 8))
    gbk = news_items(corpus, "gbk")
    assert len(gbk) >= 20
    for item in gbk:
        reply = get(web.url, news_path(web.scene(), item))
        assert reply.header("Content-Type") == "text/html; charset=GBK"
        assert meta_charset(reply.body) == "gbk"
        assert item.title in reply.body.decode("gbk")


def test_gb18030_pages_mislabelled_as_utf8_carry_the_right_meta(web: SimWeb, corpus: tuple[Item, ...]) -> None:
    web.set_now(at(8, 8))
    for item in news_items(corpus, "gb18030-mislabeled"):
        reply = get(web.url, news_path(web.scene(), item))
        assert charset_of(reply) == "UTF-8"
        assert meta_charset(reply.body) == "gb18030"
        assert item.title in reply.body.decode("gb18030")
        assert item.title not in reply.body.decode("utf-8", errors="replace")


def test_some_pages_declare_no_charset_at_all(web: SimWeb, corpus: tuple[Item, ...]) -> None:
    web.set_now(at(8, 8))
    for item in news_items(corpus, "none"):
        reply = get(web.url, news_path(web.scene(), item))
        assert reply.header("Content-Type") == "text/html"
        assert b"charset" not in reply.body
        assert item.title in reply.text("utf-8")


def test_the_city_site_has_its_own_layout(web: SimWeb, corpus: tuple[Item, ...]) -> None:
    web.set_now(at(8, 8))
    listing = Selector(text=get(web.url, "/city/").text())
    links = listing.css("div.column a::attr(href)").getall()
    assert len(links) == 15 and listing.xpath("//a[text()='下一页']/@href").get() == "/city/index_2.html"
    item = next(item for item in corpus if item.id == "c006")
    path = city_path(web.scene(), item)
    assert path == "/city/content/2026-11/24/content_c006.htm"
    reply = get(web.url, path)
    assert charset_of(reply) == "utf-8"
    page = Selector(text=reply.text())
    assert page.css("h2.detail-title::text").get() == item.title
    assert "发布时间：2026年11月24日 15:00" in page.css("p.detail-meta").get()
    assert "东柳村" in "".join(page.css("#content p::text").getall())


def test_the_official_release_page_is_in_government_style(web: SimWeb, corpus: tuple[Item, ...]) -> None:
    web.set_now(at(8, 8))
    listing = Selector(text=get(web.url, "/official/index.html").text())
    assert len(listing.css("ul.list a")) == sum(1 for item in corpus if item.channel == "official")
    item = next(item for item in corpus if item.id == "o007")
    path = official_path(web.scene(), item)
    assert path == "/official/art/2026/11/27/art_o007.html"
    page = Selector(text=get(web.url, path).text())
    assert page.css("div.art-title h1::text").get() == item.title
    info = "".join(page.css("div.art-info::text").getall())
    assert "发布时间：2026-11-27 06:20" in info and "信息来源：省住房城乡建设厅" in info
    assert "全省开展建筑起重机械安全专项排查" in "".join(page.css("#zoom p::text").getall())


def test_board_letters_turn_answered_when_the_reply_is_published(web: SimWeb) -> None:
    web.set_now(at(2, 12))
    listing = Selector(text=get(web.url, "/board/list?page=1").text())
    row = listing.xpath("//tr[td/a[@href='/board/detail?id=b004']]")
    assert row.css("td.status span::text").get() == "未回复"
    detail = Selector(text=get(web.url, "/board/detail?id=b004").text())
    assert "留言时间：" in detail.css("table.msg-info").get() and not detail.css("div.reply")

    web.set_now(at(3, 16))
    listing = Selector(text=get(web.url, "/board/list").text())
    row = listing.xpath("//tr[td/a[@href='/board/detail?id=b004']]")
    assert row.css("td.status span::text").get() == "已回复"
    reply = Selector(text=get(web.url, "/board/detail?id=b004").text()).css("div.reply")
    info = reply.css("table.reply-info").get()
    assert "回复单位：" in info and "济南市章丘区住房和城乡建设局" in info and "2026-11-25 16:00:00" in info
    assert "12月10日前全部兑付" in "".join(reply.css("div.reply-content p::text").getall())


def test_board_paging_and_missing_letters(web: SimWeb, corpus: tuple[Item, ...]) -> None:
    web.set_now(at(8, 8))
    letters = sum(1 for item in corpus if item.channel == "board")
    first = Selector(text=get(web.url, "/board/list?page=1").text())
    second = Selector(text=get(web.url, "/board/list?page=2").text())
    assert len(first.css("td.title a")) == 15 and len(second.css("td.title a")) == letters - 15
    assert first.xpath("//a[text()='下一页']/@href").get() == "/board/list?page=2"
    assert get(web.url, "/board/list?page=3").status == 404
    assert get(web.url, "/board/detail?id=nope").status == 404


def test_the_empty_page_has_chrome_but_no_text(web: SimWeb) -> None:
    page = Selector(text=get(web.url, "/news/empty.html").text())
    assert page.css("ul.nav li") and page.css("div.footer")
    assert page.css("div.article-content").xpath("string()").get().strip() == ""
    assert page.css("h1").xpath("string()").get() == ""


def test_the_gb18030_trap_page_lies_in_its_header(web: SimWeb) -> None:
    reply = get(web.url, "/news/gb18030-as-utf8.html")
    assert charset_of(reply) == "UTF-8" and b"charset" not in reply.body
    text = reply.body.decode("gb18030")
    assert "生僻字" in text and "𠮷" in text
    assert "生僻字" not in reply.body.decode("utf-8", errors="replace")


def test_the_private_section_exists_for_impolite_crawlers(web: SimWeb) -> None:
    assert get(web.url, "/news/private/index.html").status == 200
