"""The provincial news site ``/news/`` (齐鲁时讯网): paged lists, article pages in assorted charsets, traps.

Articles live at ``/news/YYYY/MM/DD/<id>.html`` (the publication date in 北京时间). An item's
``extra.charset`` picks how it is served: ``utf-8`` (default), ``gbk`` (meta and header say GBK),
``gb18030-mislabeled`` (GB18030 bytes, correct meta, header claims UTF-8) or ``none`` (UTF-8 bytes, no
charset anywhere). A page is frozen at its publication: its side lists only name earlier articles.
"""

from __future__ import annotations

import logging
import re
import zlib
from html import escape

from yuqing.simweb.corpus import Item
from yuqing.simweb.responses import Request, Response, html_response, text_response
from yuqing.simweb.scene import Scene

logger = logging.getLogger(__name__)

PAGE_SIZE = 20
CHANNEL = "news"
SITE_NAME = "齐鲁时讯网"
_ARTICLE = re.compile(r"^/news/(\d{4})/(\d{2})/(\d{2})/([\w-]+)\.html$")
_LIST = re.compile(r"^/news/list_(\d+)\.html$")
_NAV = ("首页", "时政", "社会", "民生", "房产", "财经", "教育", "体育", "文化", "图片", "视频")


def article_path(scene: Scene, item: Item) -> str:
    """``/news/2026/11/25/<id>.html``."""
    return scene.published(item).strftime("/news/%Y/%m/%d/") + f"{item.id}.html"


def route(scene: Scene, request: Request) -> Response | None:
    """Answer a ``/news/`` path, or None when it is not one of ours."""
    path = request.path
    if path in ("/news/", "/news/index.html"):
        return list_page(scene, 1)
    if match := _LIST.match(path):
        return list_page(scene, int(match.group(1)))
    if path == "/news/empty.html":
        return html_response(_empty_page())
    if path == "/news/gb18030-as-utf8.html":
        return text_response(_rare_characters_page(), "text/html", encoding="gb18030", header_charset="UTF-8")
    if path.startswith("/news/private/"):
        return html_response(render_page("内部资料", '<div class="article-content"><p>内部稿件，请勿转载。</p></div>'))
    if match := _ARTICLE.match(path):
        item = scene.lookup(CHANNEL, match.group(4))
        if item is not None and article_path(scene, item) == path:
            return article_page(scene, item)
    return None


def list_page(scene: Scene, page: int) -> Response | None:
    """Page ``page`` of the article list, newest first, with 上一页/下一页 links; None past the end."""
    items = scene.visible(CHANNEL)
    pages = max(1, -(-len(items) // PAGE_SIZE))
    if not 1 <= page <= pages:
        return None
    rows = []
    for item in items[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]:
        rows.append(
            f'<li><a href="{article_path(scene, item)}" target="_blank">{escape(item.title)}</a>'
            f'<span class="date">{scene.published(item):%Y-%m-%d %H:%M}</span>'
            f'<p class="summary">{escape(item.paragraphs()[0][:60])}…</p></li>'
        )
    pager = [f"<span>第{page}页/共{pages}页</span>"]
    if page > 1:
        pager.append(f'<a class="prev" href="/news/list_{page - 1}.html">上一页</a>')
    if page < pages:
        pager.append(f'<a class="next" href="/news/list_{page + 1}.html">下一页</a>')
    body = (
        '<div class="breadcrumb">您的位置：<a href="/news/">首页</a> &gt; 新闻列表</div>'
        f'<ul class="news-list">{"".join(rows)}</ul><div class="pager">{" ".join(pager)}</div>'
    )
    return html_response(render_page("新闻列表", body), last_modified=scene.last_modified(CHANNEL), validators=True)


def article_page(scene: Scene, item: Item) -> Response:
    """One article, encoded and labelled as its ``extra.charset`` says."""
    charset = item.extra.get("charset", "utf-8")
    published = scene.published(item)
    meta_charset = {"utf-8": "utf-8", "gbk": "gbk", "gb18030-mislabeled": "gb18030", "none": None}[charset]
    head = _date_meta(item, published.isoformat(), f"{published:%Y-%m-%d %H:%M:%S}")
    head += f'<meta name="description" content="{escape(item.paragraphs()[0][:80])}">'
    head += f'<link rel="canonical" href="{scene.absolute(article_path(scene, item))}">'
    source_line = " ".join(
        part
        for part in (
            f"来源：{item.extra.get('source', SITE_NAME)}",
            _byline(item.author),
            f"{published:%Y-%m-%d %H:%M}",
        )
        if part
    )
    paragraphs = "".join(f"<p>{escape(text)}</p>" for text in item.paragraphs())
    section = item.extra.get("section", "社会")
    body = (
        f'<div class="breadcrumb">您的位置：<a href="/news/">首页</a> &gt; '
        f'<a href="/news/list_1.html">{escape(section)}</a> &gt; 正文</div>'
        f'<div class="article"><h1>{escape(item.title)}</h1>'
        f'<div class="info"><span class="source">{escape(source_line)}</span>'
        f'<span class="views">阅读：{item.metrics.get("views", 0)}</span></div>'
        f'<div class="article-content">{paragraphs}</div>'
        f'<div class="editor">（责任编辑：{escape(item.extra.get("editor", "刘洋"))}）</div>'
        '<div class="share">分享到：<a href="#">微信</a> <a href="#">微博</a> <a href="#">QQ空间</a></div>'
        f"{_related(scene, item)}</div>{_hot_list(scene, item)}"
    )
    return text_response(
        render_page(item.title, body, head=head, charset=meta_charset),
        "text/html",
        encoding="gb18030" if charset == "gb18030-mislabeled" else ("gbk" if charset == "gbk" else "utf-8"),
        header_charset={"utf-8": "utf-8", "gbk": "GBK", "gb18030-mislabeled": "UTF-8", "none": None}[charset],
        last_modified=published,
        validators=True,
    )


def _byline(author: str) -> str:
    return f"记者 {author}" if author and not author.startswith(("记者", "通讯员", "新华社", "央视")) else author


def _date_meta(item: Item, iso: str, plain: str) -> str:
    """Some pages state the time in a meta tag, some in Open Graph style, some only in the text."""
    style = zlib.crc32(item.id.encode()) % 3
    if style == 0:
        return f'<meta name="publishdate" content="{plain}">'
    if style == 1:
        return f'<meta property="article:published_time" content="{iso}">'
    return ""


def _related(scene: Scene, item: Item) -> str:
    """Up to four earlier articles of the same section."""
    section = item.extra.get("section", "社会")
    earlier = [
        other
        for other in scene.items
        if other.channel == CHANNEL and other.offset < item.offset and other.extra.get("section", "社会") == section
    ]
    links = "".join(
        f'<li><a href="{article_path(scene, other)}">{escape(other.title)}</a></li>' for other in earlier[-4:][::-1]
    )
    return f'<div class="related"><h3>相关新闻</h3><ul>{links}</ul></div>' if links else ""


def _hot_list(scene: Scene, item: Item) -> str:
    """The sidebar as it was when the article went out: the five articles before it."""
    earlier = [other for other in scene.items if other.channel == CHANNEL and other.offset < item.offset]
    links = "".join(
        f'<li><a href="{article_path(scene, other)}">{escape(other.title)}</a></li>' for other in earlier[-5:][::-1]
    )
    return f'<div class="sidebar"><h3>热点排行</h3><ol>{links}</ol></div>'


def render_page(title: str, body: str, *, head: str = "", charset: str | None = "utf-8") -> str:
    """A whole page of the site around ``body``: navigation, header, footer."""
    nav = "".join(f'<li><a href="/news/list_1.html">{name}</a></li>' for name in _NAV)
    meta = f'<meta charset="{charset}">' if charset else ""
    return (
        f'<!DOCTYPE html><html lang="zh-CN"><head>{meta}<title>{escape(title)}_{SITE_NAME}</title>'
        f'<meta name="keywords" content="山东,新闻,{SITE_NAME}">{head}'
        '<link rel="stylesheet" href="/static/css/main.css"><script>var _hmt = _hmt || [];</script></head><body>'
        '<div class="topbar"><a href="#">登录</a> | <a href="#">注册</a> | <a href="#">手机版</a></div>'
        f'<div class="header"><a class="logo" href="/news/">{SITE_NAME}</a>'
        '<form class="search" action="/news/search"><input name="q" placeholder="请输入关键词"><button>搜索</button>'
        f'</form></div><ul class="nav">{nav}</ul><div class="main">{body}</div>'
        f'<div class="footer"><p><a href="#">关于我们</a> | <a href="#">联系我们</a> | <a href="#">版权声明</a></p>'
        f"<p>{SITE_NAME} 版权所有 未经书面授权禁止转载 鲁ICP备2026000001号</p>"
        "<p>违法和不良信息举报电话：0531-00000000</p></div></body></html>"
    )


def _empty_page() -> str:
    """Navigation, breadcrumbs and footer, but no article text at all (a template whose body failed to load)."""
    body = (
        '<div class="breadcrumb">您的位置：<a href="/news/">首页</a> &gt; 正文</div>'
        '<div class="article"><h1></h1><div class="info"></div><div class="article-content"></div></div>'
    )
    return render_page("", body)


def _rare_characters_page() -> str:
    """A GB18030 article with characters outside GBK; served with a UTF-8 header and no meta charset."""
    paragraphs = (
        "记者从济南市公安局获悉，全市户籍管理系统近日完成生僻字升级改造，"
        "“䶮”“𠮷”“𡒄”等过去无法录入的生僻字，现在可以在户籍窗口正常办理。",
        "据介绍，此前部分群众因姓名中含有生僻字，在办理银行卡、乘坐高铁时经常遇到系统无法识别的问题。"
        "此次升级后，系统支持国家标准GB 18030-2022规定的全部汉字。",
        "市民王先生的女儿名字中有一个“𠮷”字，他说：“以前办事总要手写说明，现在终于方便了。”",
    )
    text = "".join(f"<p>{line}</p>" for line in paragraphs)
    body = (
        '<div class="article"><h1>济南户籍系统完成生僻字升级 “𠮷”“䶮”等字可正常录入</h1>'
        '<div class="info"><span class="source">来源：济南日报 记者 孙立 2026-11-23 09:30</span></div>'
        f'<div class="article-content">{text}</div></div>'
    )
    return render_page("济南户籍系统完成生僻字升级", body, charset=None)
