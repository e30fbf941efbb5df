"""The department's own release page ``/official/`` (山东省住房和城乡建设厅 · 权威发布), government style.

List at ``/official/index.html``; releases at ``/official/art/YYYY/MM/DD/art_<id>.html`` with
``发布时间：`` and ``信息来源：省住房城乡建设厅``, text in ``<div id="zoom">``. The RSS feed of the same
releases is ``/official/rss.xml`` (built in ``simweb.feeds``).
"""

from __future__ import annotations

import logging
import re
import zlib
from html import escape

from yuqing.simweb.corpus import Item
from yuqing.simweb.responses import Request, Response, html_response
from yuqing.simweb.scene import Scene

logger = logging.getLogger(__name__)

CHANNEL = "official"
SITE_NAME = "山东省住房和城乡建设厅"
DEFAULT_SOURCE = "省住房城乡建设厅"
_ARTICLE = re.compile(r"^/official/art/(\d{4})/(\d{2})/(\d{2})/art_([\w-]+)\.html$")
_MENU = ("首页", "机构概况", "政务公开", "权威发布", "政策解读", "互动交流", "专题专栏")


def article_path(scene: Scene, item: Item) -> str:
    """``/official/art/2026/11/25/art_<id>.html``."""
    return scene.published(item).strftime("/official/art/%Y/%m/%d/") + f"art_{item.id}.html"


def route(scene: Scene, request: Request) -> Response | None:
    """Answer an ``/official/`` path, or None when it is not one of ours."""
    if request.path in ("/official/", "/official/index.html"):
        return list_page(scene)
    if match := _ARTICLE.match(request.path):
        item = scene.lookup(CHANNEL, match.group(4))
        if item is not None and article_path(scene, item) == request.path:
            return release_page(scene, item)
    return None


def list_page(scene: Scene) -> Response:
    """Every visible release, newest first (the department publishes a few a week)."""
    rows = "".join(
        f'<li><a href="{article_path(scene, item)}" target="_blank" title="{escape(item.title)}">'
        f'{escape(item.title)}</a><span class="date">{scene.published(item):%Y-%m-%d}</span></li>'
        for item in scene.visible(CHANNEL)
    )
    body = (
        '<div class="position">当前位置：<a href="/official/">首页</a> &gt; 政务公开 &gt; 权威发布</div>'
        f'<div class="list-box"><h2>权威发布</h2><ul class="list">{rows}</ul></div>'
    )
    return html_response(_page("权威发布", body), last_modified=scene.last_modified(CHANNEL), validators=True)


def release_page(scene: Scene, item: Item) -> Response:
    """One release with its index table, the 发布时间/信息来源 line and the text."""
    published = scene.published(item)
    serial = zlib.crc32(item.id.encode()) % 100000
    text = "".join(
        f'<p style="text-indent:2em;">{escape(line)}</p>' if not _is_signature(line) else _signature(line)
        for line in item.paragraphs()
    )
    body = (
        '<div class="position">当前位置：<a href="/official/">首页</a> &gt; 政务公开 &gt; '
        '<a href="/official/index.html">权威发布</a></div>'
        '<table class="xxgk-table"><tr><td>索引号：</td>'
        f"<td>11370000004165000X/{published:%Y}-{serial:05d}</td><td>发布机构：</td><td>{SITE_NAME}</td></tr>"
        f"<tr><td>成文日期：</td><td>{published:%Y-%m-%d}</td><td>主题分类：</td>"
        f"<td>{escape(item.extra.get('category', '城乡建设、环境保护'))}</td></tr></table>"
        f'<div class="art-title"><h1>{escape(item.title)}</h1></div>'
        f'<div class="art-info">发布时间：{published:%Y-%m-%d %H:%M}&nbsp;&nbsp;&nbsp;'
        f"信息来源：{escape(item.extra.get('source', DEFAULT_SOURCE))}&nbsp;&nbsp;&nbsp;"
        '【字体：<a href="#">大</a> <a href="#">中</a> <a href="#">小</a>】</div>'
        f'<div id="zoom" class="art-content">{text}</div>'
        '<div class="art-tools"><a href="javascript:window.print();">打印本页</a> '
        '<a href="javascript:window.close();">关闭窗口</a></div>'
    )
    return html_response(_page(item.title, body), last_modified=published, validators=True)


def _is_signature(line: str) -> bool:
    """The closing lines of a notice: the issuing body and the date, set flush right."""
    if line.startswith(SITE_NAME) and len(line) <= len(SITE_NAME) + 4:
        return True
    return re.fullmatch(r"\d{4}年\d+月\d+日", line) is not None


def _signature(line: str) -> str:
    return f'<p style="text-align:right;">{escape(line)}</p>'


def _page(title: str, body: str) -> str:
    menu = "".join(f'<li><a href="/official/index.html">{name}</a></li>' for name in _MENU)
    return (
        '<!DOCTYPE html><html><head><meta charset="utf-8">'
        f'<meta name="SiteName" content="{SITE_NAME}"><meta name="ColumnName" content="权威发布">'
        f"<title>{escape(title)}_{SITE_NAME}</title></head><body>"
        f'<div class="gov-header"><div class="gov-logo">{SITE_NAME}</div>'
        '<div class="gov-search"><input type="text" placeholder="站内搜索"></div></div>'
        f'<ul class="gov-menu">{menu}</ul><div class="gov-main">{body}</div>'
        f'<div class="gov-footer"><p>主办：{SITE_NAME}</p>'
        "<p>地址：山东省济南市市中区 联系电话：0531-00000000</p>"
        "<p>网站标识码：3700000000 鲁ICP备00000000号 鲁公网安备 37000000000000号</p></div></body></html>"
    )
