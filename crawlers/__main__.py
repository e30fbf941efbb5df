"""``python -m crawlers``: crawl the chosen enabled sources once, in one scrapy process, and report.

Step 1–3 of a post's path. ``yuqing crawl`` (and the scheduler) start this module as a child process, because
Twisted's reactor cannot be restarted. Every source gets its own scrapy ``Crawler`` (its own settings: robots,
headers, proxy); all run in one ``CrawlerProcess``. Afterwards the outcome of each source is written on its
``sources`` row (health) and printed to stdout as one JSON line::

    {"source": …, "fetched": n, "new": n, "duplicate": n, "near_duplicate": n, "updated": n,
     "dropped": {reason: n}, "failed": n, "failures": {reason: n}, "error": "…" | null}

With a shared queue (``[crawl] queue = "redis"``, ``crawlers.shared``) Redis is asked first: when it does not
answer, every chosen source fails with a message saying so, and no crawler starts.

Exit status: 0 when at least one source succeeded, 1 when every source failed, 2 on bad input.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import threading
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import redis
from scrapy import signals
from scrapy.crawler import Crawler, CrawlerProcess
from scrapy.settings import Settings
from scrapy.utils.log import failure_to_exc_info
from scrapy.utils.reactor import install_reactor
from twisted.python.failure import Failure

from crawlers import settings as crawl_settings
from crawlers import shared
from crawlers.child import CrawlSummary
from crawlers.spiders import SPIDERS
from storage.db import ensure_ready, make_engine, session_factory, transaction
from storage.sources import ensure_source, record_attempt, source_id
from yuqing import config as config_module
from yuqing.config import Config, SourceConfig
from yuqing.errors import InputError, MonitorError
from yuqing.instants import parse_instant

logger = logging.getLogger("crawlers")


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        config = config_module.load(args.config)
        now = parse_instant(args.now) if args.now else datetime.now(UTC)
        sources = choose(config, args.source)
    except (MonitorError, ValueError) as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return exc.exit_code if isinstance(exc, MonitorError) else 2
    engine = make_engine(config.database.url)
    try:
        ensure_ready(engine)
    except MonitorError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return exc.exit_code
    finally:
        engine.dispose()
    stop_with_parent()
    summaries = crawl(config, sources, now, args.log_level)
    for summary in summaries:
        print(json.dumps(summary.to_json(), ensure_ascii=False), flush=True)
    return 1 if summaries and all(s.error for s in summaries) else 0


def stop_with_parent(every: float = 1.0) -> None:
    """Stop cleanly (SIGTERM to ourselves: scrapy closes, every stored post is its own transaction) when the
    process that started us dies. A daemon killed with SIGKILL would otherwise leave this crawl running
    beside the crawl its successor starts for the same source."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            threading.Event().wait(every)
        logger.warning("parent process %d is gone; stopping the crawl", parent)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def choose(config: Config, names: list[str] | None) -> list[SourceConfig]:
    """The enabled sources called ``names`` (all enabled sources when none are named)."""
    if not names:
        return [source for source in config.sources if source.enabled]
    chosen = []
    for name in names:
        source = config.source(name)
        if source is None:
            known = "、".join(s.name for s in config.sources) or "（无）"
            raise InputError(f"配置中没有名为“{name}”的来源。可选：{known}")
        if not source.enabled:
            raise InputError(f"来源“{name}”已停用（enabled = false）。提示：在 config.toml 中启用后再采集。")
        chosen.append(source)
    return chosen


def crawl(config: Config, sources: list[SourceConfig], now: datetime, log_level: str = "INFO") -> list[CrawlSummary]:
    """Run one CrawlerProcess over ``sources``; record each source's health; return the summaries."""
    problem = shared.unreachable(config.redis_url) if config.redis_url and sources else None
    summaries = (
        [not_started(source, problem) for source in sources] if problem else _run(config, sources, now, log_level)
    )
    _record_health(config, summaries, now)
    for summary in summaries:
        logger.info(
            "crawl source=%s fetched=%d new=%d duplicate=%d near_duplicate=%d dropped=%d failed=%d error=%s",
            summary.source,
            summary.fetched,
            summary.new,
            summary.duplicate,
            summary.near_duplicate,
            sum(summary.dropped.values()),
            summary.failed,
            summary.error,
        )
    return summaries


def _run(config: Config, sources: list[SourceConfig], now: datetime, log_level: str) -> list[CrawlSummary]:
    install_reactor(crawl_settings.TWISTED_REACTOR)
    process = CrawlerProcess(Settings({"LOG_LEVEL": log_level, **_process_settings()}), install_root_handler=True)
    crawlers: list[tuple[SourceConfig, Crawler]] = []
    item_errors: dict[str, int] = {}
    spider_errors: dict[str, int] = {}
    for source in sources:
        settings = Settings(crawl_settings.for_source(config, source, now.isoformat()))
        settings.set("LOG_LEVEL", log_level)
        crawler = Crawler(SPIDERS[source.type], settings)
        crawler.signals.connect(_counter(item_errors, source.name), signal=signals.item_error)
        crawler.signals.connect(_counter(spider_errors, source.name), signal=signals.spider_error)
        process.crawl(crawler).addErrback(_start_failed, crawler, source)
        crawlers.append((source, crawler))
    process.start()
    return [
        summarize(source, crawler, item_errors.get(source.name, 0), spider_errors.get(source.name, 0))
        for source, crawler in crawlers
    ]


def summarize(source: SourceConfig, crawler: Crawler, item_errors: int, spider_errors: int = 0) -> CrawlSummary:
    """One source's counts, from its crawler's stats."""
    stats: dict[str, Any] = crawler.stats.get_stats() if crawler.stats else {}
    dropped = {key.rsplit("/", 1)[1]: value for key, value in stats.items() if key.startswith("yuqing/dropped/")}
    failures = {key.rsplit("/", 1)[1]: value for key, value in stats.items() if key.startswith("yuqing/failures/")}
    spider = crawler.spider
    error = getattr(spider, "error", None)
    if spider is None:
        error = "采集器没有启动（见日志）。"
    elif error is None and stats.get("finish_reason") not in (None, "finished"):
        error = f"采集异常结束（{stats.get('finish_reason')}）。提示：查看日志。"
    if error is None and spider_errors:
        error = (
            f"采集器在解析页面时出错 {spider_errors} 次（页面结构可能已改变）。"
            "提示：查看日志中的 Spider error，调整 selectors。"
        )
    if item_errors:
        failures["item_error"] = item_errors
    if spider_errors:
        failures["spider_error"] = spider_errors
    return CrawlSummary(
        source=source.name,
        type=source.type,
        fetched=int(stats.get("yuqing/fetched", 0)),
        new=int(stats.get("yuqing/new", 0)),
        duplicate=int(dropped.pop("duplicate", 0)),
        near_duplicate=int(stats.get("yuqing/near_duplicate", 0)),
        updated=int(stats.get("yuqing/updated", 0)),
        not_modified=int(stats.get("yuqing/not_modified", 0)),
        requests=int(stats.get("downloader/request_count", 0)),
        dropped=dict(sorted(dropped.items())),
        failed=int(stats.get("yuqing/failed", 0)) + item_errors + spider_errors,
        failures=dict(sorted(failures.items())),
        error=error,
    )


def not_started(source: SourceConfig, error: str) -> CrawlSummary:
    """The summary of a source that could not be crawled at all."""
    return CrawlSummary(source=source.name, type=source.type, error=error)


def _start_failed(failure: Failure, crawler: Crawler, source: SourceConfig) -> None:
    """A crawler that could not open (its scheduler's Redis went away, say): fail its source, not the process."""
    logger.error("crawler did not start source=%s", source.name, exc_info=failure_to_exc_info(failure))
    first = failure.value if failure.value is not None else RuntimeError(str(failure))
    chain: list[BaseException] = [first]  # scrapy's clean-up after a failed start raises its own error
    while (earlier := chain[-1].__cause__ or chain[-1].__context__) is not None:
        chain.append(earlier)
    cause = next((error for error in chain if isinstance(error, redis.RedisError)), chain[-1])
    fail = getattr(crawler.spider, "fail", None)
    if fail is not None:
        fail(f"采集器启动失败（{type(cause).__name__}: {cause}）。提示：查看日志。")


def _record_health(config: Config, summaries: list[CrawlSummary], now: datetime) -> None:
    engine = make_engine(config.database.url)
    try:
        with transaction(session_factory(engine)) as session:
            for summary in summaries:
                source = config.source(summary.source)
                assert source is not None
                known = {"type": source.type, "tier": source.tier, "url": source.url}
                row = source_id(session, source.name) or ensure_source(session, source.name, now, **known)
                record_attempt(session, row, now, summary.error)
    finally:
        engine.dispose()


def _counter(counts: dict[str, int], name: str) -> Any:
    def count(**_: Any) -> None:
        counts[name] = counts.get(name, 0) + 1

    return count


def _process_settings() -> dict[str, Any]:
    return {"TELNETCONSOLE_ENABLED": False, "TWISTED_REACTOR": crawl_settings.TWISTED_REACTOR}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m crawlers", description="采集所选来源一次，每个来源输出一行 JSON 汇总。"
    )
    parser.add_argument("--config", default=str(config_module.DEFAULT_PATH), metavar="PATH", help="配置文件路径")
    parser.add_argument("--source", action="append", metavar="NAME", help="只采集这个来源（可重复）")
    parser.add_argument("--now", metavar="ISO", help="把这个时刻当作现在（相对时间、未来时间检查）")
    parser.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    return parser


if __name__ == "__main__":
    sys.exit(main())
