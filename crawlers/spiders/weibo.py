"""``weibo`` sources: the mobile search API (``container/getIndex``), one keyword after another.

Cards of ``card_type`` 9 carry one ``mblog``; ``card_type`` 11 a ``card_group`` of cards. ``mblog.text`` is
HTML; ``created_at`` is read by ``crawlers.dates`` against ``now``. A repost (``retweeted_status``) is stored
with its own text; its original is not stored from the repost. ``{"ok":0,"msg":"这里还没有内容"}`` ends a
keyword's paging, and so does the keyword's watermark (the newest ``created_at`` stored before).

A login redirect, an HTML answer, HTTP 403/418/432 or a JSON shape we do not know is an error on the source,
with a Chinese message that says what to do — never "no new posts".
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit

import scrapy
from lxml import html as lxml_html

from crawlers.clean import normalize_text
from crawlers.dates import parse_time
from crawlers.schemes import is_web_url
from crawlers.spiders.base import SourceSpider
from storage.crawl_state import watermark

if TYPE_CHECKING:
    from scrapy.http import Response

    from crawlers.items import PostItem

logger = logging.getLogger(__name__)

NOTHING_MORE = "这里还没有内容"
BLOCKED = (403, 418, 432)
_WATCHED = [301, 302, 303, 307, 308, *BLOCKED]


class WeiboError(Exception):
    """The API answered something we must not read as "no new posts"; the message is Chinese."""


class WeiboSpider(SourceSpider):
    name = "weibo"

    def first_requests(self) -> Iterator[scrapy.Request]:
        for keyword in self.context.source.keywords:
            yield self.search_request(keyword, 1)

    def search_request(self, keyword: str, page: int) -> scrapy.Request:
        container = quote(f"100103type=1&q={keyword}", safe="")
        url = f"{self.context.source.url}?containerid={container}&page_type=searchall&page={page}"
        headers = {"Accept": "application/json, text/plain, */*", "X-Requested-With": "XMLHttpRequest"}
        if self.context.secrets.cookie:
            headers["Cookie"] = self.context.secrets.cookie
        meta = {"dont_redirect": True, "handle_httpstatus_list": _WATCHED, **self._proxy()}
        kwargs = {"keyword": keyword, "page": page}
        return scrapy.Request(
            url, self.parse_search, errback=self.page_failed, headers=headers, meta=meta, cb_kwargs=kwargs
        )

    def parse_search(self, response: Response, keyword: str, page: int) -> Iterator[Any]:
        key = f"weibo:{keyword}"
        try:
            payload = self.read(response)
        except WeiboError as error:
            self.key_failed(key)
            self.stats.inc_value("yuqing/failed")
            self.stats.inc_value(f"yuqing/failures/weibo_{response.status}")
            self.fail(f"关键词“{keyword}”：{error}")
            return
        if payload is None:
            return
        try:
            mblogs = list(_mblogs(payload))
        except WeiboError as error:
            self.key_failed(key)
            self.stats.inc_value("yuqing/failed")
            self.stats.inc_value("yuqing/failures/weibo_shape")
            self.fail(f"关键词“{keyword}”：{error}")
            return
        with self.context.sessions() as session:
            mark = watermark(session, self.context.source_id, key)
        posts = [self.post_of(mblog, response) for mblog in mblogs]
        originals = [self.original_of(mblog, response) for mblog in mblogs]
        known = self.known([post.url for post in posts] + [o.url for o in originals if o is not None])
        reached_mark = False
        for post, original in zip(posts, originals, strict=True):
            if post.published_at is not None:
                earliest, latest = time_bounds(post.time_text or "", post.published_at)
                self.raise_watermark(key, earliest)
                if mark is not None and latest <= mark:
                    reached_mark = True
            # The original goes first, so the repost finds it stored; an original's age says nothing about
            # the watermark (reposts of old posts are new spread), so it does not stop the paging.
            if original is not None and original.url not in known:
                known.add(original.url)
                yield original
            if post.url not in known:
                known.add(post.url)
                yield post
        if not reached_mark and page < self.context.source.pages:
            yield self.search_request(keyword, page + 1)

    def read(self, response: Response) -> dict[str, Any] | None:
        """The JSON payload, None at the end of the results; raises :class:`WeiboError` for anything else."""
        cookie_env = self.context.source.cookie_env
        cookie_env = (
            f"环境变量 {cookie_env}" if cookie_env else '在该来源配置 cookie_env = "WEIBO_COOKIE" 所指的环境变量'
        )

        if 300 <= response.status < 400:
            location = (response.headers.get("Location") or b"").decode("latin-1")
            raise WeiboError(
                f"微博接口跳转到登录页（HTTP {response.status} → {location or '未知地址'}），Cookie 已失效或缺失。"
                f"提示：需要更新 Cookie：在浏览器登录 m.weibo.cn 后复制 Cookie，写入{cookie_env}。"
            )
        if response.status in BLOCKED:
            raise WeiboError(
                f"微博拒绝访问（HTTP {response.status}，访问过于频繁或账号被限制）。"
                "提示：调大该来源的 interval、减少 keywords 或 pages，稍后再试；"
                f"仍不行则需要更新 Cookie（{cookie_env}）或更换代理。"
            )
        try:
            payload = json.loads(response.body)
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise WeiboError(
                "微博接口返回了网页而不是 JSON（可能是登录页、验证码或系统繁忙页）。"
                f"提示：在浏览器中打开该地址确认；若要求登录，需要更新 Cookie（{cookie_env}）。"
            ) from None
        if not isinstance(payload, dict):
            raise WeiboError(_SHAPE)
        if payload.get("ok") == 0 or payload.get("ok") == "0":
            message = str(payload.get("msg") or "")
            if message == NOTHING_MORE or not message:
                return None
            raise WeiboError(
                f"微博接口返回错误：{message}。提示：检查 keywords 和接口地址，必要时需要更新 Cookie（{cookie_env}）。"
            )
        return payload

    def original_of(self, mblog: dict[str, Any], response: Response) -> PostItem | None:
        """The reposted original (``retweeted_status``) as a post of its own, when it can be identified."""
        original = mblog.get("retweeted_status")
        if not isinstance(original, dict) or not (original.get("mid") or original.get("id")):
            return None
        return self.post_of(original, response)

    def _url_of(self, mblog: dict[str, Any], response: Response) -> str | None:
        mid = str(mblog.get("mid") or mblog.get("id") or "")
        if mblog.get("_scheme") and is_web_url(str(mblog["_scheme"])):
            return str(mblog["_scheme"])
        if not mid:
            return None
        base = "{0.scheme}://{0.netloc}".format(urlsplit(response.url))
        return f"{base}/weibo/status/{mid}"

    def post_of(self, mblog: dict[str, Any], response: Response) -> PostItem:
        url = self._url_of(mblog, response) or response.url
        created = mblog.get("created_at")
        user = mblog.get("user")
        if not isinstance(user, dict):
            user = {}
        original = mblog.get("retweeted_status")
        if original is not None:
            self.stats.inc_value("yuqing/retweets")
        return self.post(
            url,
            original_url=self._url_of(original, response) if isinstance(original, dict) else None,
            title="",
            text=html_to_text(str(mblog.get("text") or "")),
            published_at=parse_time(created, self.now) if isinstance(created, str) else None,
            author=str(user.get("screen_name") or "") or None,
            metrics=_metrics(mblog),
            time_text=str(created) if created is not None else None,
        )


_SHAPE = (
    "微博接口返回的 JSON 结构无法识别（缺少 data.cards）。提示：接口可能已改版，需要更新采集器或检查接口地址（url）。"
)


def _mblogs(payload: dict[str, Any]) -> Iterator[dict[str, Any]]:
    data = payload.get("data")
    cards = data.get("cards") if isinstance(data, dict) else None
    if not isinstance(cards, list):
        raise WeiboError(_SHAPE)
    for card in cards:
        if not isinstance(card, dict):
            continue
        group = card.get("card_group") if card.get("card_type") == 11 else [card]
        for inner in group if isinstance(group, list) else []:
            if isinstance(inner, dict) and inner.get("card_type") == 9 and isinstance(inner.get("mblog"), dict):
                yield {**inner["mblog"], "_scheme": inner.get("scheme")}


def time_bounds(text: str, at: datetime) -> tuple[datetime, datetime]:
    """When a post read as ``at`` from ``created_at`` text can really have been published: ``"3小时前"`` means
    up to an hour earlier, ``"11-24"`` any time that day. The watermark keeps the earliest bound, and paging
    stops only at a post whose latest bound is not after it."""
    if "小时前" in text:
        return at - timedelta(hours=1), at
    if "分钟前" in text:
        return at - timedelta(minutes=1), at
    if ":" not in text and "刚" not in text:
        return at, at + timedelta(days=1)
    return at, at


def _metrics(mblog: dict[str, Any]) -> dict[str, int]:
    names = {"reposts": "reposts_count", "comments": "comments_count", "likes": "attitudes_count"}
    metrics = {}
    for name, field in names.items():
        value = mblog.get(field)
        if isinstance(value, int) and value >= 0:
            metrics[name] = value
        elif isinstance(value, str) and value.isdigit():
            metrics[name] = int(value)
    return metrics


def html_to_text(html: str) -> str:
    """Weibo's HTML text → plain text: ``<br />`` as line breaks, emoticon images as their ``[alt]``."""
    if not html.strip():
        return ""
    tree = lxml_html.fragment_fromstring(html, create_parent="div")
    for br in tree.iter("br"):
        br.tail = "\n" + (br.tail or "")
    for image in tree.iter("img"):
        image.tail = (image.get("alt") or "") + (image.tail or "")
    return normalize_text(tree.text_content())
