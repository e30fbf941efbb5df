"""Distributed crawling: one source's request queue and seen-set, shared in Redis by every crawler process.

With ``[crawl] queue = "redis"``, each ``python -m crawlers`` process that crawls a source, on any machine,
puts that source's requests into one Redis sorted set (``yuqing:<source>:requests``, scrapy-redis's queue)
and takes its next request from there; an article is claimed in one Redis set (``yuqing:<source>:dupefilter``)
before it is queued, so one process fetches it. Whatever happens here, the database stores a document once
(its canonical URL is unique; the loser of a race counts a duplicate).

What incremental crawling changes in scrapy-redis's scheduler (:class:`SharedScheduler`):

- Feed, list and API pages are fetched on every round (``dont_filter``). Article requests carry
  ``meta[CLAIM]``: the first time one is queued it claims its fingerprint and is dropped if a peer holds it;
  its retries and redirects, copies of a request already admitted, pass as they do in one process. Other
  requests without ``dont_filter`` (Weibo search pages) are claimed the same way.
- The seen-set is one round's memory, not a history (stored URLs are the history): it expires half a source
  interval after its first claim, so the next round starts afresh. A failed article gives its claim back and
  marks the round failed (``yuqing:<source>:failed``); then no process keeps the page validators, and the
  next round reads the feed or list in full and tries the article again, as one process would.
- ``SCHEDULER_PERSIST``: the queue outlives each process, because its peers still use it. A process stops
  when the shared queue is empty and it has nothing in flight; requests queued by a process that was killed
  wait for whoever crawls the source next ("shared queue has requests" in the log).
- A Redis error fails the source with a Chinese message; the process finishes what it holds and stops,
  instead of retrying forever.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Self
from urllib.parse import urlsplit

import redis
from scrapy.utils.misc import load_object
from scrapy_redis.connection import get_redis_from_settings
from scrapy_redis.scheduler import Scheduler

if TYPE_CHECKING:
    from scrapy import Request, Spider
    from scrapy.crawler import Crawler
    from scrapy.settings import BaseSettings

logger = logging.getLogger(__name__)

CLAIM = "yuqing_claim"  # set by the spider: claim this article's fingerprint before it is queued
CLAIMED = "yuqing_claimed"  # set here: the fingerprint the request (and its retries, redirects) holds
TIMEOUT = 5.0  # seconds to connect or to answer; a Redis server that does not fails the source quickly
KEY_PREFIX = "yuqing"


def scrapy_settings(url: str, source: str, interval: timedelta) -> dict[str, Any]:
    """The scrapy settings that put one source's crawl on the shared queue and seen-set at ``url``."""
    key = f"{KEY_PREFIX}:{source.replace('%', '％')}"  # scrapy-redis %-formats its keys
    return {
        "SCHEDULER": "crawlers.shared.SharedScheduler",
        "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
        "SCHEDULER_QUEUE_CLASS": "scrapy_redis.queue.PriorityQueue",
        "SCHEDULER_QUEUE_KEY": f"{key}:requests",
        "SCHEDULER_DUPEFILTER_KEY": f"{key}:dupefilter",
        "SCHEDULER_PERSIST": True,
        "CRAWL_FAILED_KEY": f"{key}:failed",
        "CRAWL_ROUND_SECONDS": max(1, int(interval.total_seconds() / 2)),
        "REDIS_URL": url,
        "REDIS_PARAMS": {"socket_timeout": TIMEOUT, "socket_connect_timeout": TIMEOUT},
    }


def unreachable(url: str) -> str | None:
    """None when the Redis server at ``url`` answers; otherwise a Chinese message saying what to do."""
    client = redis.Redis.from_url(url, socket_timeout=TIMEOUT, socket_connect_timeout=TIMEOUT)
    try:
        client.ping()
    except redis.RedisError as error:
        return (
            f"无法连接共享队列的 Redis 服务器 {redacted(url)}（{error}）。提示：确认 Redis 已启动、"
            '[crawl].redis_url 的主机和端口正确、防火墙放行、密码正确；或改回 queue = "memory" 单机采集。'
        )
    finally:
        client.close()
    return None


def redacted(url: str) -> str:
    """``url`` without its password, for messages and logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rsplit("@", 1)[1]
    return parts._replace(netloc=f"{parts.username or ''}:***@{host}").geturl()


class SharedRound:
    """The seen-set and the failure mark of one source's crawl round, as every process sees them."""

    def __init__(self, server: redis.Redis, seen_key: str, failed_key: str, seconds: int) -> None:
        self.server = server
        self.seen_key = seen_key
        self.failed_key = failed_key
        self.seconds = seconds

    @classmethod
    def from_settings(cls, settings: BaseSettings, server: redis.Redis | None = None) -> Self:
        """The round of the crawl configured by :func:`scrapy_settings`; a client of its own unless given one."""
        return cls(
            server or get_redis_from_settings(settings),
            settings["SCHEDULER_DUPEFILTER_KEY"],
            settings["CRAWL_FAILED_KEY"],
            settings.getint("CRAWL_ROUND_SECONDS"),
        )

    def claim(self, fingerprint: str) -> bool:
        """True when no process of this round holds ``fingerprint`` (it is ours now). The first claim of a round
        starts the set's expiry."""
        with self.server.pipeline() as pipe:
            pipe.sadd(self.seen_key, fingerprint)
            pipe.ttl(self.seen_key)
            added, ttl = pipe.execute()
        if ttl < 0:
            self.server.expire(self.seen_key, self.seconds)
        return bool(added)

    def give_up(self, fingerprint: str | None) -> None:
        """An article failed: give its claim back (the next crawl tries it again) and mark the round failed."""
        try:
            with self.server.pipeline() as pipe:
                if fingerprint:
                    pipe.srem(self.seen_key, fingerprint)
                pipe.set(self.failed_key, 1, ex=self.seconds)
                pipe.execute()
        except redis.RedisError as error:
            logger.warning("cannot mark the shared round failed key=%s error=%s", self.failed_key, error)

    def failed(self) -> bool:
        """Did an article of this round fail in any process? (Yes when Redis cannot say.)"""
        try:
            return bool(self.server.exists(self.failed_key))
        except redis.RedisError as error:
            logger.warning("cannot read the shared round's failure mark key=%s error=%s", self.failed_key, error)
            return True

    def close(self) -> None:
        self.server.close()


class SharedScheduler(Scheduler):
    """scrapy-redis's scheduler: a request queue shared in Redis; claims articles as described above.

    ``open``, ``enqueue_request`` and ``next_request`` are written out here rather than extended: scrapy-redis
    0.9.1 still calls ``spider.log`` and passes ``spider=`` to the stats, both deprecated (warnings under Scrapy
    2.19, errors once removed).
    """

    round: SharedRound
    error: str | None = None
    df: Any  # scrapy-redis's dupefilter, built in ``open``

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        scheduler = super().from_crawler(crawler)
        scheduler.round = SharedRound.from_settings(crawler.settings, scheduler.server)
        return scheduler

    def open(self, spider: Spider) -> None:
        """scrapy-redis's ``open``, without its deprecated ``spider.log``."""
        self.spider = spider
        key = self.queue_key % {"spider": spider.name}
        self.queue = load_object(self.queue_cls)(server=self.server, spider=spider, key=key, serializer=self.serializer)
        if not self.df:
            self.df = load_object(self.dupefilter_cls).from_spider(spider)
        waiting = len(self.queue)
        if waiting:
            logger.info("shared queue has requests source=%s waiting=%d", spider.settings["CRAWL_SOURCE"], waiting)

    def enqueue_request(self, request: Request) -> bool:
        if self.error is not None:
            return False
        claim = request.meta.pop(CLAIM, False)
        try:
            if claim or not request.dont_filter:
                fingerprint = self.df.request_fingerprint(request)
                if not self.round.claim(fingerprint):
                    self.df.log(request, self.spider)
                    self.stats.inc_value("yuqing/claimed_elsewhere")
                    return False
                if claim:
                    request.meta[CLAIMED] = fingerprint
            self.queue.push(request)
        except redis.RedisError as error:
            self._broken(error)
            return False
        self.stats.inc_value("scheduler/enqueued/redis")
        return True

    def next_request(self) -> Request | None:
        if self.error is not None:
            return None
        try:
            request = self.queue.pop(self.idle_before_close)
        except redis.RedisError as error:
            self._broken(error)
            return None
        if request is not None:  # without the deprecated spider= of scrapy-redis
            self.stats.inc_value("scheduler/dequeued/redis")
        return request

    def has_pending_requests(self) -> bool:
        if self.error is not None:
            return False
        try:
            return super().has_pending_requests()
        except redis.RedisError as error:
            self._broken(error)
            return False

    def _broken(self, error: redis.RedisError) -> None:
        """Stop taking and giving requests; the spider fails the source, and the engine closes once idle."""
        settings = self.spider.settings
        url = redacted(str(settings["REDIS_URL"]))
        self.error = (
            f"与共享队列的 Redis 服务器 {url} 的连接中断（{error}），本轮采集提前结束。"
            "提示：检查 Redis 服务器和网络；未完成的部分下一轮会重新采集。"
        )
        logger.error("shared queue failed source=%s url=%s error=%s", settings["CRAWL_SOURCE"], url, error)
        fail = getattr(self.spider, "fail", None)
        if fail is not None:
            fail(self.error)
