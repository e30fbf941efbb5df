"""One spider per source type: ``feed``, ``site``, ``official``, ``board`` and ``weibo`` (see :data:`SPIDERS`)."""

from __future__ import annotations

from crawlers.spiders.base import SourceSpider
from crawlers.spiders.board import BoardSpider
from crawlers.spiders.feed import FeedSpider
from crawlers.spiders.official import OfficialSpider
from crawlers.spiders.site import SiteSpider
from crawlers.spiders.weibo import WeiboSpider

SPIDERS: dict[str, type[SourceSpider]] = {
    "feed": FeedSpider,
    "site": SiteSpider,
    "official": OfficialSpider,
    "board": BoardSpider,
    "weibo": WeiboSpider,
}

__all__ = ["SPIDERS", "BoardSpider", "FeedSpider", "OfficialSpider", "SiteSpider", "SourceSpider", "WeiboSpider"]
