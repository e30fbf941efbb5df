"""The item pipelines, in order: validate, exact duplicates, near duplicates, store.

Step 3 of a post's path. Each post ends as *stored*, *dropped(reason)* or *failed(error)*. A stage drops a
post by raising a :class:`PostDropped` subclass, so scrapy counts ``item_dropped_reasons_count/<class>`` and
we count ``yuqing/dropped/<reason>``; stored posts count ``yuqing/new`` (and ``yuqing/near_duplicate`` when
linked to an original); an exception is scrapy's item error, counted by ``crawlers.__main__`` as failed.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Self

from scrapy.exceptions import DropItem

from crawlers import neardup
from crawlers.clean import normalize_text
from crawlers.context import CrawlContext
from crawlers.dates import is_future
from crawlers.items import PostItem
from storage.db import transaction
from storage.documents import (
    DocumentRecord,
    Metrics,
    content_hash,
    document_by_url,
    hash_known,
    known_urls,
    near_duplicate_of,
    store_post,
)
from storage.replies import save_reply

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector

logger = logging.getLogger(__name__)


class PostDropped(DropItem):
    """A post we deliberately do not store; ``reason`` is its key in the crawl summary."""

    reason = "dropped"

    def __init__(self, item: PostItem, detail: str = "") -> None:
        super().__init__(f"dropped post source={item.source} url={item.url} reason={self.reason} {detail}".strip())


class NoTitle(PostDropped):
    reason = "no_title"


class NoText(PostDropped):
    reason = "no_text"


class NoTime(PostDropped):
    reason = "no_time"


class FutureTime(PostDropped):
    reason = "future_time"


class Filtered(PostDropped):
    reason = "filtered"


class DuplicatePost(PostDropped):
    reason = "duplicate"


class _Stage:
    """Dependencies in ``__init__``, settings in ``from_crawler`` (the scrapy pattern)."""

    def __init__(self, context: CrawlContext, stats: StatsCollector) -> None:
        self.context = context
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        assert crawler.stats is not None
        return cls(CrawlContext.of(crawler), crawler.stats)

    def drop(self, error: PostDropped) -> PostDropped:
        self.stats.inc_value(f"yuqing/dropped/{error.reason}")
        return error


class ValidatePipeline(_Stage):
    """Title (except Weibo posts), text, URL and a readable, not-future time; the source's keyword filter."""

    def process_item(self, item: PostItem, spider: Spider | None = None) -> PostItem:
        self.stats.inc_value("yuqing/fetched")
        item.title = normalize_text(item.title).replace("\n", " ")
        item.text = normalize_text(item.text)
        if not item.text:
            raise self.drop(NoText(item))
        if not item.title and item.kind != "social":
            raise self.drop(NoTitle(item))
        if item.published_at is None:
            raise self.drop(NoTime(item, f"time={item.time_text!r}"))
        if is_future(item.published_at, self.context.now):
            raise self.drop(FutureTime(item, f"time={item.published_at.isoformat()}"))
        words = self.context.source.keywords_filter
        if words and not any(word in item.title or word in item.text for word in words):
            raise self.drop(Filtered(item))
        return item


class ExactDuplicatePipeline(_Stage):
    """Canonical URL already stored, or the same content already stored from this source: a duplicate.

    A known letter whose reply changed has its reply updated (counted ``yuqing/updated``) before it is dropped.
    """

    def process_item(self, item: PostItem, spider: Spider | None = None) -> PostItem:
        with transaction(self.context.sessions) as session:  # commit the reply before dropping the post
            same_url = bool(known_urls(session, [item.url]))
            if same_url and item.reply is not None and _save_reply(session, item, self.context):
                self.stats.inc_value("yuqing/updated")
            same_content = not same_url and hash_known(
                session, self.context.source_id, content_hash(item.title, item.text)
            )
        if same_url or same_content:
            raise self.drop(DuplicatePost(item, "same_url" if same_url else "same_content"))
        return item


class NearDuplicatePipeline(_Stage):
    """Find the original of a repost (by its URL) or of a near copy (SimHash bands, recent window); the post is
    stored, linked to it."""

    def process_item(self, item: PostItem, spider: Spider | None = None) -> PostItem:
        assert item.published_at is not None
        item.fingerprint = neardup.simhash(item.text)
        since = item.published_at - self.context.config.crawl.near_duplicate_window
        with self.context.sessions() as session:
            if item.original_url:
                item.duplicate_of = document_by_url(session, item.original_url)
            if item.duplicate_of is None:
                bands = neardup.bands(item.fingerprint)
                item.duplicate_of = near_duplicate_of(session, item.fingerprint, bands, since)
        return item


class StorePipeline(_Stage):
    """Write the post (and a letter's reply) in one transaction."""

    def process_item(self, item: PostItem, spider: Spider | None = None) -> PostItem:
        assert item.published_at is not None and item.fingerprint is not None
        record = DocumentRecord(
            url=item.url,
            title=item.title,
            text=item.text,
            published_at=item.published_at,
            source=item.source,
            kind=item.kind,  # type: ignore[arg-type]
            author=item.author or None,
            metrics=Metrics(**item.metrics),
        )
        now = self.context.now
        with transaction(self.context.sessions) as session:
            bands = neardup.bands(item.fingerprint)
            stored = store_post(
                session, record, self.context.source_id, now, item.fingerprint, bands, item.duplicate_of
            )
            if stored is None:
                raise self.drop(DuplicatePost(item, "same_url"))
            if item.reply is not None:
                _save_reply(session, item, self.context)
        self.stats.inc_value("yuqing/new")
        if item.duplicate_of is not None:
            self.stats.inc_value("yuqing/near_duplicate")
        logger.debug("stored post source=%s url=%s id=%s", item.source, item.url, stored)
        return item


def _save_reply(session: object, item: PostItem, context: CrawlContext) -> bool:
    reply = item.reply
    assert reply is not None
    return save_reply(session, item.url, reply.status, reply.unit, reply.text, reply.replied_at, context.now)  # type: ignore[arg-type]
