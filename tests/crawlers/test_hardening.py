"""Only http(s) is ever fetched: a page on loopback that links (or redirects, or pages on) to ``file://`` URLs
matching the source's ``article_pattern`` makes the crawler read no local file, store nothing of it and log
none of its text."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from scrapy import Request
from scrapy.exceptions import IgnoreRequest
from sqlalchemy import Engine, select
from twisted.python.failure import Failure

from crawlers import child
from crawlers import settings as crawl_settings
from crawlers.schemes import WebOnlyMiddleware, is_web_url
from crawlers.spiders.base import classify
from storage.models import Document
from tests.crawlers.conftest import DAY4, ROOT, source

SECRET = "本机机密-7f3a9c-不应出现在任何地方"
ARTICLE = """<html><head><title>房屋征收补偿公告 hostname</title></head><body><article><h1>房屋征收补偿公告</h1>
<p class="time">发布时间：2026-11-26 10:00</p>
<p>市住建局发布房屋征收补偿公告，征收范围涉及东柳村一百二十户居民，补偿标准按照市场评估价格确定，
居民可在三十日内选择货币补偿或者产权调换，相关部门将设立咨询点解答群众疑问。</p>
<p>公告同时明确了搬迁奖励办法和过渡期安置费标准，征收部门表示将依法依规公开透明推进各项工作。</p>
</article></body></html>"""


def _pages(secret_file: Path) -> dict[str, tuple[int, dict[str, str], str]]:
    local = secret_file.as_uri()
    links = (
        f'<li><a href="file:///etc/hostname">本机 hostname 已回复</a></li>'
        f'<li><a href="{local}?hostname=1">本机文件 hostname 已回复</a></li>'
        f'<li><a href="FILE:///etc/hostname?detail">大写的 hostname 已回复</a></li>'
        f'<li><a href="/redirect/hostname-detail.html">跳转到本机文件 hostname 已回复</a></li>'
        f'<li><a href="/article/hostname-detail-1.html">正常文章 hostname 已回复</a></li>'
    )
    listing = f'<html><body><ul>{links}</ul><a class="next" href="{local}?hostname=page2">下一页</a></body></html>'
    items = "".join(
        f"<item><title>{title}</title><link>{link}</link><description>{title}：征收补偿标准公布</description>"
        "<pubDate>Thu, 26 Nov 2026 02:00:00 GMT</pubDate></item>"
        for title, link in [
            ("本机 hostname", "file:///etc/hostname"),
            ("本机文件 hostname", f"{local}?hostname=1"),
            ("正常文章 hostname", "/article/hostname-detail-1.html"),
        ]
    )
    feed = (
        f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>陷阱</title>{items}</channel></rss>'
    )
    return {
        "/list.html": (200, {"Content-Type": "text/html; charset=utf-8"}, listing),
        "/feed.xml": (200, {"Content-Type": "application/rss+xml; charset=utf-8"}, feed),
        "/article/hostname-detail-1.html": (200, {"Content-Type": "text/html; charset=utf-8"}, ARTICLE),
        "/redirect/hostname-detail.html": (302, {"Location": local}, ""),
        "/robots.txt": (404, {}, ""),
    }


@pytest.fixture
def trap_site(tmp_path: Path) -> Iterator[Callable[[], tuple[str, Path]]]:
    """A loopback site whose list page links to local files; returns (its URL, the local secret file)."""
    servers: list[ThreadingHTTPServer] = []

    def serve() -> tuple[str, Path]:
        secret_file = tmp_path / "secret-hostname.txt"
        secret_file.write_text(SECRET, encoding="utf-8")
        pages = _pages(secret_file)

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                status, headers, body = pages.get(self.path, (404, {}, "not found"))
                data = body.encode()
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}", secret_file

    yield serve
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.mark.slow  # crawler child processes
@pytest.mark.parametrize(
    ("type_", "page"), [("site", "list.html"), ("board", "list.html"), ("official", "list.html"), ("feed", "feed.xml")]
)
def test_file_links_are_never_fetched(
    trap_site: Callable[[], tuple[str, Path]],
    engine: Engine,
    crawl_config: Callable[..., Path],
    type_: str,
    page: str,
) -> None:
    url, _secret_file = trap_site()
    extra: dict[str, Any] = {"article_pattern": "hostname", "max_pages": 3}
    if type_ == "board":
        extra["selectors"] = {"row": "ul li", "title": "h1", "content": "article p", "time": ".time"}
    config = crawl_config(source("陷阱站", type_, f"{url}/{page}", **extra))

    # DEBUG: scrapy logs every download ("Crawled (200) <GET …>") and every dropped post
    argv = child.command(config, (), DAY4, "DEBUG")
    done = subprocess.run(argv, capture_output=True, text=True, cwd=ROOT, timeout=120, check=False)
    assert argv[0] == sys.executable and done.returncode == 0, done.stderr[-3000:]

    (summary,) = child.summaries_of(done.stdout)
    assert summary.error is None, done.stderr[-3000:]
    log = done.stderr
    assert "<GET file:" not in log and "<GET FILE:" not in log
    assert "url=file:" not in log.lower()  # no post was made of a local file
    assert SECRET not in log
    hostname = Path("/etc/hostname").read_text().strip() if Path("/etc/hostname").is_file() else ""
    errors = [line for line in log.splitlines() if " ERROR" in line or "] ERROR" in line]
    assert errors == [], errors
    assert not hostname or all(hostname not in line for line in errors)
    assert f"<GET {url}/article/hostname-detail-1.html>" in log
    with engine.connect() as connection:
        rows = connection.execute(select(Document.url, Document.title, Document.text)).all()
    assert [row.url for row in rows] == [f"{url}/article/hostname-detail-1.html"]
    assert all(SECRET not in (row.text or "") and SECRET not in (row.title or "") for row in rows)
    # the normal article, and the redirect to a local file: two article requests over http, nothing else
    assert summary.requests <= 4, summary


@pytest.mark.parametrize(
    "url",
    ["file:///etc/hostname", "FILE:///etc/hostname", "ftp://example.cn/a", "data:text/html,<p>x</p>", "s3://b/k"],
)
def test_the_middleware_refuses_every_scheme_but_http(url: str) -> None:
    assert not is_web_url(url)
    with pytest.raises(IgnoreRequest) as refused:
        WebOnlyMiddleware().process_request(Request(url))
    failure = Failure(refused.value)
    failure.request = Request("http://example.cn/")  # type: ignore[attr-defined]
    assert classify(failure, 1)[0] == "not_web"


def test_http_passes_and_only_http_can_be_downloaded() -> None:
    for url in ("http://example.cn/a", "HTTPS://example.cn/b?id=1"):
        assert is_web_url(url)
        assert WebOnlyMiddleware().process_request(Request(url)) is None
    assert not is_web_url("http:///no-host")
    handlers = crawl_settings.DOWNLOAD_HANDLERS
    assert all(handlers[scheme] is None for scheme in ("file", "data", "ftp", "s3"))
    assert min(crawl_settings.DOWNLOADER_MIDDLEWARES.items(), key=lambda item: item[1] or 10**6)[0] == (
        "crawlers.schemes.WebOnlyMiddleware"
    )
