"""The Weibo-style mobile search API ``/weibo/api/container/getIndex`` and its neighbours.

``?containerid=100103type%3D1%26q%3D<keyword>&page_type=searchall&page=N`` answers the m.weibo.cn shape
``{"ok":1,"data":{"cards":[…],"cardlistInfo":{…}}}``: visible posts whose text contains the keyword, newest
first, ten a page. Cards are ``card_type`` 9 (one ``mblog``) or ``card_type`` 11 (a ``card_group`` of cards).
``created_at`` is written the way Weibo writes it, relative to the scenario clock (``刚刚``, ``5分钟前``,
``3小时前``, ``昨天 14:30``, ``11-24``, ``2025-11-24``) or in full (``Tue Nov 24 09:12:33 +0800 2026``).
Past the last page: ``{"ok":0,"msg":"这里还没有内容","data":{"cards":[]}}``.

Test keywords: ``登录墙`` → 302 to ``/weibo/login`` (HTML); ``封禁`` → HTTP 418; ``怪形状`` → a JSON object
of an unknown shape; ``缺字段`` → every visible post, with one card a page lacking ``user`` and ``created_at``.
``/weibo/html`` is an API-looking path that answers HTML; ``/weibo/status/<mid>`` is a post's own page.
"""

from __future__ import annotations

import logging
import re
import zlib
from datetime import datetime, timedelta
from html import escape
from typing import Any
from urllib.parse import parse_qs, quote

from yuqing.instants import BEIJING
from yuqing.simweb.corpus import Item
from yuqing.simweb.responses import Request, Response, html_response, json_response, redirect
from yuqing.simweb.scene import Scene

logger = logging.getLogger(__name__)

CHANNEL = "weibo"
PAGE_SIZE = 10
SEARCH_PATH = "/weibo/api/container/getIndex"
MISSING_FIELDS_KEYWORD = "缺字段"
_SEARCH_PREFIX = "100103"
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_HASHTAG = re.compile(r"#([^#\n]{1,40})#")
_EMOTICON = re.compile(r"\[([\u4e00-\u9fffA-Za-z]{1,5})\]")
_MENTION = re.compile(r"@([\u4e00-\u9fffA-Za-z0-9_\-]{2,30})")
_STATUS = re.compile(r"^/weibo/status/(\d+)$")
_NOTHING = {"ok": 0, "msg": "这里还没有内容", "data": {"cards": []}}


def route(scene: Scene, request: Request) -> Response | None:
    """Answer a ``/weibo/`` path, or None."""
    if request.path == SEARCH_PATH:
        return search(scene, request)
    if request.path == "/weibo/login":
        return html_response(_login_page())
    if request.path == "/weibo/html":
        return html_response("<html><head><title>微博</title></head><body><p>系统繁忙，请稍后再试。</p></body></html>")
    if match := _STATUS.match(request.path):
        for item in scene.visible(CHANNEL):
            if mid_of(item) == match.group(1):
                return html_response(_status_page(scene, item))
    return None


def keyword_of(request: Request) -> str | None:
    """The keyword inside ``containerid=100103type=1&q=<keyword>``, or None when the container is not a search."""
    container = request.arg("containerid")
    if not container.startswith(_SEARCH_PREFIX):
        return None
    return parse_qs(container[len(_SEARCH_PREFIX) :]).get("q", [""])[0]


def search(scene: Scene, request: Request) -> Response:
    """One page of search results for the keyword, or one of the test answers."""
    keyword = keyword_of(request)
    if keyword is None or not keyword.strip():
        return json_response({"ok": 0, "msg": "请输入搜索关键词", "data": {"cards": []}})
    if keyword == "登录墙":
        return redirect("/weibo/login?r=" + quote(request.target, safe=""))
    if keyword == "封禁":
        return html_response("<html><body><h1>418</h1><p>访问过于频繁，请稍后再试。</p></body></html>", status=418)
    if keyword == "怪形状":
        return json_response({"ok": 1, "data": {"unexpected": []}})
    try:
        page = max(1, int(request.arg("page", "1") or "1"))
    except ValueError:
        page = 1
    posts = scene.visible(CHANNEL)
    if keyword != MISSING_FIELDS_KEYWORD:
        posts = [post for post in posts if keyword in post.text]
    chunk = posts[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    if not chunk:
        return json_response(_NOTHING)
    cards = _group([_card(scene, post) for post in chunk])
    if keyword == MISSING_FIELDS_KEYWORD:
        _strip_fields(cards[0])
    info = {
        "containerid": request.arg("containerid"),
        "v_p": 42,
        "show_style": 1,
        "total": len(posts),
        "page": page + 1 if page * PAGE_SIZE < len(posts) else None,
    }
    return json_response({"ok": 1, "data": {"cardlistInfo": info, "cards": cards}})


def mid_of(item: Item) -> str:
    """A 16-digit post id that grows with the publication offset, like Weibo's."""
    return str(5_230_000_000_000_000 + int(item.offset.total_seconds()) * 100 + zlib.crc32(item.id.encode()) % 100)


def user_of(name: str, verified: bool) -> dict[str, Any]:
    """The ``user`` object of a post by ``name``."""
    seed = zlib.crc32(name.encode())
    uid = 1_000_000_000 + seed % 8_000_000_000
    return {
        "id": uid,
        "screen_name": name,
        "profile_url": f"/u/{uid}",
        "verified": verified,
        "verified_type": 3 if verified else -1,
        "followers_count": 10_000 + seed % 3_000_000 if verified else seed % 5000,
    }


def created_at(published: datetime, now: datetime, *, full: bool = False) -> str:
    """Weibo's ``created_at`` for a post published at ``published`` and read at ``now``."""
    when = published.astimezone(BEIJING)
    local_now = now.astimezone(BEIJING)
    if full:
        return f"{_DAYS[when.weekday()]} {_MONTHS[when.month - 1]} {when:%d %H:%M:%S} +0800 {when.year}"
    age = local_now - when
    if age < timedelta(minutes=1):
        return "刚刚"
    if age < timedelta(hours=1):
        return f"{int(age.total_seconds() // 60)}分钟前"
    if when.date() == local_now.date():
        return f"{int(age.total_seconds() // 3600)}小时前"
    if when.date() == local_now.date() - timedelta(days=1):
        return f"昨天 {when:%H:%M}"
    if when.year == local_now.year:
        return f"{when:%m-%d}"
    return f"{when:%Y-%m-%d}"


def render_text(text: str) -> str:
    """Plain post text → Weibo's HTML: topic links, emoticon images, @ links and ``<br />``."""
    html = escape(text, quote=False)
    html = _HASHTAG.sub(
        lambda match: (
            f"<a href='/search?containerid=231522type%3D1%26q%3D%23{quote(match.group(1))}%23'>#{match.group(1)}#</a>"
        ),
        html,
    )
    html = _EMOTICON.sub(_emoticon, html)
    html = _MENTION.sub(lambda match: f"<a href='/n/{quote(match.group(1))}'>@{match.group(1)}</a>", html)
    return html.replace("\n", "<br />")


def _emoticon(match: re.Match[str]) -> str:
    name = match.group(1)
    source = f"/weibo/static/emoticon/{zlib.crc32(name.encode()):08x}.png"
    return f'<span class="url-icon"><img alt="[{name}]" src="{source}" style="width:1em; height:1em;" /></span>'


def _card(scene: Scene, item: Item) -> dict[str, Any]:
    mblog = _mblog(scene, item)
    original_id = item.extra.get("retweet_of")
    if original_id is not None:
        original = scene.get(original_id)
        if original is not None:
            mblog["retweeted_status"] = _mblog(scene, original)
    elif "retweeted" in item.extra:
        mblog["retweeted_status"] = _embedded_original(scene, item.extra["retweeted"])
    return {
        "card_type": 9,
        "itemid": f"seqid:{mblog['mid']}",
        "scheme": scene.absolute(f"/weibo/status/{mblog['mid']}"),
        "mblog": mblog,
    }


def _mblog(scene: Scene, item: Item) -> dict[str, Any]:
    mid = mid_of(item)
    return {
        "id": mid,
        "mid": mid,
        "created_at": created_at(scene.published(item), scene.now, full=zlib.crc32(item.id.encode()) % 3 == 0),
        "text": render_text(item.text),
        "textLength": len(item.text.encode("gbk", errors="replace")),
        "source": item.extra.get("source", "微博 weibo.com"),
        "reposts_count": item.metrics.get("reposts", 0),
        "comments_count": item.metrics.get("comments", 0),
        "attitudes_count": item.metrics.get("likes", 0),
        "pic_num": 0,
        "isLongText": False,
        "user": user_of(item.author, bool(item.extra.get("verified", False))),
    }


def _embedded_original(scene: Scene, original: dict[str, Any]) -> dict[str, Any]:
    """An old post that is not in the corpus (it predates the scenario) but is reposted in it."""
    posted = datetime.fromisoformat(original["posted"])
    metrics = original.get("metrics", {})
    return {
        "id": str(original["mid"]),
        "mid": str(original["mid"]),
        "created_at": created_at(posted, scene.now),
        "text": render_text(original["text"]),
        "source": "微博 weibo.com",
        "reposts_count": metrics.get("reposts", 0),
        "comments_count": metrics.get("comments", 0),
        "attitudes_count": metrics.get("likes", 0),
        "pic_num": 0,
        "isLongText": False,
        "user": user_of(original["author"], bool(original.get("verified", False))),
    }


def _group(cards: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Put the fourth to sixth posts of a page into one ``card_type`` 11 group, as the real search page does."""
    if len(cards) < 4:
        return cards
    group = {"card_type": 11, "card_group": [{"card_type": 42, "desc": "实时微博"}, *cards[3:6]]}
    return [*cards[:3], group, *cards[6:]]


def _strip_fields(card: dict[str, Any]) -> None:
    del card["mblog"]["user"]
    del card["mblog"]["created_at"]


def _login_page() -> str:
    return (
        '<!DOCTYPE html><html><head><meta charset="utf-8"><title>登录 - 微博</title></head><body>'
        '<div class="login"><h2>登录后查看更多精彩内容</h2><form action="/weibo/login" method="post">'
        '<input name="username" placeholder="手机号/邮箱"><input name="password" type="password" placeholder="密码">'
        "<button>登录</button></form></div></body></html>"
    )


def _status_page(scene: Scene, item: Item) -> str:
    return (
        f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{escape(item.author)}的微博</title></head><body>'
        f'<div class="weibo-detail"><div class="user">{escape(item.author)}</div>'
        f'<div class="time">{scene.published(item):%Y-%m-%d %H:%M}</div>'
        f'<div class="weibo-text">{render_text(item.text)}</div>'
        f'<div class="counts">转发 {item.metrics.get("reposts", 0)} 评论 {item.metrics.get("comments", 0)} '
        f"赞 {item.metrics.get('likes', 0)}</div></div></body></html>"
    )
