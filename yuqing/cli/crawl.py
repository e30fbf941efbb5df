"""The crawling stage's commands: ``crawl`` (in a child process) and ``sources`` (their health)."""

from __future__ import annotations

import argparse
import logging
from typing import TYPE_CHECKING, Any

from yuqing.cli.args import add_now_option, now_of, parse_now
from yuqing.errors import InputError
from yuqing.instants import format_beijing
from yuqing.runtime import Runtime

if TYPE_CHECKING:
    from crawlers.child import CrawlSummary

logger = logging.getLogger("yuqing")


def register(commands: Any, common: list[argparse.ArgumentParser]) -> None:
    crawl = commands.add_parser(
        "crawl",
        parents=common,
        help="采集各启用来源一次，保存新文档",
        description="在子进程（python -m crawlers）中采集每个启用的来源一次，保存新文档，\n"
        "并按来源汇总：新增、重复、近似重复、丢弃（按原因）、失败和错误。\n"
        "只有所有来源都失败时退出状态为 1。",
    )
    crawl.add_argument("--source", action="append", metavar="NAME", help="只采集这个来源（可重复）")
    add_now_option(crawl)
    crawl.set_defaults(handler=cmd_crawl)

    sources = commands.add_parser(
        "sources",
        parents=common,
        help="查看各来源的采集健康状况",
        description="列出配置中的来源：类型、级别、是否启用、最近成功（北京时间）、连续失败次数、最近错误、\n"
        "24 小时内的文档数；沉寂超过 silence_after（默认六个采集间隔）的来源标为盲区。",
    )
    add_now_option(sources, "以这个时刻计算 24 小时和盲区（默认当前时间）")
    sources.set_defaults(handler=cmd_sources)


def cmd_crawl(args: argparse.Namespace, runtime: Runtime) -> int:
    from crawlers import child

    runtime.ready()
    if args.now:
        parse_now(args.now)
    for name in args.source or []:
        if runtime.config.source(name) is None:
            raise InputError(f"配置中没有名为“{name}”的来源。提示：用 yuqing sources 查看已配置的来源。")
    argv = child.command(
        runtime.config.path, args.source or [], args.now, logging.getLevelName(logging.getLogger().level)
    )
    logger.info("crawl starting child=%s", " ".join(argv[1:]))
    done = child.run(argv)
    if done.returncode == 2 or not done.summaries:
        if done.returncode == 2:
            raise InputError("采集参数有误（见上方错误信息）。")
        print("没有可采集的来源（没有启用的来源，或采集进程异常退出，见日志）。")
        return 0 if done.returncode == 0 else 1
    _print_crawl_table(done.summaries)
    failed = [s for s in done.summaries if s.error]
    for summary in failed:
        print(f"来源“{summary.source}”失败：{summary.error}")
    return 1 if len(failed) == len(done.summaries) else 0


def _print_crawl_table(summaries: list[CrawlSummary]) -> None:
    print("来源\t抓取\t新增\t重复\t近似重复\t更新\t丢弃\t失败\t状态")
    for s in summaries:
        dropped = "、".join(f"{DROP_REASONS.get(k, k)} {v}" for k, v in s.dropped.items()) or "0"
        failed = str(s.failed) + (
            "（" + "、".join(f"{k} {v}" for k, v in s.failures.items()) + "）" if s.failures else ""
        )
        status = "失败" if s.error else "成功"
        print(
            f"{s.source}\t{s.fetched}\t{s.new}\t{s.duplicate}\t{s.near_duplicate}\t"
            f"{s.updated}\t{dropped}\t{failed}\t{status}"
        )


DROP_REASONS = {
    "no_text": "无正文",
    "no_title": "无标题",
    "no_time": "无时间",
    "future_time": "未来时间",
    "filtered": "关键词过滤",
}


def cmd_sources(args: argparse.Namespace, runtime: Runtime) -> int:
    from storage.sources import source_health

    runtime.ready()
    now = now_of(args)
    configured = runtime.config.sources
    with runtime.sessions() as session:
        health = source_health(session, [s.name for s in configured], now)
    print("名称\t类型\t级别\t启用\t最近成功（北京时间）\t连续失败\t最近错误\t24小时文档\t盲区")
    blind = 0
    for source in configured:
        row = health.get(source.name)
        last_success = row.last_success_at if row else None
        last_seen = max(filter(None, (row.last_document_at if row else None, last_success)), default=None)
        is_blind = source.enabled and (last_seen is None or now - last_seen > source.silence_limit)
        blind += is_blind
        print(
            f"{source.name}\t{source.type}\t{source.tier}\t{'是' if source.enabled else '否'}\t"
            f"{format_beijing(last_success)}\t{row.consecutive_failures if row else 0}\t"
            f"{(row.last_error if row and row.last_error else '—')}\t{row.documents_24h if row else 0}\t"
            f"{'盲区' if is_blind else '—'}"
        )
    print(f"共 {len(configured)} 个来源，盲区 {blind} 个（沉寂超过 silence_after，默认六个采集间隔）。")
    logger.info("sources listed=%d blind=%d", len(configured), blind)
    return 0
