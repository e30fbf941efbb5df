"""Crawl speed: pages/s and stored documents/s against the simulated web, with ``scrapy bench`` as the baseline.

    .venv/bin/python bench/crawl.py [--articles N] [--seconds S] [--profile FILE]

The simulated web runs in this process on 127.0.0.1, its corpus multiplied (``simweb.bulk``) to about
``--articles`` items, its scenario clock at the end of the scenario so everything is visible. Our crawler runs
the way production runs it: ``python -m crawlers`` as a child process, one source of each type (a paged site, a
feed, the official list, the message board and Weibo search), full extraction, dedup and storage into a fresh
SQLite database in a temporary folder. Pages are counted by the server (every answered request, robots.txt
included); the rate is over the crawl window, from the first request to the last answer, so it leaves out the
child's start-up, as scrapy's own figure does (the whole-process figure is printed too).

The baseline, measured in the same run on the same machine: the installed scrapy's ``scrapy bench`` (its own
link-following spider against its own local server, no extraction, no storage) for ``--seconds`` seconds, run
from a temporary folder so our scrapy.cfg is not picked up. Its figure is ``downloader/response_count`` divided by
``elapsed_time_seconds`` from its final stats (the same definition as ours); the median of its per-second
``Crawled N pages (at X pages/min)`` lines after the first is printed beside it.

The politeness settings are the bench's own: AutoThrottle off and 8 concurrent requests per source, which a
loopback server allows; production keeps the defaults of config.toml (AutoThrottle on, 2 per domain).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from crawlers import child as crawl_child  # noqa: E402
from crawlers.child import CrawlSummary  # noqa: E402

TARGET = 0.5
CONCURRENCY_PER_DOMAIN = 8
WEIBO_KEYWORDS = ("塔吊", "临沂", "济南", "房")
_STATS_LINE = re.compile(r"Crawled (\d+) pages \(at (\d+) pages/min\)")


@dataclass(frozen=True)
class CrawlRun:
    pages: int
    requests: int
    stored: int
    in_database: int
    window: float
    wall: float
    crawler_cpu: float
    server_cpu: float
    summaries: list[CrawlSummary]


@dataclass(frozen=True)
class ScrapyBench:
    pages: int
    elapsed: float
    interval_median: float

    @property
    def rate(self) -> float:
        return self.pages / self.elapsed


class ServerWindow:
    """Wraps a SimWeb's request handler to note the first request and the last answer (monotonic seconds)."""

    def __init__(self, web: Any) -> None:
        self.first: float | None = None
        self.last: float | None = None
        self._lock = threading.Lock()
        inner = web.handle

        def handle(request: Any) -> Any:
            with self._lock:
                if self.first is None:
                    self.first = time.monotonic()
            response = inner(request)
            with self._lock:
                self.last = time.monotonic()
            return response

        web.handle = handle

    @property
    def seconds(self) -> float:
        return (self.last or 0.0) - (self.first or 0.0)


def rate(count: float, seconds: float) -> float:
    return count / seconds if seconds else float("inf")


def sources_toml(url: str, items: tuple[Any, ...]) -> str:
    """One source of each type over the whole bulk corpus; page limits high enough to reach every item."""
    counts = {channel: sum(1 for item in items if item.channel == channel) for channel in ("news", "board", "weibo")}
    tables = [
        ("站点-新闻", "site", f"{url}/news/", "provincial", {"max_pages": counts["news"] // 20 + 2}),
        ("订阅-城市", "feed", f"{url}/feeds/rss1.rdf", "local", {}),
        ("官方-发布", "official", f"{url}/official/index.html", "official", {}),
        ("留言板", "board", f"{url}/board/list", "local", {"max_pages": counts["board"] // 15 + 2}),
        (
            "微博搜索",
            "weibo",
            f"{url}/weibo/api/container/getIndex",
            "self_media",
            {"keywords": list(WEIBO_KEYWORDS), "pages": counts["weibo"] // 10 + 2},
        ),
    ]
    out = []
    for name, kind, address, tier, extra in tables:
        lines = [f'[[sources]]\nname = "{name}"\ntype = "{kind}"\nurl = "{address}"\ntier = "{tier}"']
        lines += [f"{key} = {json.dumps(value, ensure_ascii=False)}" for key, value in extra.items()]
        out.append("\n".join(lines))
    return "\n\n".join(out) + "\n"


def write_config(folder: Path, url: str, items: tuple[Any, ...]) -> tuple[Path, str]:
    database = f"sqlite:///{folder / 'bench.db'}"
    crawl = (
        "[crawl]\n"
        'download_timeout = "10s"\n'
        "retries = 1\n"
        'retry_backoff = "0s"\n'
        "autothrottle = false\n"
        f"concurrency_per_domain = {CONCURRENCY_PER_DOMAIN}\n"
    )
    path = folder / "config.toml"
    path.write_text(f'[database]\nurl = "{database}"\n\n{crawl}\n{sources_toml(url, items)}', encoding="utf-8")
    return path, database


def child_environment() -> dict[str, str]:
    """Our environment without YUQING_* variables, so nothing redirects the bench's database."""
    return {name: value for name, value in os.environ.items() if not name.startswith("YUQING_")}


def run_crawler(articles: int, profile: Path | None) -> tuple[CrawlRun, int, int]:
    from sqlalchemy import func, select

    from storage.db import make_engine, migrate
    from storage.models import Document
    from yuqing.simweb import DEFAULT_START, SimWeb, load_items
    from yuqing.simweb.bulk import copies_for, multiply
    from yuqing.simweb.corpus import SCENARIO_LENGTH

    corpus = load_items()
    items = multiply(corpus, copies_for(len(corpus), articles))
    now = DEFAULT_START + SCENARIO_LENGTH
    with tempfile.TemporaryDirectory(prefix="bench-crawl-") as folder, SimWeb(DEFAULT_START, items=items) as web:
        web.set_now(now)
        config, database = write_config(Path(folder), web.url, items)
        engine = make_engine(database)
        migrate(engine)
        window = ServerWindow(web)
        command = crawl_child.command(config, (), now, "INFO")
        if profile is not None:
            command[1:1] = ["-m", "cProfile", "-o", str(profile)]
        started, children, own = time.perf_counter(), _cpu(resource.RUSAGE_CHILDREN), time.process_time()
        with tempfile.TemporaryFile(mode="w+") as log:
            done = crawl_child.run(command, env=child_environment(), stderr=log)
            wall = time.perf_counter() - started
            crawler_cpu, server_cpu = _cpu(resource.RUSAGE_CHILDREN) - children, time.process_time() - own
            if done.returncode != 0:
                log.seek(0)
                sys.stderr.write(log.read()[-5000:])
                raise SystemExit(f"采集子进程失败，退出状态 {done.returncode}")
        summaries = done.summaries
        with engine.connect() as connection:
            in_database = int(connection.scalar(select(func.count()).select_from(Document)) or 0)
        engine.dispose()
        run = CrawlRun(
            pages=web.hits.total(),
            requests=sum(s.requests for s in summaries),
            stored=sum(s.new for s in summaries),
            in_database=in_database,
            window=window.seconds,
            wall=wall,
            crawler_cpu=crawler_cpu,
            server_cpu=server_cpu,
            summaries=summaries,
        )
    return run, len(items), len(corpus)


def _cpu(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def run_scrapy_bench(seconds: float) -> ScrapyBench:
    """``scrapy bench`` of the installed scrapy, from an empty temporary folder."""
    with tempfile.TemporaryDirectory(prefix="bench-scrapy-") as folder:
        command = [sys.executable, "-m", "scrapy", "bench", "-s", f"CLOSESPIDER_TIMEOUT={seconds:g}"]
        environment = {name: value for name, value in child_environment().items() if not name.startswith("SCRAPY_")}
        done = subprocess.run(
            command, cwd=folder, env=environment, capture_output=True, text=True, timeout=seconds + 120, check=False
        )
    log = done.stderr + done.stdout
    pages = re.search(r"'downloader/response_count': (\d+)", log)
    elapsed = re.search(r"'elapsed_time_seconds': ([\d.]+)", log)
    if done.returncode != 0 or pages is None or elapsed is None:
        sys.stderr.write(log[-5000:])
        raise SystemExit("scrapy bench 没有给出统计数据（见上方日志）")
    per_interval = [int(match.group(2)) / 60 for match in _STATS_LINE.finditer(log)][2:]  # after warm-up
    median = statistics.median(per_interval) if per_interval else float("nan")
    return ScrapyBench(int(pages.group(1)), float(elapsed.group(1)), median)


def main() -> int:
    parser = argparse.ArgumentParser(description="采集速度基准：模拟网站上的页面/秒、入库文档/秒，对照 scrapy bench")
    parser.add_argument("--articles", type=int, default=2000, help="模拟网站上的条目数（大约，默认 %(default)s）")
    parser.add_argument("--seconds", type=float, default=10.0, help="scrapy bench 的运行秒数（默认 %(default)s）")
    parser.add_argument("--profile", type=Path, default=None, help="用 cProfile 运行采集子进程，结果写入此文件")
    args = parser.parse_args()

    load = os.getloadavg()[0]
    baseline = run_scrapy_bench(args.seconds)
    ours, total_items, corpus_items = run_crawler(args.articles, args.profile)

    print(f"机器：{os.cpu_count()} 核，开始时 1 分钟平均负载 {load:.2f}（其他进程占用 CPU 时两项读数都会偏低）")
    print(f"模拟网站：{total_items} 条（自有语料 {corpus_items} 条扩增），场景时钟在场景结束时，全部可见")
    print(
        f"礼让设置（基准专用，回环地址允许）：autothrottle = false，concurrency_per_domain = {CONCURRENCY_PER_DOMAIN}；"
        "生产配置默认 autothrottle = true、concurrency_per_domain = 2"
    )
    for s in ours.summaries:
        print(
            f"  {s.source}（{s.type}）：请求 {s.requests}，抓取 {s.fetched}，新增 {s.new}，"
            f"重复 {s.duplicate}，近似重复 {s.near_duplicate}，丢弃 {sum(s.dropped.values())}，"
            f"失败 {s.failed}，错误 {s.error or '无'}"
        )
    page_rate = rate(ours.pages, ours.window)
    print(
        f"本项目采集（提取+去重+入库）：{ours.pages} 页（服务器应答数；采集器请求 {ours.requests} 次），"
        f"入库 {ours.stored} 条（数据库中 {ours.in_database} 条），"
        f"采集窗口 {ours.window:.1f} s，整个子进程 {ours.wall:.1f} s"
    )
    print(f"  CPU：采集子进程 {ours.crawler_cpu:.1f} s，模拟网站（本进程）{ours.server_cpu:.1f} s")
    print(
        f"  {page_rate:,.1f} 页/秒，{rate(ours.stored, ours.window):,.1f} 条/秒"
        f"（含子进程启动：{rate(ours.pages, ours.wall):,.1f} 页/秒，{rate(ours.stored, ours.wall):,.1f} 条/秒）"
    )
    print(
        f"基线 scrapy bench（{args.seconds:g} s，不提取不入库）：{baseline.pages} 页 / {baseline.elapsed:.1f} s = "
        f"{baseline.rate:,.1f} 页/秒（预热后每秒读数的中位数 {baseline.interval_median:,.1f} 页/秒）"
    )
    ratio = page_rate / baseline.rate
    verdict = "达标" if ratio >= TARGET else "未达标"
    print(f"页面速度之比 本项目 / scrapy bench = {ratio:.2f}（目标 ≥ {TARGET}）：{verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
