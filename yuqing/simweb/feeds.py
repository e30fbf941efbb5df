"""Syndication feeds of the simulated web: RSS 2.0, RSS 1.0 (RDF) and Atom, each of the latest 30 items.

| path | format | channel |
| --- | --- | --- |
| ``/feeds/rss.xml`` | RSS 2.0, ``pubDate`` RFC 822 with ``+0800`` | provincial news |
| ``/feeds/rss1.rdf`` | RSS 1.0, ``dc:date`` ISO 8601 | city news |
| ``/feeds/atom.xml`` | Atom, ``published``/``updated`` ISO 8601 | provincial and city news |
| ``/official/rss.xml`` | RSS 2.0 | the department's releases |

Links point at the article pages of this server. A feed changes only when an item appears, so its ETag and
``Last-Modified`` (the newest item) let a crawler fetch it conditionally.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from email.utils import format_datetime
from html import escape

from yuqing.simweb import city, news, official
from yuqing.simweb.corpus import Item
from yuqing.simweb.responses import Request, Response, text_response
from yuqing.simweb.scene import Scene

logger = logging.getLogger(__name__)

FEED_SIZE = 30
_XML_HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n'


def route(scene: Scene, request: Request) -> Response | None:
    """Answer a feed path, or None."""
    builders: dict[str, Callable[[Scene], Response]] = {
        "/feeds/rss.xml": news_rss,
        "/feeds/rss1.rdf": city_rdf,
        "/feeds/atom.xml": combined_atom,
        "/official/rss.xml": official_rss,
    }
    builder = builders.get(request.path)
    return builder(scene) if builder is not None else None


def link_of(scene: Scene, item: Item) -> str:
    """The absolute URL of an item's page on this server."""
    paths = {"news": news.article_path, "city": city.article_path, "official": official.article_path}
    return scene.absolute(paths[item.channel](scene, item))


def news_rss(scene: Scene) -> Response:
    """RSS 2.0 of the provincial news site."""
    return _rss(scene, "news", f"{news.SITE_NAME} - 最新新闻", "/news/", "/feeds/rss.xml")


def official_rss(scene: Scene) -> Response:
    """RSS 2.0 of the department's releases."""
    return _rss(scene, "official", f"{official.SITE_NAME} - 权威发布", "/official/index.html", "/official/rss.xml")


def city_rdf(scene: Scene) -> Response:
    """RSS 1.0 of the city news site."""
    items = scene.visible("city")[:FEED_SIZE]
    sequence = "".join(f'<rdf:li rdf:resource="{escape(link_of(scene, item))}"/>' for item in items)
    entries = "".join(
        f'<item rdf:about="{escape(link_of(scene, item))}"><title>{escape(item.title)}</title>'
        f"<link>{escape(link_of(scene, item))}</link><description>{escape(_summary(item))}</description>"
        f"<dc:date>{scene.published(item).isoformat()}</dc:date>"
        f"<dc:creator>{escape(item.author)}</dc:creator>"
        f"<dc:source>{escape(item.extra.get('source', city.SITE_NAME))}</dc:source></item>"
        for item in items
    )
    body = (
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/">'
        f'<channel rdf:about="{scene.absolute("/feeds/rss1.rdf")}"><title>{city.SITE_NAME} - 城市要闻</title>'
        f"<link>{scene.absolute('/city/')}</link><description>山东各市城市新闻</description>"
        f"<items><rdf:Seq>{sequence}</rdf:Seq></items></channel>{entries}</rdf:RDF>"
    )
    return _xml(scene, body, "application/rdf+xml", "city")


def combined_atom(scene: Scene) -> Response:
    """Atom of both news sites together."""
    items = scene.visible("news", "city")[:FEED_SIZE]
    updated = scene.last_modified("news", "city") or scene.start
    entries = "".join(
        f"<entry><title>{escape(item.title)}</title><id>{escape(link_of(scene, item))}</id>"
        f'<link rel="alternate" type="text/html" href="{escape(link_of(scene, item))}"/>'
        f"<published>{scene.published(item).isoformat()}</published>"
        f"<updated>{scene.published(item).isoformat()}</updated>"
        f"<author><name>{escape(item.author or item.extra.get('source', '本网'))}</name></author>"
        f'<summary type="text">{escape(_summary(item))}</summary></entry>'
        for item in items
    )
    body = (
        '<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="zh-CN"><title>山东新闻聚合</title>'
        f"<id>{scene.absolute('/feeds/atom.xml')}</id><updated>{updated.isoformat()}</updated>"
        f'<link rel="self" type="application/atom+xml" href="{scene.absolute("/feeds/atom.xml")}"/>'
        f'<link rel="alternate" type="text/html" href="{scene.absolute("/news/")}"/>{entries}</feed>'
    )
    return _xml(scene, body, "application/atom+xml", "news", "city")


def _rss(scene: Scene, channel: str, title: str, home: str, self_path: str) -> Response:
    items = scene.visible(channel)[:FEED_SIZE]
    newest = scene.last_modified(channel) or scene.start
    entries = "".join(
        f"<item><title>{escape(item.title)}</title><link>{escape(link_of(scene, item))}</link>"
        f'<guid isPermaLink="true">{escape(link_of(scene, item))}</guid>'
        f"<pubDate>{format_datetime(scene.published(item))}</pubDate>"
        f"<dc:creator>{escape(item.author)}</dc:creator>"
        f"<category>{escape(item.extra.get('section', '新闻'))}</category>"
        f"<description>{escape(_summary(item))}</description></item>"
        for item in items
    )
    body = (
        '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" xmlns:dc="http://purl.org/dc/elements/1.1/">'
        f"<channel><title>{escape(title)}</title><link>{scene.absolute(home)}</link>"
        f"<description>{escape(title)}</description><language>zh-cn</language>"
        f"<lastBuildDate>{format_datetime(newest)}</lastBuildDate>"
        f'<atom:link href="{scene.absolute(self_path)}" rel="self" type="application/rss+xml"/>'
        f"{entries}</channel></rss>"
    )
    return _xml(scene, body, "application/rss+xml", channel)


def _summary(item: Item) -> str:
    first = item.paragraphs()[0]
    return first if len(first) <= 120 else first[:120] + "……"


def _xml(scene: Scene, body: str, content_type: str, *channels: str) -> Response:
    return text_response(_XML_HEAD + body, content_type, last_modified=scene.last_modified(*channels), validators=True)
