"""The city news site ``/city/`` (山东城市联播): a second host style, UTF-8, with Chinese-style dates.

Lists at ``/city/index.html``, ``/city/index_2.html`` …; articles at
``/city/content/YYYY-MM/DD/content_<id>.htm`` with ``发布时间：2026年11月25日 10:20`` and the text in
``<div id="content">``. Like the provincial site, a page shows only what was out when it was published.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime
from html import escape

from yuqing.simweb.corpus import Item
from yuqing.simweb.responses import Request, Response, html_response
from yuqing.simweb.scene import Scene

logger = logging.getLogger(__name__)

PAGE_SIZE = 15
CHANNEL = "city"
SITE_NAME = "山东城市联播"
_ARTICLE = re.compile(r"^/city/content/(\d{4})-(\d{2})/(\d{2})/content_([\w-]+)\.htm$")
_LIST = re.compile(r"^/city/index(?:_(\d+))?\.html$")
_CITIES = ("济南", "青岛", "淄博", "枣庄", "东营", "烟台", "潍坊", "济宁", "泰安", "威海", "日照", "临沂", "德州")


def article_path(scene: Scene, item: Item) -> str:
    """``/city/content/2026-11/25/content_<id>.htm``."""
    return scene.published(item).strftime("/city/content/%Y-%m/%d/") + f"content_{item.id}.htm"


def chinese_time(instant: datetime) -> str:
    """``2026年11月25日 10:20``."""
    return f"{instant.year}年{instant.month}月{instant.day}日 {instant:%H:%M}"


def route(scene: Scene, request: Request) -> Response | None:
    """Answer a ``/city/`` path, or None when it is not one of ours."""
    if request.path == "/city/":
        return list_page(scene, 1)
    if match := _LIST.match(request.path):
        return list_page(scene, int(match.group(1) or 1))
    if match := _ARTICLE.match(request.path):
        item = scene.lookup(CHANNEL, match.group(4))
        if item is not None and article_path(scene, item) == request.path:
            return article_page(scene, item)
    return None


def list_page(scene: Scene, page: int) -> Response | None:
    """Page ``page`` of the list, newest first; the first page is ``index.html``, then ``index_2.html`` …"""
    items = scene.visible(CHANNEL)
    pages = max(1, -(-len(items) // PAGE_SIZE))
    if not 1 <= page <= pages:
        return None
    rows = "".join(
        f'<div class="item"><span class="time">{scene.published(item):%m-%d %H:%M}</span>'
        f'<a href="{article_path(scene, item)}" title="{escape(item.title)}">{escape(item.title)}</a></div>'
        for item in items[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    )
    links = []
    if page > 1:
        links.append(f'<a href="{_list_path(page - 1)}">上一页</a>')
    if page < pages:
        links.append(f'<a href="{_list_path(page + 1)}">下一页</a>')
    body = f'<div class="column"><h3>城市要闻</h3>{rows}</div><div class="page">{" ".join(links)}</div>'
    return html_response(_page("城市要闻", body), last_modified=scene.last_modified(CHANNEL), validators=True)


def article_page(scene: Scene, item: Item) -> Response:
    """One article in the city site's layout."""
    published = scene.published(item)
    author = f"&nbsp;&nbsp;作者：{escape(item.author)}" if item.author else ""
    text = "".join(f"<p>　　{escape(line)}</p>" for line in item.paragraphs())
    body = (
        f'<div class="location">当前位置：<a href="/city/">首页</a> &gt;&gt; '
        f'<a href="/city/index.html">{escape(item.extra.get("city", "城市"))}</a> &gt;&gt; 正文</div>'
        f'<div class="detail"><div class="detail-hd"><h2 class="detail-title">{escape(item.title)}</h2>'
        f'<p class="detail-meta">发布时间：{chinese_time(published)}&nbsp;&nbsp;'
        f"来源：{escape(item.extra.get('source', SITE_NAME))}{author}</p></div>"
        f'<div id="content">{text}</div>'
        f'<div class="detail-ft">【<a href="javascript:window.print()">打印本页</a>】'
        '【<a href="javascript:window.close()">关闭窗口</a>】</div></div>'
        f"{_previous_next(scene, item)}"
    )
    return html_response(_page(item.title, body), last_modified=published, validators=True)


def _list_path(page: int) -> str:
    return "/city/index.html" if page == 1 else f"/city/index_{page}.html"


def _previous_next(scene: Scene, item: Item) -> str:
    """A link to the previous article (never the next one: it did not exist when the page was made)."""
    earlier = [other for other in scene.items if other.channel == CHANNEL and other.offset < item.offset]
    if not earlier:
        return ""
    previous = earlier[-1]
    return (
        f'<div class="prev-next">上一篇：<a href="{article_path(scene, previous)}">{escape(previous.title)}</a></div>'
    )


def _page(title: str, body: str) -> str:
    cities = "".join(f'<a href="/city/index.html">{name}</a>' for name in _CITIES)
    return (
        '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" '
        '"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">'
        '<html xmlns="http://www.w3.org/1999/xhtml"><head>'
        '<meta http-equiv="Content-Type" content="text/html; charset=utf-8" />'
        f"<title>{escape(title)} - {SITE_NAME}</title></head><body>"
        f'<div id="top"><div class="logo">{SITE_NAME}</div><div class="date">城市资讯 · 权威发布</div></div>'
        f'<div id="menu">{cities}</div><div id="main">{body}</div>'
        f'<div id="bottom">Copyright © 2026 {SITE_NAME} All Rights Reserved<br />'
        "主办单位：山东城市联播网络科技有限公司 鲁ICP备2026000002号</div></body></html>"
    )
