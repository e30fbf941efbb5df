"""``feed`` sources: RSS 2.0, RSS 1.0 (RDF) and Atom. Each entry's link is followed for the full text; an
off-site link, or one that cannot be fetched, leaves the entry's own text.

The feed is parsed without entity expansion, DTD loading or network access; a feed that declares entities
(the billion-laughs bomb) or is not well-formed XML fails the source with a message saying so.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

from lxml import etree

from crawlers.clean import normalize_text
from crawlers.dates import parse_time
from crawlers.schemes import is_web_url
from crawlers.spiders.base import SourceSpider

if TYPE_CHECKING:
    import scrapy
    from scrapy.http import Response

logger = logging.getLogger(__name__)

ATOM = "{http://www.w3.org/2005/Atom}"
RSS1 = "{http://purl.org/rss/1.0/}"
DC = "{http://purl.org/dc/elements/1.1/}"
CONTENT = "{http://purl.org/rss/1.0/modules/content/}"
_HINT = '提示：确认订阅地址是否正确（浏览器打开应看到 RSS/Atom），或改用 type = "site" 采集列表页。'


@dataclass(frozen=True)
class Entry:
    title: str
    link: str
    date: str
    summary: str
    author: str


class FeedError(ValueError):
    """The feed cannot be read; the message is Chinese and says why."""


class FeedSpider(SourceSpider):
    name = "feed"

    def first_requests(self) -> Iterator[scrapy.Request]:
        yield self.page_request(self.context.source.url, self.parse_feed)

    def parse_feed(self, response: Response, **_: Any) -> Iterator[Any]:
        if self.not_modified(response):
            return
        try:
            entries = parse_entries(response.body, response.url)
        except FeedError as error:
            self.stats.inc_value("yuqing/failed")
            self.stats.inc_value("yuqing/failures/invalid_feed")
            self.fail(f"订阅源 {response.url} 无法解析：{error}。{_HINT}")
            return
        self.stats.inc_value("yuqing/entries", len(entries))
        # an entry without an http(s) link (none, or file://, ftp:// …) is neither followed nor stored
        entries = [entry for entry in entries if entry.link and is_web_url(entry.link)]
        known = self.known([entry.link for entry in entries])
        feed_host = urlsplit(response.url).hostname
        for entry in entries:
            if entry.link in known:
                continue
            fallback = self.post(
                entry.link,
                title=entry.title,
                text=entry.summary,
                published_at=parse_time(entry.date, self.now) if entry.date else None,
                author=entry.author or None,
                time_text=entry.date,
            )
            if urlsplit(entry.link).hostname == feed_host:
                yield self.article_request(entry.link, self.parse_article, fallback)
            else:
                yield fallback


def parse_entries(body: bytes, base_url: str) -> list[Entry]:
    """The entries of an RSS 2.0, RSS 1.0 or Atom document; raises :class:`FeedError`."""
    if b"<!ENTITY" in body[:65536].upper():
        raise FeedError("含有 XML 实体声明（可能是“十亿笑声”XML 炸弹），已拒绝解析")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, recover=False)
    try:
        root = etree.fromstring(body, parser=parser)
    except etree.XMLSyntaxError as error:
        raise FeedError(f"不是格式正确的 XML（{error.msg}，第 {error.lineno} 行）") from None
    if root is None:
        raise FeedError("内容为空")
    tag = etree.QName(root).localname
    if tag == "rss":
        return [_rss2(item, base_url) for item in root.iter("item")]
    if tag == "RDF":
        return [_rss1(item, base_url) for item in root.iter(f"{RSS1}item")]
    if tag == "feed":
        return [_atom(entry, base_url) for entry in root.iter(f"{ATOM}entry")]
    raise FeedError(f"根元素是 <{tag}>，不是 RSS 或 Atom")


def _text(element: Any, path: str) -> str:
    found = element.find(path)
    return "".join(found.itertext()).strip() if found is not None else ""


def _summary(html: str) -> str:
    if "<" not in html:
        return normalize_text(html)
    try:
        tree = etree.fromstring(f"<div>{html}</div>", etree.HTMLParser())
    except (etree.XMLSyntaxError, ValueError):
        return normalize_text(html)
    return normalize_text("\n".join(tree.itertext())) if tree is not None else ""


def _rss2(item: Any, base: str) -> Entry:
    link = _text(item, "link")
    guid = item.find("guid")
    if not link and guid is not None and guid.get("isPermaLink", "true") == "true":
        link = (guid.text or "").strip()
    body = _text(item, f"{CONTENT}encoded") or _text(item, "description")
    return Entry(
        title=_text(item, "title"),
        link=urljoin(base, link) if link else "",
        date=_text(item, "pubDate") or _text(item, f"{DC}date"),
        summary=_summary(body),
        author=_text(item, f"{DC}creator") or _text(item, "author"),
    )


def _rss1(item: Any, base: str) -> Entry:
    link = _text(item, f"{RSS1}link") or item.get("{http://www.w3.org/1999/02/22-rdf-syntax-ns#}about", "")
    return Entry(
        title=_text(item, f"{RSS1}title"),
        link=urljoin(base, link) if link else "",
        date=_text(item, f"{DC}date"),
        summary=_summary(_text(item, f"{RSS1}description")),
        author=_text(item, f"{DC}creator"),
    )


def _atom(entry: Any, base: str) -> Entry:
    link = ""
    for candidate in entry.iter(f"{ATOM}link"):
        if candidate.get("rel", "alternate") == "alternate":
            link = candidate.get("href", "")
            break
    return Entry(
        title=_text(entry, f"{ATOM}title"),
        link=urljoin(base, link) if link else "",
        date=_text(entry, f"{ATOM}published") or _text(entry, f"{ATOM}updated"),
        summary=_summary(_text(entry, f"{ATOM}content") or _text(entry, f"{ATOM}summary")),
        author=_text(entry, f"{ATOM}author/{ATOM}name"),
    )
