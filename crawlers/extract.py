"""Article extraction: title, main text, publication time and author/source line from one decoded page.

Step 2 of a post's path (a spider parses a page). A source configured with selectors (CSS, or XPath when the
value starts with ``/`` or ``(``) is read with parsel; any field without a selector, or whose selector matches
nothing, comes from the generic rules. Generic main text comes from trafilatura (precision mode first, then its
recall mode with the bundled readability/jusText fallbacks), after which navigation, info and copyright lines
are trimmed. Times come from our own rules, in order: meta tags (``article:published_time``, ``PubDate`` ...),
``<time datetime>``, JSON-LD ``datePublished``, then a ``发布时间：``/``来源：`` line read with ``find_time``.
A page with fewer than ``MIN_BODY_CHARS`` Chinese characters of sentence text gives ``None``.
"""

from __future__ import annotations

import copy
import logging
import re
from dataclasses import dataclass
from datetime import datetime

import lxml.html
import trafilatura
from lxml.etree import ParserError, XPathError
from parsel import Selector

from crawlers.clean import normalize_text, normalize_title
from crawlers.dates import find_time, parse_time

logger = logging.getLogger(__name__)

MIN_BODY_CHARS = 20
MAX_INFO_LINE = 200

_TIME_META = frozenset(
    {
        "article:published_time",
        "og:article:published_time",
        "og:published_time",
        "og:release_date",
        "publishdate",
        "publish_date",
        "publishtime",
        "publish-time",
        "pubdate",
        "pubtime",
        "datepublished",
        "dc.date.issued",
        "dc.date",
        "dcterms.issued",
        "weibo:article:create_at",
        "firstpublishedtime",
    }
)
_TITLE_META = ("og:title", "articletitle", "twitter:title")
_AUTHOR_META = ("author", "article:author", "dc.creator")
_BLOCK_TAGS = frozenset(
    [
        "address",
        "article",
        "aside",
        "blockquote",
        "dd",
        "div",
        "dl",
        "dt",
        "fieldset",
        "figcaption",
        "figure",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "li",
        "main",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "table",
        "tbody",
        "thead",
        "tfoot",
        "tr",
        "ul",
        "br",
    ]
)
_NOISE_TAGS = ("script", "style", "noscript", "template", "iframe", "svg", "button", "select", "input", "textarea")
_CJK = re.compile("[\u4e00-\u9fff]")
_SENTENCE_MARK = re.compile("[。！？；，：、!?;,:]")
_INFO_LABEL = re.compile(
    r"(?:信息来源|文章来源|稿件来源|来源|发布时间|发布日期|发表时间|更新时间|时间|日期|作者|责任编辑|编辑|记者|浏览次数|点击数|阅读)\s*:"
)
_PUBLISHED_LABEL = re.compile(r"(?:发布时间|发布日期|发表时间|发布于)\s*[:：]?")
_SOURCE_LABEL = re.compile(r"(?:来源|作者|记者|发布时间|发布日期|发表时间)\s*:")
_AUTHOR_FIELD = re.compile(r"作者\s*:\s*([^\s|/,，;；:]+)")
_REPORTER = re.compile(r"记者\s*:?\s*([\u4e00-\u9fff·]{2,4}?)(?=[\s、,，。)）]|$|报道|摄|通讯员)")
_BOILERPLATE = re.compile(
    r"版权所有|copyright|©|ICP备|网站标识码|主办单位|承办单位|技术支持|政府网站找错|分享到|打印本页|关闭窗口|"
    r"^【?字[体号]|上一篇|下一篇|上一页|下一页|当前位置|您现在的位置|^[(（]?(?:责任)?编辑\s*:",
    re.IGNORECASE,
)
_SITE_SUFFIX = re.compile(r"\s*(?:[_|｜]|\s[-–—]\s|——|-)\s*([^_|｜\-–—]{2,24})$")
_JSON_LD_DATE = re.compile(r'"datePublished"\s*:\s*"([^"]{6,40})"')
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")


@dataclass(frozen=True)
class Article:
    """What a spider keeps from a page; ``title`` is the display title (normalise it with ``normalize_title``)."""

    title: str
    text: str
    published_at: datetime | None
    author: str | None
    source_line: str | None


def extract_article(html: str, url: str, now: datetime, selectors: dict[str, str] | None = None) -> Article | None:
    """The article on a page, or None when the page has no body text (a list, an error or an empty page)."""
    tree = _parse(html)
    if tree is None:
        return None
    picked = _select(html, selectors or {}, url)
    text = picked.get("content") or _generic_text(html, url)
    info_lines = _info_lines(tree)
    title = picked.get("title") or _title(tree)
    text = _trim(text, title, info_lines)
    if _body_chars(text) < MIN_BODY_CHARS:
        logger.debug("no body text url=%s", url)
        return None
    published_at = _published_at(picked.get("published_at"), tree, html, info_lines, now)
    author = _clean_author(picked.get("author")) or _author(tree, info_lines, text)
    source_line = next((line for line in info_lines if _SOURCE_LABEL.search(line)), None)
    return Article(title=title, text=text, published_at=published_at, author=author, source_line=source_line)


def _parse(html: str) -> lxml.html.HtmlElement | None:
    """A tree without scripts and styles; None for an empty or unparseable document."""
    try:
        tree = lxml.html.document_fromstring(_XML_DECLARATION.sub("", html))
    except (ParserError, ValueError):
        return None
    for element in tree.xpath("|".join(f"//{tag}" for tag in _NOISE_TAGS)):
        element.drop_tree()
    return tree


def _select(html: str, selectors: dict[str, str], url: str) -> dict[str, str]:
    """Each configured field's text; a selector that matches nothing is logged and left to the generic rules."""
    picked: dict[str, str] = {}
    if not selectors:
        return picked
    page = Selector(text=html)
    for field, query in selectors.items():
        try:
            found = page.xpath(query) if query.startswith(("/", "(")) else page.css(query)
        except (ValueError, XPathError):
            logger.warning("bad selector url=%s field=%s selector=%s", url, field, query)
            continue
        parts = [_node_text(node) for node in found]
        value = normalize_text("\n".join(part for part in parts if part))
        if value:
            picked[field] = value if field == "content" else value.replace("\n", " ")
        else:
            logger.warning("selector matched nothing url=%s field=%s selector=%s", url, field, query)
    return picked


def _node_text(node: Selector) -> str:
    """Text of a parsel result: an attribute or text node as it is, an element with one line per block."""
    if isinstance(node.root, str):
        return node.root
    return _block_text(node.root)


def _block_text(element: lxml.html.HtmlElement) -> str:
    element = copy.deepcopy(element)
    for noise in element.xpath("|".join(f".//{tag}" for tag in _NOISE_TAGS)):
        noise.drop_tree()
    for block in element.iter(*_BLOCK_TAGS):
        block.tail = "\n" + (block.tail or "")
        if block.tag != "br":
            block.text = "\n" + (block.text or "")
    return str(element.text_content())


def _generic_text(html: str, url: str) -> str:
    """Main text by trafilatura: precision mode, then recall mode (readability and jusText fallbacks)."""
    text = ""
    for favor_precision in (True, False):
        extracted = trafilatura.extract(
            html,
            url=url,
            favor_precision=favor_precision,
            include_tables=False,
            include_comments=False,
            deduplicate=False,
        )
        text = normalize_text(extracted or "")
        if _body_chars(text) >= MIN_BODY_CHARS:
            return text
    return text


def _trim(text: str, title: str, info_lines: list[str]) -> str:
    """Drop the title, info lines, navigation crumbs and copyright lines that extraction lets through."""
    skip = {normalize_title(title), *info_lines}
    lines = [line for line in text.split("\n") if line not in skip and not _BOILERPLATE.search(line)]
    while lines and not _is_sentence(lines[0]) and not _REPORTER.search(lines[0]):
        lines.pop(0)  # leading navigation ("网站首页", "|", "通知公告")
    return "\n".join(lines)


def _is_sentence(line: str) -> bool:
    cjk = len(_CJK.findall(line))
    return cjk >= 15 or (cjk >= 2 and bool(_SENTENCE_MARK.search(line)))


def _body_chars(text: str) -> int:
    """Chinese characters in sentence lines: a list of headlines or menu entries counts for nothing."""
    return sum(len(_CJK.findall(line)) for line in text.split("\n") if _is_sentence(line))


def _info_lines(tree: lxml.html.HtmlElement) -> list[str]:
    """Short lines (elements without block children, table rows whole) that carry a 来源/时间/作者 label."""
    lines: list[str] = []
    for element in tree.iter("p", "div", "span", "td", "tr", "li", "em", "font", "header", "section", "small"):
        if element.tag != "tr" and any(child.tag in _BLOCK_TAGS - {"br"} for child in element.iterdescendants()):
            continue
        if element.tag == "td" and element.getparent() is not None:
            continue  # read as part of its row
        line = normalize_title(" ".join(element.itertext()))
        if len(line) <= MAX_INFO_LINE and _INFO_LABEL.search(line) and not any(line in seen for seen in lines):
            lines.append(line)
    return lines


def _title(tree: lxml.html.HtmlElement) -> str:
    """``<h1>`` when the page title confirms it, else og:title/ArticleTitle, else ``<title>`` minus the site."""
    metas = _metas(tree)
    page_title = _strip_site(_one_line(tree.findtext(".//title") or ""))
    meta_title = next((_strip_site(metas[name]) for name in _TITLE_META if metas.get(name)), "")
    headings = [_one_line(str(h.text_content())) for h in tree.iter("h1")]
    for heading in headings:
        if len(heading) >= 4 and (heading in page_title or heading in meta_title or not (page_title or meta_title)):
            return heading
    return meta_title or page_title or next((h for h in headings if h), "")


def _strip_site(title: str) -> str:
    for _ in range(2):
        match = _SITE_SUFFIX.search(title)
        if match is None or re.search(r"\d", match.group(1)) or match.start() < 4:
            break
        title = title[: match.start()]
    return title.strip()


def _one_line(text: str) -> str:
    """Display form: white space folded, no NFKC, so the original title is kept as published."""
    return " ".join(text.split()).replace("\u200b", "")


def _metas(tree: lxml.html.HtmlElement) -> dict[str, str]:
    """Meta tags by lower-cased name, property or itemprop; the first of each name wins."""
    found: dict[str, str] = {}
    for meta in tree.iter("meta"):
        key = (meta.get("name") or meta.get("property") or meta.get("itemprop") or "").strip().lower()
        content = (meta.get("content") or "").strip()
        if key and content:
            found.setdefault(key, content)
    return found


def _published_at(
    selected: str | None, tree: lxml.html.HtmlElement, html: str, info_lines: list[str], now: datetime
) -> datetime | None:
    if selected:
        parsed = find_time(selected, now)
        if parsed is not None:
            return parsed
    for key, content in _metas(tree).items():
        if key in _TIME_META:
            parsed = parse_time(content, now) or find_time(content, now)
            if parsed is not None:
                return parsed
    for element in tree.iter("time"):
        parsed = find_time(element.get("datetime") or str(element.text_content()), now)
        if parsed is not None:
            return parsed
    match = _JSON_LD_DATE.search(html)
    if match and (parsed := parse_time(match.group(1), now)) is not None:
        return parsed
    # A 发布时间 line beats the other dated lines of an official page (成文日期 is when it was written).
    ranked = sorted(info_lines, key=lambda line: _PUBLISHED_LABEL.search(line) is None)
    for line in ranked:
        match = _PUBLISHED_LABEL.search(line)
        if (found := find_time(line[match.start() :] if match else line, now)) is not None:
            return found
    return None


def _author(tree: lxml.html.HtmlElement, info_lines: list[str], text: str) -> str | None:
    """``作者：`` in an info line, else ``记者 X`` near the top, else the author meta tag."""
    for line in info_lines:
        match = _AUTHOR_FIELD.search(line)
        if match:
            return _clean_author(match.group(1))
    for line in [*info_lines, *text.split("\n")[:3]]:
        match = _REPORTER.search(line)
        if match:
            return match.group(1)
    metas = _metas(tree)
    return next((_clean_author(metas[name]) for name in _AUTHOR_META if metas.get(name)), None)


def _clean_author(value: str | None) -> str | None:
    if not value:
        return None
    value = re.sub(r"^(?:作者|记者)\s*[:：]?\s*", "", value.strip())
    return value or None
