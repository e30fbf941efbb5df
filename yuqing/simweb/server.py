"""The simulated web's HTTP server: a stdlib ``ThreadingHTTPServer`` on 127.0.0.1 in a background thread.

``SimWeb`` owns the server, the scenario clock and the per-path hit counter. Each request reads the clock
once, builds a :class:`~simweb.scene.Scene` and asks the channel modules in turn for an answer; the
handler writes it (streamed for large pages, or a dropped connection for ``/reset``).
"""

from __future__ import annotations

import contextlib
import logging
import socket
import socketserver
import struct
import sys
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from datetime import datetime
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

from yuqing.simweb import board, city, feeds, news, official, weibo
from yuqing.simweb.corpus import Item, load_items
from yuqing.simweb.responses import Request, Response, conditional, html_response, text_response
from yuqing.simweb.scene import Scene
from yuqing.simweb.traps import Traps

logger = logging.getLogger(__name__)

ROBOTS_TXT = "User-agent: *\nDisallow: /news/private/\n"
_CHANNEL_ROUTES = (news.route, city.route, feeds.route, official.route, weibo.route, board.route)


class HitCounter:
    """Thread-safe count of requests: ``hits["/news/list_1.html"]`` counts a path whatever its query;
    ``hits["/board/list?page=2"]`` (a key with ``?``) counts that exact request target."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._paths: Counter[str] = Counter()
        self._targets: Counter[str] = Counter()

    def record(self, request: Request) -> None:
        with self._lock:
            self._paths[request.path] += 1
            self._targets[request.target] += 1

    def __getitem__(self, key: str) -> int:
        with self._lock:
            return self._targets[key] if "?" in key else self._paths[key]

    def total(self) -> int:
        """All requests so far."""
        with self._lock:
            return sum(self._paths.values())

    def snapshot(self) -> dict[str, int]:
        """Requests per path so far."""
        with self._lock:
            return dict(self._paths)

    def reset(self) -> None:
        """Forget every count."""
        with self._lock:
            self._paths.clear()
            self._targets.clear()


class SimWeb:
    """The simulated web, serving ``items`` (the packaged corpus by default) as published from ``start``.

    The scenario clock is ``clock()`` when given, else a value moved with :meth:`set_now` (initially
    ``start``). The server starts at once on 127.0.0.1 and a free port; ``url`` is its root.
    """

    def __init__(
        self,
        start: datetime,
        clock: Callable[[], datetime] | None = None,
        items: Iterable[Item] | None = None,
        *,
        port: int = 0,
    ) -> None:
        if start.tzinfo is None:
            raise ValueError("start must carry a UTC offset")
        self.start = start
        self.items = tuple(sorted(load_items() if items is None else items, key=lambda item: (item.offset, item.id)))
        self.hits = HitCounter()
        self._clock = clock
        self._now = start
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._traps = Traps(self._stopping)
        self._server = _Server(("127.0.0.1", port), self)
        host, bound_port = str(self._server.server_address[0]), int(self._server.server_address[1])
        self.url = f"http://{host}:{bound_port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name=f"simweb-{bound_port}", daemon=True
        )
        self._thread.start()
        logger.info("simweb started url=%s start=%s items=%d", self.url, start.isoformat(), len(self.items))

    def __enter__(self) -> SimWeb:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.stop()

    def now(self) -> datetime:
        """The scenario clock."""
        if self._clock is not None:
            return self._clock()
        with self._lock:
            return self._now

    def set_now(self, now: datetime) -> None:
        """Move the scenario clock (only when no clock callable was given)."""
        if self._clock is not None:
            raise RuntimeError("this SimWeb follows its clock callable; set_now is not available")
        if now.tzinfo is None:
            raise ValueError("now must carry a UTC offset")
        with self._lock:
            self._now = now

    def scene(self) -> Scene:
        """The web as it is at the current scenario time."""
        return Scene(start=self.start, now=self.now(), items=self.items, base_url=self.url)

    def stop(self) -> None:
        """Stop serving and close the socket; waiting requests (``/slow``) end early. Safe to call twice."""
        if self._stopping.is_set():
            return
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()
        logger.info("simweb stopped url=%s requests=%d", self.url, self.hits.total())

    def handle(self, request: Request) -> Response:
        """The answer to one request."""
        self.hits.record(request)
        if request.method not in ("GET", "HEAD"):
            return html_response("<html><body><p>不支持的请求方法。</p></body></html>", status=405)
        response = self._traps.route(request) or self._site(request)
        if response is None:
            scene = self.scene()
            for route in _CHANNEL_ROUTES:
                response = route(scene, request)
                if response is not None:
                    break
        return conditional(request, response or _not_found())

    def _site(self, request: Request) -> Response | None:
        if request.path == "/robots.txt":
            return text_response(ROBOTS_TXT, "text/plain")
        if request.path in ("/", "/index.html"):
            return html_response(_portal())
        return None


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # listen backlog: many concurrent crawlers connect at once, as to a real server

    def __init__(self, address: tuple[str, int], app: SimWeb) -> None:
        self.app = app
        super().__init__(address, _Handler)

    def server_bind(self) -> None:
        """Bind without HTTPServer's reverse DNS lookup of the host name."""
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = int(port)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hangs up mid-answer (a crawler refusing a huge page, a timeout) is normal here."""
        if isinstance(sys.exc_info()[1], ConnectionError):
            logger.debug("client %s hung up", client_address)
            return
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "nginx/1.24.0"
    sys_version = ""
    timeout = 60
    server: _Server

    def do_GET(self) -> None:
        self._serve(send_body=True)

    def do_HEAD(self) -> None:
        self._serve(send_body=False)

    def do_POST(self) -> None:
        self.close_connection = True
        self._serve(send_body=True)

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("request client=%s %s", self.address_string(), format % args)

    def _serve(self, *, send_body: bool) -> None:
        request = Request.parse(self.command, self.path, dict(self.headers.items()))
        try:
            response = self.server.app.handle(request)
        except Exception:
            logger.exception("simweb failed path=%s", request.target)
            response = html_response("<html><body><h1>500 Internal Server Error</h1></body></html>", status=500)
        if response.reset:
            self._drop_connection()
            return
        self.send_response(response.status)
        for name, value in response.all_headers():
            self.send_header(name, value)
        self.end_headers()
        if not send_body or response.status in (204, 304):
            return
        try:
            for chunk in response.stream() if response.stream is not None else (response.body,):
                self.wfile.write(chunk)
        except (BrokenPipeError, ConnectionResetError):
            logger.debug("client went away path=%s", request.target)
            self.close_connection = True

    def _drop_connection(self) -> None:
        """Close with a TCP reset and without a byte of answer."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()


def _not_found() -> Response:
    return html_response("<html><head><title>404</title></head><body><h1>页面不存在</h1></body></html>", status=404)


def _portal() -> str:
    links = (
        ("/news/", news.SITE_NAME),
        ("/city/", city.SITE_NAME),
        ("/official/", official.SITE_NAME + " · 权威发布"),
        ("/board/list", board.SITE_NAME),
        ("/feeds/rss.xml", "RSS 订阅"),
    )
    items = "".join(f'<li><a href="{path}">{escape(name)}</a></li>' for path, name in links)
    head = '<!DOCTYPE html><html><head><meta charset="utf-8"><title>模拟网站</title></head>'
    return f"{head}<body><ul>{items}</ul></body></html>"
