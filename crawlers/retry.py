"""Retries with back-off: scrapy's RetryMiddleware, waiting before each new attempt.

A 429, a 5xx or a timeout is retried up to ``RETRY_TIMES`` times; before attempt *n* the request waits
``RETRY_BACKOFF * 2**(n-1)`` seconds, or the server's ``Retry-After`` when that is longer (capped at a minute),
so a struggling site gets room instead of a burst.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Self

from scrapy.downloadermiddlewares.retry import RetryMiddleware

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response

logger = logging.getLogger(__name__)

MAX_WAIT = 60.0


class BackoffRetryMiddleware(RetryMiddleware):
    """RetryMiddleware whose retries wait (exponential back-off, honouring Retry-After)."""

    backoff: float = 1.0

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        middleware = super().from_crawler(crawler)
        middleware.backoff = crawler.settings.getfloat("RETRY_BACKOFF", 1.0)
        return middleware

    async def process_response(self, request: Request, response: Response) -> Request | Response:  # type: ignore[override]
        result = super().process_response(request, response)
        if result is not response:
            await self._wait(request, _retry_after(response))
        return result

    async def process_exception(self, request: Request, exception: Exception) -> Request | Response | None:  # type: ignore[override]
        result = super().process_exception(request, exception)
        if result is not None:
            await self._wait(request, 0.0)
        return result

    async def _wait(self, request: Request, retry_after: float) -> None:
        attempt = int(request.meta.get("retry_times", 0)) + 1
        delay = min(max(self.backoff * 2 ** (attempt - 1), retry_after), MAX_WAIT)
        logger.debug("retry backoff url=%s attempt=%d wait=%.1fs", request.url, attempt, delay)
        if delay > 0:
            await asyncio.sleep(delay)


def _retry_after(response: Response) -> float:
    value = response.headers.get(b"Retry-After")
    try:
        return float(value.decode()) if value else 0.0
    except ValueError:
        return 0.0
