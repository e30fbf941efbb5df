"""The simulated web: a local HTTP server that serves a hand-written corpus as the web our crawlers read.

Used by crawler tests, ``make demo`` and benchmarks. A scenario clock decides what is published: an item
appears everywhere (lists, feeds, search, its own page) once ``start + item.offset <= now``, and nowhere
before. ::

    from yuqing.simweb import SimWeb
    with SimWeb(start=DEFAULT_START) as web:        # web.url == "http://127.0.0.1:PORT"
        web.set_now(DEFAULT_START + timedelta(days=4, hours=20))
        ...                                          # crawl web.url; web.hits["/news/list_1.html"]

Standalone: ``python -m simweb --start 2026-11-23T08:00:00+08:00 --speed 60``.

URL map (relative to ``web.url``; these paths are stable, crawler configs and tests rely on them):

| path | what |
| --- | --- |
| ``/robots.txt`` | ``Disallow: /news/private/`` |
| ``/news/``, ``/news/list_N.html`` | provincial news list, 20 a page, newest first, with a 下一页 link |
| ``/news/YYYY/MM/DD/<id>.html`` | article: ``<h1>``, ``来源：… 2026-11-25 10:20``, ``div.article-content`` (1) |
| ``/news/private/…`` | disallowed by robots.txt (a polite crawler never fetches it) |
| ``/news/empty.html`` | nav and footer, no body text |
| ``/news/gb18030-as-utf8.html`` | GB18030 bytes, header says UTF-8, no meta |
| ``/city/``, ``/city/index.html``, ``/city/index_N.html`` | city news list, 15 a page |
| ``/city/content/YYYY-MM/DD/content_<id>.htm`` | city article: ``发布时间：2026年11月25日 10:20``, ``div#content`` |
| ``/feeds/rss.xml`` | RSS 2.0 of ``/news/`` (30 latest) |
| ``/feeds/rss1.rdf`` | RSS 1.0 of ``/city/`` (30 latest) |
| ``/feeds/atom.xml`` | Atom of both news sites (30 latest) |
| ``/weibo/api/container/getIndex?…`` (2) | Weibo mobile search JSON, 10 a page |
| ``/weibo/status/<mid>`` | one post's page (the ``scheme`` of its card) |
| ``/weibo/login`` | the login wall (keyword ``登录墙`` redirects here) |
| ``/weibo/html`` | an API path answering HTML |
| ``/board/list?page=N``, ``/board/detail?id=<id>`` | message board, 15 a page; reply shown once published |
| ``/official/``, ``/official/index.html`` | the department's releases |
| ``/official/art/YYYY/MM/DD/art_<id>.html`` | a release: ``发布时间：``, ``信息来源：省住房城乡建设厅``, ``div#zoom`` |
| ``/official/rss.xml`` | RSS 2.0 of the releases |
| ``/status/<code>`` | that status (200–599) |
| ``/flaky/<key>`` | 503 twice per key, then an article |
| ``/slow?seconds=S`` | answers after S seconds (at most 30) |
| ``/reset`` | connection dropped without an answer |
| ``/redirect-loop`` | redirects to itself |
| ``/huge`` | 20 MiB HTML, streamed |
| ``/feeds/invalid.xml``, ``/feeds/bomb.xml`` | malformed XML; billion-laughs bomb |

(1) served as UTF-8, as GBK (meta and header), as GB18030 mislabelled UTF-8 in the header, or with no charset.
(2) ``?containerid=100103type%3D1%26q%3D<keyword>&page_type=searchall&page=N``.

Weibo test keywords: ``登录墙`` (302 to the login page), ``封禁`` (418), ``怪形状`` (unknown JSON shape),
``缺字段`` (a card without ``user`` and ``created_at``). Every list, feed and article carries ETag and
Last-Modified and answers a matching conditional request with 304.

The corpus (``simweb/data/*.jsonl``, see ``simweb.corpus``) is written for :data:`DEFAULT_START`; it holds
two storylines: the tower-crane collapse in 临沂市兰山区 (``story == "crane"``, day 5 03:10) and the
compensation dispute in 济南市章丘区 (``story == "expropriation"``, day 2).
"""

from __future__ import annotations

from yuqing.instants import BEIJING
from yuqing.simweb.corpus import DEFAULT_START, Expected, Item, load_items
from yuqing.simweb.server import HitCounter, SimWeb

__all__ = ["BEIJING", "DEFAULT_START", "Expected", "HitCounter", "Item", "SimWeb", "load_items"]
