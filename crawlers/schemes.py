"""Only the web is crawled: http and https. A page may link to ``file://``, ``ftp://``, ``data:`` or ``s3://``
URLs that match a source's ``article_pattern``; following one would read a file of this machine (or another
store) and log or store what it holds.

Three guards, each enough on its own: the spiders keep only http(s) links (:func:`is_web_url`);
:class:`WebOnlyMiddleware` refuses any other request before it reaches robots.txt or a download handler; and
``crawlers.settings`` leaves scrapy no download handler but http(s). Redirects to another scheme are already
refused by scrapy's RedirectMiddleware (the 3xx answer is then the page's failure).
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.exceptions import IgnoreRequest

logger = logging.getLogger(__name__)

WEB_SCHEMES = frozenset({"http", "https"})
NOT_WEB = "不是 http/https 网址"  # IgnoreRequest's message; ``classify`` recognises it


def is_web_url(url: str) -> bool:
    """True for an absolute http(s) URL with a host."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return False
    return parts.scheme.lower() in WEB_SCHEMES and bool(parts.netloc)


class WebOnlyMiddleware:
    """A downloader middleware that refuses every request whose URL is not http(s)."""

    def process_request(self, request: Request) -> None:
        if not is_web_url(request.url):
            logger.warning("refused a request that is not http(s) url=%.200s", request.url)
            raise IgnoreRequest(f"{NOT_WEB}：{urlsplit(request.url).scheme or '无协议'}")
