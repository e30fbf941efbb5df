"""scrapy settings: the fixed defaults of every crawl, and :func:`for_source`, which adds one source's config.

``python -m crawlers`` builds one scrapy ``Crawler`` per source with these settings; components read them in
``from_crawler`` only. ``MONITOR_CONFIG`` is the path of config.toml, ``CRAWL_SOURCE`` the source's name and
``CRAWL_NOW`` the ISO instant the crawl treats as now. With ``[crawl] queue = "redis"`` the scheduler and the
seen-set are scrapy-redis's, shared by every process that crawls the source (``crawlers.shared``).
"""

from __future__ import annotations

from typing import Any

from crawlers import shared
from yuqing.config import Config, SourceConfig

BOT_NAME = "zhujian_yuqing"
SPIDER_MODULES = ["crawlers.spiders"]
NEWSPIDER_MODULE = "crawlers.spiders"

ITEM_PIPELINES = {
    "crawlers.pipelines.ValidatePipeline": 100,
    "crawlers.pipelines.ExactDuplicatePipeline": 200,
    "crawlers.pipelines.NearDuplicatePipeline": 300,
    "crawlers.pipelines.StorePipeline": 400,
}
DOWNLOADER_MIDDLEWARES = {
    "crawlers.schemes.WebOnlyMiddleware": 40,  # first of all: nothing but http(s), not even its robots.txt
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawlers.retry.BackoffRetryMiddleware": 550,
}
# Only http(s) can be downloaded at all: no handler for file://, data:, ftp:// or s3:// (crawlers.schemes).
DOWNLOAD_HANDLERS = {"file": None, "data": None, "ftp": None, "s3": None}
RETRY_HTTP_CODES = [429, 500, 502, 503, 504, 522, 524, 408]
REDIRECT_MAX_TIMES = 5
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
DOWNLOAD_FAIL_ON_DATALOSS = True
DEFAULT_DROPITEM_LOG_LEVEL = "INFO"
LOG_LEVEL = "INFO"
AUTOTHROTTLE_START_DELAY = 0.5
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_DELAY = 0
CONCURRENT_REQUESTS = 16
# Items of one response pass the pipelines one at a time (every stage is synchronous), so scrapy's default of
# 100 gains nothing and costs 100 asyncio tasks per response (bench/crawl.py: ~10% of the crawl's CPU).
CONCURRENT_ITEMS = 10
ROBOTSTXT_OBEY = True
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"


def for_source(config: Config, source: SourceConfig, now_iso: str) -> dict[str, Any]:
    """The settings of one source's crawl: the defaults above, [crawl] and the source's own keys."""
    crawl = config.crawl
    secrets = config.source_secrets(source.name)
    headers = {"Accept-Language": "zh-CN,zh;q=0.9", **source.headers, **secrets.headers}
    settings = {name: value for name, value in globals().items() if name.isupper()}
    settings.update(
        {
            "MONITOR_CONFIG": str(config.path),
            "CRAWL_SOURCE": source.name,
            "CRAWL_NOW": now_iso,
            "USER_AGENT": crawl.user_agent,
            "DOWNLOAD_TIMEOUT": crawl.download_timeout.total_seconds(),
            "DOWNLOAD_MAXSIZE": crawl.max_page_bytes,
            "DOWNLOAD_WARNSIZE": 0,
            "RETRY_TIMES": crawl.retries,
            "RETRY_BACKOFF": crawl.retry_backoff.total_seconds(),
            "CONCURRENT_REQUESTS_PER_DOMAIN": crawl.concurrency_per_domain,
            "AUTOTHROTTLE_ENABLED": crawl.autothrottle,
            "ROBOTSTXT_OBEY": source.obey_robots,
            "DEFAULT_REQUEST_HEADERS": headers,
            "CRAWL_PROXY": secrets.proxy,
            "CRAWL_COOKIE": secrets.cookie,
        }
    )
    if crawl.queue == "redis":
        assert config.redis_url is not None  # config.load resolves it, or fails
        settings.update(shared.scrapy_settings(config.redis_url, source.name, source.interval))
    return settings
