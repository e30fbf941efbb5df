"""Bad-input routes for crawler tests, in the spirit of scrapy's mockserver.

| path | behaviour |
| --- | --- |
| ``/status/<code>`` | answers with that status (200–599); 3xx carry ``Location: /news/`` |
| ``/flaky/<key>`` | 503 (with ``Retry-After``) twice per key, then a normal article page |
| ``/slow?seconds=S`` | waits S seconds (at most 30) before answering |
| ``/reset`` | drops the connection without any answer |
| ``/redirect-loop`` | redirects to itself |
| ``/huge`` | a 20 MiB HTML page, streamed with its Content-Length |
| ``/feeds/invalid.xml`` | malformed XML |
| ``/feeds/bomb.xml`` | a billion-laughs entity-expansion bomb (small on the wire) |

(The news site adds ``/news/empty.html`` and ``/news/gb18030-as-utf8.html``; the Weibo API its own traps.)
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterator
from html import escape

from yuqing.simweb import news
from yuqing.simweb.responses import Request, Response, html_response, redirect, text_response

logger = logging.getLogger(__name__)

HUGE_SIZE = 20 * 1024 * 1024
MAX_SLOW_SECONDS = 30.0
FLAKY_FAILURES = 2
_STATUS = re.compile(r"^/status/(\d{3})$")
_FLAKY = re.compile(r"^/flaky/([^/]+)$")


class Traps:
    """The stateful traps of one server: per-key failure counts, and a stop event that ends slow answers early."""

    def __init__(self, stopping: threading.Event) -> None:
        self._stopping = stopping
        self._lock = threading.Lock()
        self._failures: dict[str, int] = {}

    def route(self, request: Request) -> Response | None:
        """Answer a trap path, or None."""
        path = request.path
        if match := _STATUS.match(path):
            return status(int(match.group(1)))
        if match := _FLAKY.match(path):
            return self.flaky(match.group(1))
        if path == "/slow":
            return self.slow(request.arg("seconds", "1"))
        if path == "/reset":
            return Response(reset=True)
        if path == "/redirect-loop":
            return redirect("/redirect-loop")
        if path == "/huge":
            return Response(headers=(("Content-Type", "text/html; charset=utf-8"),), stream=huge_page, length=HUGE_SIZE)
        if path == "/feeds/invalid.xml":
            return text_response(INVALID_XML, "application/rss+xml")
        if path == "/feeds/bomb.xml":
            return text_response(BOMB_XML, "application/rss+xml")
        return None

    def flaky(self, key: str) -> Response:
        """503 for the first two requests of ``key``, then the article."""
        with self._lock:
            seen = self._failures.get(key, 0)
            self._failures[key] = seen + 1
        if seen < FLAKY_FAILURES:
            page = html_response("<html><body><h1>503 Service Temporarily Unavailable</h1></body></html>", status=503)
            return Response(status=503, body=page.body, headers=(*page.headers, ("Retry-After", "1")))
        return html_response(_flaky_article(key))

    def slow(self, seconds: str) -> Response:
        """Wait, then answer; the wait ends early when the server stops."""
        try:
            delay = min(max(float(seconds), 0.0), MAX_SLOW_SECONDS)
        except ValueError:
            delay = 1.0
        self._stopping.wait(delay)
        return html_response(f"<html><body><p>慢速响应：等待了{delay:g}秒。</p></body></html>")


def status(code: int) -> Response:
    """An answer with status ``code``."""
    if not 200 <= code <= 599:
        return html_response("<html><body><p>状态码必须在200到599之间。</p></body></html>", status=400)
    if code in (204, 304):
        return Response(status=code)
    page = html_response(f"<html><body><h1>{code}</h1><p>测试状态码 {code}</p></body></html>", status=code)
    if 300 <= code < 400:
        return Response(status=code, body=page.body, headers=(*page.headers, ("Location", "/news/")))
    return page


def huge_page() -> Iterator[bytes]:
    """Exactly :data:`HUGE_SIZE` bytes of a valid, very long HTML article, in 64 KiB blocks."""
    head = (
        '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>超长页面测试</title></head>'
        '<body><h1>超长页面测试</h1><div class="article-content">'
    ).encode()
    tail = b"</div></body></html>\n"
    paragraph = "<p>这是一段用于测试爬虫最大下载量限制的重复文字，页面总长度为二十兆字节。</p>\n".encode()
    block = paragraph * (65536 // len(paragraph))
    remaining = HUGE_SIZE - len(head) - len(tail)
    yield head
    while remaining >= len(block):
        yield block
        remaining -= len(block)
    whole, rest = divmod(remaining, len(paragraph))
    yield paragraph * whole + b" " * rest
    yield tail


def _flaky_article(key: str) -> str:
    """A normal article page in the provincial news layout, reached after the failures."""
    body = (
        '<div class="breadcrumb">您的位置：<a href="/news/">首页</a> &gt; '
        '<a href="/news/list_1.html">社会</a> &gt; 正文</div>'
        '<div class="article"><h1>省气象台发布寒潮蓝色预警 局地降温超过10℃</h1>'
        '<div class="info"><span class="source">来源：大众日报 记者 赵静 2026-11-23 09:00</span></div>'
        '<div class="article-content"><p>省气象台11月23日发布寒潮蓝色预警，受强冷空气影响，'
        "23日夜间至25日我省自北向南将出现大风降温天气，鲁西北、鲁中山区局地降温幅度超过10℃。</p>"
        "<p>气象部门提醒，公众注意添衣保暖，设施农业做好防风防冻措施，高速公路出行注意路面结冰。</p></div>"
        f'<div class="editor">（责任编辑：刘洋 编号：{escape(key)}）</div></div>'
    )
    return news.render_page("省气象台发布寒潮蓝色预警", body)


INVALID_XML = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel><title>失效的订阅源 & 测试</title>'
    "<item><title>标题没有闭合<link>http://127.0.0.1/news/broken.html</link>"
    "<pubDate>Wed, 25 Nov 2026 10:20:00 +0800</pubDate></item><item><title>第二条</title>"
    "</channel>\n"
)

BOMB_XML = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE rss [\n<!ENTITY lol "lol">\n'
    + "".join(
        f'<!ENTITY lol{level} "{("&lol" + (str(level - 1) if level > 1 else "") + ";") * 10}">\n'
        for level in range(1, 10)
    )
    + ']>\n<rss version="2.0"><channel><title>&lol9;</title></channel></rss>\n'
)
