"""Requests and responses of the simulated web, independent of the socket server that carries them.

A route takes a :class:`Request` and returns a :class:`Response`; the handler in ``simweb.server`` writes it.
Conditional requests (``If-None-Match`` / ``If-Modified-Since`` → ``304``) are answered here, for every
response that carries validators, following RFC 9110: ``If-None-Match`` wins when both are sent.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

logger = logging.getLogger(__name__)

Stream = Callable[[], Iterator[bytes]]


@dataclass(frozen=True)
class Request:
    """One HTTP request: method, decoded path, query arguments and headers (names lower-cased)."""

    method: str
    target: str
    path: str
    query: Mapping[str, list[str]]
    headers: Mapping[str, str]

    @classmethod
    def parse(cls, method: str, target: str, headers: Mapping[str, str]) -> Request:
        parts = urlsplit(target)
        return cls(
            method=method,
            target=target,
            path=unquote(parts.path),
            query=parse_qs(parts.query, keep_blank_values=True),
            headers={name.lower(): value for name, value in headers.items()},
        )

    def arg(self, name: str, default: str = "") -> str:
        """The first value of query argument ``name``."""
        values = self.query.get(name)
        return values[0] if values else default


@dataclass(frozen=True)
class Response:
    """What to send back. ``stream`` (with ``length``) replaces ``body`` for large answers; ``reset`` drops the
    connection without any answer."""

    status: int = 200
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()
    last_modified: datetime | None = None
    etag: str | None = None
    stream: Stream | None = None
    length: int | None = None
    reset: bool = False

    def all_headers(self) -> list[tuple[str, str]]:
        """Headers to send, validators included, Content-Length last."""
        headers = list(self.headers)
        if self.etag is not None:
            headers.append(("ETag", self.etag))
        if self.last_modified is not None:
            headers.append(("Last-Modified", http_date(self.last_modified)))
        length = self.length if self.stream is not None else len(self.body)
        if length is not None and self.status not in (204, 304):
            headers.append(("Content-Length", str(length)))
        return headers


def http_date(instant: datetime) -> str:
    """``Wed, 25 Nov 2026 02:20:00 GMT``."""
    return format_datetime(instant.astimezone(UTC), usegmt=True)


def text_response(
    text: str,
    content_type: str,
    *,
    encoding: str = "utf-8",
    header_charset: str | None = "utf-8",
    status: int = 200,
    last_modified: datetime | None = None,
    validators: bool = False,
) -> Response:
    """Encode ``text`` and label it. ``header_charset=None`` leaves the charset out of Content-Type."""
    body = text.encode(encoding, errors="xmlcharrefreplace")
    value = content_type if header_charset is None else f"{content_type}; charset={header_charset}"
    return Response(
        status=status,
        body=body,
        headers=(("Content-Type", value),),
        last_modified=last_modified if validators else None,
        etag=entity_tag(body) if validators else None,
    )


def html_response(text: str, **options: Any) -> Response:
    """An HTML page (UTF-8 unless told otherwise)."""
    return text_response(text, "text/html", **options)


def json_response(payload: Any, *, status: int = 200) -> Response:
    """A JSON answer, Chinese kept as UTF-8 rather than escaped (as the Weibo API does)."""
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    return text_response(text, "application/json", status=status)


def redirect(location: str, *, status: int = 302) -> Response:
    """A redirect with a short HTML body, as real servers send."""
    body = f'<html><body>页面已移动到 <a href="{location}">{location}</a></body></html>'.encode()
    headers = (("Location", location), ("Content-Type", "text/html; charset=utf-8"))
    return Response(status=status, body=body, headers=headers)


def entity_tag(body: bytes) -> str:
    """A strong ETag derived from the bytes."""
    return '"' + hashlib.sha1(body, usedforsecurity=False).hexdigest()[:20] + '"'


def conditional(request: Request, response: Response) -> Response:
    """``304 Not Modified`` when the client's validators still match ``response``, else ``response``."""
    if response.status != 200 or request.method not in ("GET", "HEAD"):
        return response
    if_none_match = request.headers.get("if-none-match")
    if if_none_match is not None and response.etag is not None:
        tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
        return _not_modified(response) if "*" in tags or response.etag in tags else response
    if_modified_since = request.headers.get("if-modified-since")
    if if_modified_since and response.last_modified is not None:
        since = _parse_http_date(if_modified_since)
        if since is not None and response.last_modified.replace(microsecond=0) <= since:
            return _not_modified(response)
    return response


def _not_modified(response: Response) -> Response:
    kept = tuple((name, value) for name, value in response.headers if name.lower() != "content-type")
    return replace(response, status=304, body=b"", headers=kept, stream=None, length=None)


def _parse_http_date(value: str) -> datetime | None:
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return parsed if parsed.tzinfo is not None else None
