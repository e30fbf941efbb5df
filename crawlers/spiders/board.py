"""``board`` sources: a message board's list pages and letter pages, with each letter's status and reply.

Selectors (CSS, or XPath starting with ``/``) come from the source's ``selectors`` over these defaults:
``title``, ``content``, ``time`` (the block holding 留言时间), ``status``, ``reply_text``, ``reply_time`` (the
block holding 回复时间) and ``reply_unit``. A stored letter is fetched again only when the list shows a status
other than the one stored (未回复 → 已回复), and then only its reply is updated.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from parsel import Selector

from crawlers.clean import normalize_text
from crawlers.dates import find_time
from crawlers.items import Reply
from crawlers.schemes import is_web_url
from crawlers.spiders.site import SiteSpider, next_page
from storage.replies import reply_status

if TYPE_CHECKING:
    import scrapy
    from scrapy.http import Response

    from crawlers.items import PostItem

logger = logging.getLogger(__name__)

DEFAULT_SELECTORS = {
    "row": "table tr, ul li",
    "title": ".msg-title, .msg-detail h2, h1",
    "content": ".msg-content p",
    "time": ".msg-info",
    "status": ".msg-info .status, .status",
    "reply_text": ".reply-content p, .reply-content",
    "reply_time": ".reply-info, .reply",
    "reply_unit": ".reply-info",
}
REPLIED, WAITING = "已回复", "未回复"
_STATUSES = (REPLIED, WAITING, "办理中", "已办结", "已受理")
_UNIT = re.compile(r"(?:回复单位|答复单位|办理单位)\s*[:：]\s*(\S+)")
_LABEL = re.compile(r"^(?:留言内容|回复内容)\s*[:：]?\s*")


class BoardSpider(SiteSpider):
    name = "board"

    def first_requests(self) -> Iterator[scrapy.Request]:
        yield self.page_request(self.context.source.url, self.parse_board_list, page=1)

    def selector(self, field: str) -> str:
        return self.context.source.selectors.get(field) or DEFAULT_SELECTORS[field]

    def parse_board_list(self, response: Response, page: int = 1, **_: Any) -> Iterator[Any]:
        if self.not_modified(response):
            return
        selector = Selector(text=self.decode(response))
        rows = self.letter_rows(selector, response)
        known = self.known(list(rows))
        changed = 0
        for url, status in rows.items():
            if url in known:
                with self.context.sessions() as session:
                    stored = reply_status(session, url)
                if stored is not None and (status is None or status == stored):
                    continue
            changed += 1
            yield self.article_request(url, self.parse_letter)
        next_url = next_page(selector, response)
        if changed and next_url and page < self.context.source.max_pages:
            yield self.page_request(next_url, self.parse_board_list, page=page + 1)

    def letter_rows(self, selector: Selector, response: Response) -> dict[str, str | None]:
        """Letter URL → the status the list shows (None when it shows none)."""
        rows: dict[str, str | None] = {}
        for row in _select(selector, self.selector("row")):
            links = [response.urljoin(h) for h in row.css("a::attr(href)").getall()]
            links = [link for link in links if is_web_url(link) and self._is_letter(link)]
            if not links:
                continue
            text = " ".join(row.css("::text").getall())
            rows.setdefault(links[0], next((s for s in _STATUSES if s in text), None))
        return rows

    def _is_letter(self, url: str) -> bool:
        pattern = self.context.source.article_pattern
        if pattern is not None:
            return re.search(pattern, url) is not None
        return bool(re.search(r"detail|content|view|show|[?&]id=", url))

    def parse_letter(self, response: Response, **_: Any) -> Iterator[PostItem]:
        page = Selector(text=self.decode(response))
        time_text = _joined(page, self.selector("time"))
        status_text = _joined(page, self.selector("status"))
        reply_text = "\n".join(_texts(page, self.selector("reply_text")))
        reply_block = _joined(page, self.selector("reply_time"))
        replied_at = find_time(_after(reply_block, "回复时间"), self.now) if reply_text else None
        unit = _UNIT.search(_joined(page, self.selector("reply_unit")))
        status = next((s for s in _STATUSES if s in status_text), REPLIED if reply_text else WAITING)
        yield self.post(
            self.link_url(response),
            title=_joined(page, self.selector("title"), first=True),
            text="\n".join(_LABEL.sub("", line) for line in _texts(page, self.selector("content"))),
            published_at=find_time(_after(time_text, "留言时间"), self.now) if time_text else None,
            author=_author(time_text),
            time_text=time_text,
            reply=Reply(status, unit.group(1) if unit else None, normalize_text(reply_text) or None, replied_at),
        )


def _select(selector: Selector, query: str) -> Any:
    return selector.xpath(query) if query.startswith(("/", "(")) else selector.css(query)


def _texts(selector: Selector, query: str) -> list[str]:
    """Texts of the first alternative of ``query`` (``a, b``: a if it matches, else b) that matches."""
    alternatives = [query] if query.startswith(("/", "(")) else [part.strip() for part in query.split(",")]
    for alternative in alternatives:
        found = [normalize_text(" ".join(node.css("::text").getall())) for node in _select(selector, alternative)]
        if any(found):
            return [text for text in found if text]
    return []


def _joined(selector: Selector, query: str, *, first: bool = False) -> str:
    texts = _texts(selector, query)
    return (texts[0] if texts else "") if first else " ".join(texts)


def _after(text: str, label: str) -> str:
    """The part of ``text`` after ``label`` (the whole text when the label is absent)."""
    index = text.find(label)
    return text[index + len(label) :] if index >= 0 else text


def _author(info: str) -> str | None:
    match = re.search(r"留言人\s*[:：]\s*(\S+)", info)
    return match.group(1) if match else None
