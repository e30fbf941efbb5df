"""Helpers for the simweb tests: a minimal HTTP client (no redirects followed, no exceptions on 4xx/5xx, always
closed), the Weibo search path, and scenario instants."""

from __future__ import annotations

import http.client
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote, urlsplit

from yuqing.simweb import DEFAULT_START


@dataclass(frozen=True)
class Reply:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    def header(self, name: str) -> str | None:
        return self.headers.get(name)

    def text(self, encoding: str = "utf-8") -> str:
        return self.body.decode(encoding)

    def json(self) -> Any:
        return json.loads(self.body)


def get(base_url: str, path: str, headers: dict[str, str] | None = None, *, method: str = "GET") -> Reply:
    """One request on a fresh connection, read to the end and closed."""
    parts = urlsplit(base_url)
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=30)
    try:
        connection.request(method, path, headers=headers or {})
        response = connection.getresponse()
        return Reply(response.status, response.headers, response.read())
    finally:
        connection.close()


def weibo_search(keyword: str, page: int = 1) -> str:
    """The search path of the Weibo API, encoded as the mobile client encodes it."""
    container = quote(f"100103type=1&q={keyword}", safe="")
    return f"/weibo/api/container/getIndex?containerid={container}&page_type=searchall&page={page}"


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """Scenario day ``day`` (1 = Monday 2026-11-23) at ``hour:minute`` 北京时间."""
    return DEFAULT_START.replace(hour=hour, minute=minute) + timedelta(days=day - 1)
