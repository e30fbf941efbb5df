"""What every spider shares: polite conditional requests, decoding, article pages, and the failure bookkeeping.

A page that cannot be fetched is counted under ``yuqing/failures/<reason>`` (``http_404``, ``timeout``,
``too_large``, ``robots``, ``redirect_loop``, ``connection`` …). When the failing page is the source's own
feed, list or API page, the source itself has failed: ``error`` gets a Chinese message that says what to do.
HTTP validators and watermarks are written back only after a crawl without failures, so an interrupted crawl
is simply repeated (known article URLs are never requested again, so nothing is stored twice). With a shared
queue (``crawlers.shared``) that holds for the round: after an article failed in any process, none keeps them.
"""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any, Self

import scrapy
from scrapy.exceptions import IgnoreRequest
from scrapy.spidermiddlewares.httperror import HttpError

from crawlers.clean import decode_html
from crawlers.context import CrawlContext
from crawlers.extract import extract_article
from crawlers.items import PostItem
from crawlers.schemes import NOT_WEB
from crawlers.shared import CLAIM, CLAIMED
from storage.crawl_state import Validators, forget_validators, save_validators, save_watermark, validators
from storage.db import transaction
from storage.documents import known_urls

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from scrapy.statscollectors import StatsCollector
    from twisted.python.failure import Failure

logger = logging.getLogger(__name__)

_CHARSET = re.compile(r"charset\s*=\s*[\"']?([\w.:-]+)", re.IGNORECASE)


class SourceSpider(scrapy.Spider):
    """Base of the five spiders; ``first_requests`` is what each type starts with."""

    context: CrawlContext

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.error: str | None = None
        self._validators: dict[str, Validators] = {}
        self._watermarks: dict[str, datetime] = {}
        self._failed_keys: set[str] = set()
        self._articles_failed = False

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.context = CrawlContext.of(crawler)
        return spider

    @property
    def stats(self) -> StatsCollector:
        """The crawl's stats (set once the crawl starts)."""
        stats = self.crawler.stats
        assert stats is not None
        return stats

    @property
    def now(self) -> datetime:
        return self.context.now

    async def start(self) -> AsyncIterator[Any]:
        for request in self.first_requests():
            yield request

    def first_requests(self) -> Iterator[scrapy.Request]:
        raise NotImplementedError

    # --- requests -----------------------------------------------------------------------------

    def page_request(self, url: str, callback: Any, **kwargs: Any) -> scrapy.Request:
        """A feed, list or API page: conditional on the stored validators; a failure fails the source."""
        with self.context.sessions() as session:
            stored = validators(session, self.context.source_id, url)
        headers = {}
        if stored.etag:
            headers["If-None-Match"] = stored.etag
        if stored.last_modified:
            headers["If-Modified-Since"] = stored.last_modified
        meta = {"page_key": url, "handle_httpstatus_list": [304], **self._proxy()}
        return scrapy.Request(
            url, callback, errback=self.page_failed, headers=headers, meta=meta, cb_kwargs=kwargs, dont_filter=True
        )

    def article_request(
        self, url: str, callback: Any, fallback: PostItem | None = None, **kwargs: Any
    ) -> scrapy.Request:
        """An article page; when it cannot be fetched, the ``fallback`` post (a feed entry's text) is used."""
        # CLAIM: with a shared queue, the first process to queue the article fetches it (crawlers.shared)
        meta = {"fallback": fallback, CLAIM: True, **self._proxy()}
        # dont_filter: known URLs are skipped before this point, and a redirect back to the same URL must reach
        # REDIRECT_MAX_TIMES (and be counted) instead of vanishing in the duplicate filter
        return scrapy.Request(url, callback, errback=self.article_failed, meta=meta, cb_kwargs=kwargs, dont_filter=True)

    def _proxy(self) -> dict[str, str]:
        return {"proxy": self.context.secrets.proxy} if self.context.secrets.proxy else {}

    def known(self, urls: list[str]) -> set[str]:
        with self.context.sessions() as session:
            found = known_urls(session, urls)
        self.stats.inc_value("yuqing/known", len(found))
        return found

    # --- responses ----------------------------------------------------------------------------

    def not_modified(self, response: Response) -> bool:
        """True on 304 (nothing new since the validators we sent); otherwise remember the new validators."""
        if response.status == 304:
            self.stats.inc_value("yuqing/not_modified")
            logger.debug("not modified source=%s url=%s", self.context.source.name, response.url)
            return True
        etag = _header(response, "ETag")
        last_modified = _header(response, "Last-Modified")
        if etag or last_modified:
            self._validators[response.meta.get("page_key", response.url)] = Validators(etag, last_modified)
        return False

    def decode(self, response: Response) -> str:
        """The page as text: decoded by ``crawlers.clean.decode_html``, never by trusting the header alone."""
        match = _CHARSET.search(_header(response, "Content-Type") or "")
        text, _codec = decode_html(response.body, match.group(1) if match else None)
        return text

    def link_url(self, response: Response) -> str:
        """The URL we asked for (before redirects): the one known-URL checks use next time."""
        redirects = response.meta.get("redirect_urls")
        return str(redirects[0]) if redirects else response.url

    def parse_article(self, response: Response, **_: Any) -> Iterator[PostItem]:
        """An article page → a post; a page without body text gives the feed entry's text, or an empty post."""
        fallback: PostItem | None = response.meta.get("fallback")
        url = self.link_url(response)
        selectors = dict(self.context.source.selectors) or None
        article = extract_article(self.decode(response), url, self.now, selectors)
        if article is None:
            yield (
                fallback
                if fallback is not None and fallback.text
                else self.post(url, title=fallback.title if fallback else "")
            )
            return
        yield self.post(
            url,
            title=article.title or (fallback.title if fallback else ""),
            text=article.text,
            published_at=(fallback.published_at if fallback else None) or article.published_at,
            author=article.author or (fallback.author if fallback else None),
            time_text=article.source_line,
        )

    def post(self, url: str, **fields: Any) -> PostItem:
        return PostItem(source=self.context.source.name, kind=self.context.kind, url=url, **fields)

    # --- failures -----------------------------------------------------------------------------

    def page_failed(self, failure: Failure) -> None:
        """The source's own page failed: count it and fail the source."""
        reason, description = self.count_failure(failure)
        url = failure.request.url  # type: ignore[attr-defined]
        self._failed_keys.add(failure.request.meta.get("page_key", url))  # type: ignore[attr-defined]
        self.fail(f"无法获取 {url}：{description}。提示：{_HINTS.get(reason.split('_')[0], _HINTS['other'])}")

    def article_failed(self, failure: Failure) -> Iterator[PostItem]:
        """An article failed: count it; use the feed entry's own text when there is some."""
        self.count_failure(failure)
        self._articles_failed = True
        meta = failure.request.meta  # type: ignore[attr-defined]
        if self.context.shared is not None:
            self.context.shared.give_up(meta.get(CLAIMED))
        fallback: PostItem | None = meta.get("fallback")
        if fallback is not None and fallback.text:
            yield fallback

    def count_failure(self, failure: Failure) -> tuple[str, str]:
        reason, description = classify(failure, self.context.config.crawl.max_page_bytes)
        self.stats.inc_value("yuqing/failed")
        self.stats.inc_value(f"yuqing/failures/{reason}")
        url = failure.request.url  # type: ignore[attr-defined]
        logger.warning("page failed source=%s url=%s reason=%s", self.context.source.name, url, reason)
        return reason, description

    def fail(self, message: str) -> None:
        """Mark the source as failed for this crawl (the first message wins)."""
        logger.error("source failed source=%s error=%s", self.context.source.name, message)
        if self.error is None:
            self.error = message

    # --- state --------------------------------------------------------------------------------

    def raise_watermark(self, key: str, at: datetime) -> None:
        if key not in self._watermarks or at > self._watermarks[key]:
            self._watermarks[key] = at

    def closed(self, reason: str) -> None:
        """Keep validators and watermarks only of pages that fully succeeded, so a failed one is simply repeated."""
        shared = self.context.shared
        if self._articles_failed or (shared is not None and shared.failed()):
            if shared is not None:  # a peer that finished first may have kept validators that hide the failure
                with transaction(self.context.sessions) as session:
                    forget_validators(session, self.context.source_id)
            return
        with transaction(self.context.sessions) as session:
            for key, value in self._validators.items():
                if key not in self._failed_keys:
                    save_validators(session, self.context.source_id, key, value, self.now)
            for key, at in self._watermarks.items():
                if key not in self._failed_keys:
                    save_watermark(session, self.context.source_id, key, at, self.now)

    def key_failed(self, key: str) -> None:
        """Do not remember validators or a watermark for ``key`` after this crawl."""
        self._failed_keys.add(key)


_HINTS = {
    "http": "检查来源地址是否仍然有效，或稍后再试",
    "timeout": "网站响应过慢；稍后再试，或调大 [crawl].download_timeout",
    "too": "页面超过 [crawl].max_page_bytes 上限；确认地址是否正确",
    "robots": "该地址被网站 robots.txt 禁止采集；换用允许的栏目地址，或经授权后设置 obey_robots = false",
    "redirect": "网址不断重定向；检查地址是否已变更",
    "connection": "连接被中断；检查网络或代理，稍后再试",
    "other": "检查来源地址和网络，稍后再试",
}


def classify(failure: Failure, max_bytes: int) -> tuple[str, str]:
    """(reason key, Chinese description) of a failed request."""
    error = failure.value
    name = type(error).__name__
    if isinstance(error, HttpError):
        status = error.response.status
        return f"http_{status}", f"HTTP {status}"
    if name == "DownloadCancelledError":
        return "too_large", f"页面超过 {max_bytes} 字节的上限，已拒绝下载"
    if "Timeout" in name or "TimedOut" in name:
        return "timeout", "请求超时"
    if isinstance(error, IgnoreRequest):
        text = str(error).lower()
        if NOT_WEB in text:
            return "not_web", "只采集 http/https 网址，已拒绝其他协议的地址"
        if "robots" in text:
            return "robots", "robots.txt 禁止采集"
        if "redirect" in text:
            return "redirect_loop", "重定向次数过多（循环重定向）"
        return "ignored", f"请求被忽略（{error}）"
    if any(
        word in name for word in ("Connection", "ResponseFailed", "DataLoss", "DownloadFailed", "ResponseNeverReceived")
    ):
        return "connection", "连接被中断，没有收到完整的回答"
    return "other", f"{name}: {error}"


def _header(response: Response, name: str) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None
