"""``official`` sources: the department's own releases, as a list page or a feed (sniffed from the answer).

Everything works as for ``site`` and ``feed``; the documents get kind ``official``, so incidents can propose
them as authoritative releases.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from crawlers.spiders.feed import FeedSpider
from crawlers.spiders.site import SiteSpider

if TYPE_CHECKING:
    import scrapy
    from scrapy.http import Response

logger = logging.getLogger(__name__)


class OfficialSpider(SiteSpider, FeedSpider):
    name = "official"

    def first_requests(self) -> Iterator[scrapy.Request]:
        yield self.page_request(self.context.source.url, self.parse_start, page=1)

    def parse_start(self, response: Response, page: int = 1, **_: Any) -> Iterator[Any]:
        if _is_feed(response):
            yield from self.parse_feed(response)
        else:
            yield from self.parse_list(response, page)


def _is_feed(response: Response) -> bool:
    content_type = (response.headers.get("Content-Type") or b"").decode("latin-1").lower()
    if "xml" in content_type or "rss" in content_type or "atom" in content_type:
        return True
    head = response.body[:512].lstrip().lower()
    return head.startswith((b"<?xml", b"<rss", b"<feed", b"<rdf"))
