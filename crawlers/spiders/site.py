"""``site`` sources: a list page whose article links are followed, paging by 下一页/next up to ``max_pages``.

Article links are those matching ``article_pattern``, or, without one, same-site links that look like
articles (a date or a long number in the path, or an ``id=`` query). Paging stops at ``max_pages``, at a
``304``, or at the first page that links no article we have not stored yet.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from parsel import Selector

from crawlers.schemes import is_web_url
from crawlers.spiders.base import SourceSpider

if TYPE_CHECKING:
    import scrapy
    from scrapy.http import Response

logger = logging.getLogger(__name__)

_ARTICLE_PATH = re.compile(r"/(?:19|20)\d{2}[-/]?\d{2}(?:[-/]?\d{2})?/|/\w*?\d{5,}\w*\.s?html?$|[?&](?:id|aid)=\w+")
_LIST_PATH = re.compile(r"/(?:list|index)(?:_\d+)?\.s?html?$")
_NEXT_TEXT = ("下一页", "下页", "后一页", "next", "Next", "›", "»")


class SiteSpider(SourceSpider):
    name = "site"

    def first_requests(self) -> Iterator[scrapy.Request]:
        yield self.page_request(self.context.source.url, self.parse_list, page=1)

    def parse_list(self, response: Response, page: int = 1, **_: Any) -> Iterator[Any]:
        if self.not_modified(response):
            return
        selector = Selector(text=self.decode(response))
        links = self.article_links(selector, response)
        known = self.known(links)
        fresh = [link for link in links if link not in known]
        logger.debug(
            "list page source=%s page=%d links=%d new=%d", self.context.source.name, page, len(links), len(fresh)
        )
        for link in fresh:
            yield self.article_request(link, self.parse_article)
        next_url = next_page(selector, response)
        if fresh and next_url and page < self.context.source.max_pages:
            yield self.page_request(next_url, self.parse_list, page=page + 1)

    def article_links(self, selector: Selector, response: Response) -> list[str]:
        pattern = self.context.source.article_pattern
        host = urlsplit(response.url).netloc
        links: list[str] = []
        for href in selector.css("a::attr(href)").getall():
            if href.startswith(("javascript:", "#", "mailto:")):
                continue
            url = response.urljoin(href.strip()).split("#")[0]
            if not is_web_url(url):  # file://, ftp://, data: … are never fetched, whatever the pattern says
                continue
            if pattern is not None:
                ok = re.search(pattern, url) is not None
            else:
                path = urlsplit(url)
                ok = path.netloc == host and not _LIST_PATH.search(path.path) and bool(_ARTICLE_PATH.search(url))
            if ok and url not in links:
                links.append(url)
        return links


def next_page(selector: Selector, response: Response) -> str | None:
    """The 下一页 / next / rel="next" link of a list page (http or https only)."""
    for anchor in selector.css("a"):
        text = "".join(anchor.css("::text").getall()).strip()
        href = anchor.attrib.get("href", "")
        rel = anchor.attrib.get("rel", "")
        classes = anchor.attrib.get("class", "").split()
        if href and not href.startswith("javascript:") and (text in _NEXT_TEXT or rel == "next" or "next" in classes):
            url = response.urljoin(href)
            if is_web_url(url):
                return url
    return None
