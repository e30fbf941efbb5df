"""The message board ``/board/`` (齐鲁民声留言板): citizens' letters and the departments' replies.

``/board/list?page=N`` lists letters newest first (title, 留言时间, 已回复/未回复) linking to
``/board/detail?id=<id>``. A letter's ``extra.reply`` (``unit``, ``text``, ``offset``) appears only once the
scenario clock passes the reply's own offset, so a letter turns from 未回复 to 已回复 while a crawler watches.
"""

from __future__ import annotations

import logging
from datetime import datetime
from html import escape
from typing import Any

from yuqing.instants import BEIJING
from yuqing.simweb.corpus import Item, parse_offset
from yuqing.simweb.responses import Request, Response, html_response
from yuqing.simweb.scene import Scene

logger = logging.getLogger(__name__)

CHANNEL = "board"
PAGE_SIZE = 15
SITE_NAME = "齐鲁民声留言板"


def route(scene: Scene, request: Request) -> Response | None:
    """Answer a ``/board/`` path, or None."""
    if request.path in ("/board/", "/board/list"):
        try:
            page = int(request.arg("page", "1") or "1")
        except ValueError:
            return None
        return list_page(scene, page)
    if request.path == "/board/detail":
        item = scene.lookup(CHANNEL, request.arg("id"))
        return detail_page(scene, item) if item is not None else None
    return None


def detail_path(item: Item) -> str:
    """``/board/detail?id=<id>``."""
    return f"/board/detail?id={item.id}"


def reply_time(scene: Scene, item: Item) -> datetime | None:
    """When the reply to ``item`` is published, if it has been by now."""
    reply = item.extra.get("reply")
    if reply is None:
        return None
    at = (scene.start + parse_offset(reply["offset"])).astimezone(BEIJING)
    return at if at <= scene.now else None


def list_page(scene: Scene, page: int) -> Response | None:
    """One page of letters; None past the end."""
    letters = scene.visible(CHANNEL)
    pages = max(1, -(-len(letters) // PAGE_SIZE))
    if not 1 <= page <= pages:
        return None
    rows = "".join(_row(scene, item) for item in letters[(page - 1) * PAGE_SIZE : page * PAGE_SIZE])
    pager = [f"<span>共{len(letters)}条 第{page}/{pages}页</span>"]
    if page > 1:
        pager.append(f'<a href="/board/list?page={page - 1}">上一页</a>')
    if page < pages:
        pager.append(f'<a href="/board/list?page={page + 1}">下一页</a>')
    body = (
        '<table class="msg-list"><thead><tr><th>留言标题</th><th>留言对象</th><th>留言时间</th><th>状态</th></tr>'
        f'</thead><tbody>{rows}</tbody></table><div class="pager">{" ".join(pager)}</div>'
    )
    return html_response(_page("留言列表", body), last_modified=_last_change(scene, letters), validators=True)


def detail_page(scene: Scene, item: Item) -> Response:
    """One letter, and the reply once it is out."""
    replied = reply_time(scene, item)
    letter = (
        f'<div class="msg-detail"><h2 class="msg-title">{escape(item.title)}</h2>'
        '<table class="msg-info">'
        f"<tr><th>留言人：</th><td>{escape(item.author)}</td><th>留言对象：</th>"
        f"<td>{escape(item.extra.get('target', '山东省住房和城乡建设厅'))}</td></tr>"
        f"<tr><th>留言时间：</th><td>{scene.published(item):%Y-%m-%d %H:%M:%S}</td><th>状态：</th>"
        f'<td class="status">{"已回复" if replied else "未回复"}</td></tr></table>'
        f'<div class="msg-content"><h3>留言内容：</h3>{_paragraphs(item.text)}</div></div>'
    )
    if replied is not None:
        reply: dict[str, Any] = item.extra["reply"]
        letter += (
            '<div class="reply"><h3>回复内容</h3><table class="reply-info">'
            f"<tr><th>回复单位：</th><td>{escape(reply['unit'])}</td>"
            f"<th>回复时间：</th><td>{replied:%Y-%m-%d %H:%M:%S}</td></tr></table>"
            f'<div class="reply-content">{_paragraphs(reply["text"])}</div></div>'
        )
    last = max(filter(None, (scene.published(item), replied)))
    return html_response(_page(item.title, letter), last_modified=last, validators=True)


def _row(scene: Scene, item: Item) -> str:
    status = "已回复" if reply_time(scene, item) else "未回复"
    return (
        f'<tr><td class="title"><a href="{detail_path(item)}" target="_blank">{escape(item.title)}</a></td>'
        f"<td>{escape(item.extra.get('target', '山东省住房和城乡建设厅'))}</td>"
        f'<td class="time">{scene.published(item):%Y-%m-%d %H:%M}</td>'
        f'<td class="status"><span class="{"ok" if status == "已回复" else "wait"}">{status}</span></td></tr>'
    )


def _last_change(scene: Scene, letters: list[Item]) -> datetime | None:
    """The latest letter or reply visible now: the list changes exactly then."""
    moments = [scene.published(item) for item in letters]
    moments += [moment for item in letters if (moment := reply_time(scene, item)) is not None]
    return max(moments, default=None)


def _paragraphs(text: str) -> str:
    return "".join(f"<p>{escape(line.strip())}</p>" for line in text.split("\n") if line.strip())


def _page(title: str, body: str) -> str:
    return (
        '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">'
        f"<title>{escape(title)}-{SITE_NAME}</title></head><body>"
        f'<div class="board-header"><h1><a href="/board/list">{SITE_NAME}</a></h1>'
        '<p>倾听民声 · 回应关切</p><a class="write" href="#">我要留言</a></div>'
        f'<div class="board-main">{body}</div>'
        '<div class="board-footer">留言须知：请文明留言，不得含有违法违规内容。办理单位一般在15个工作日内答复。</div>'
        "</body></html>"
    )
