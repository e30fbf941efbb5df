"""The alerts stage's commands: ``alerts tick``, ``alerts outbox``, ``alerts self-test`` and ``respond``."""

from __future__ import annotations

import argparse
import logging
from collections import Counter
from datetime import datetime
from typing import TYPE_CHECKING, Any

from yuqing.cli.args import add_now_option, now_of, parse_incident_id, parse_now
from yuqing.instants import format_beijing
from yuqing.runtime import Runtime
from yuqing.vocabulary import OUTBOX_STATUSES, RESPONSES, notice_label

if TYPE_CHECKING:
    from alerts.tick import ReplayReport

logger = logging.getLogger("yuqing")


def register(commands: Any, common: list[argparse.ArgumentParser]) -> None:
    alerts = commands.add_parser(
        "alerts",
        parents=common,
        help="预警：检查时限、排队并投递通知",
        description="预警阶段：按存储的时刻推算每起事件的时限，把到期的预警、提醒、超时通知写入发件箱并投递。",
    )
    actions = alerts.add_subparsers(dest="action", title="操作", required=True, parser_class=type(alerts))
    tick_parser = actions.add_parser(
        "tick",
        parents=common,
        help="检查所有时限，排队到期通知，投递发件箱",
        description="检查所有在办事件的时限（5小时权威发布、24小时新闻发布会、持续发布、48小时回应），\n"
        "把到期的预警、升级、提醒、超时、盲区和每日自检通知写入发件箱，然后投递。\n"
        "可重复运行、可多个进程同时运行：每条通知只发一次。有投递失败时退出状态为 1。\n"
        "--now 晚于当前时间（超过 2 分钟）时拒绝执行（退出状态 2）：提前运行会真的发出通知并用掉幂等键；\n"
        "要预演将来某一时刻，加 --replay：只列出将排队和投递的通知，不写发件箱、不投递。",
    )
    add_now_option(tick_parser)
    tick_parser.add_argument(
        "--replay",
        action="store_true",
        help="预演：按 --now（或现在）检查时限，列出将排队和投递的通知，不写发件箱、不投递",
    )
    tick_parser.set_defaults(handler=cmd_tick)

    outbox = actions.add_parser(
        "outbox",
        parents=common,
        help="查看待发送、失败和未确认的通知",
        description="列出发件箱中尚未发送成功的通知：状态、尝试次数、下次尝试时间（北京时间）和最近错误。",
    )
    outbox.add_argument("--all", action="store_true", help="也列出已发送的通知（最近 200 条）")
    outbox.set_defaults(handler=cmd_outbox)

    self_test = actions.add_parser(
        "self-test",
        parents=common,
        help="立即发送通道自检邮件",
        description="立即给值班员发送一封自检邮件并投递，证明邮件通道可用。\n"
        "每日自检按 [schedule].self_test 由 alerts tick 自动发送。",
    )
    add_now_option(self_test)
    self_test.set_defaults(handler=cmd_self_test)

    respond = commands.add_parser(
        "respond",
        parents=common,
        help="记录事件的回应：权威发布、续报或新闻发布会",
        description="记录事件的回应，相应时限随即停止计时，并通知值班员和责任处室。\n"
        "例：yuqing respond 42 --release https://zjt.shandong.gov.cn/art/1.html --at 2026-11-27T06:40 --channel 官网\n"
        "    yuqing respond 42 --press-conference --at 2026-11-27T20:00 --place 省政府新闻办\n"
        "    yuqing respond 42 --release https://zjt.shandong.gov.cn/art/1.html --revoke",
    )
    respond.add_argument("incident", metavar="INCIDENT", help="事件编号（yuqing incidents 可查）")
    which = respond.add_mutually_exclusive_group(required=True)
    which.add_argument("--release", metavar="URL", help="权威信息发布的网址")
    which.add_argument("--follow-up", metavar="URL", help="续报的网址")
    which.add_argument("--press-conference", action="store_true", help="新闻发布会")
    respond.add_argument("--at", metavar="ISO", help="发布或召开的时间（缺省为现在；不带时区按北京时间）")
    respond.add_argument("--channel", metavar="渠道", help="发布渠道，如 官网、官方微博、新闻发布会")
    respond.add_argument("--place", metavar="地点", help="新闻发布会的地点")
    respond.add_argument("--url", metavar="URL", help="新闻发布会的网址（直播或实录）")
    respond.add_argument("--revoke", action="store_true", help="撤销这条记录（如自动采纳有误）")
    add_now_option(respond)
    respond.set_defaults(handler=cmd_respond)


def cmd_tick(args: argparse.Namespace, runtime: Runtime) -> int:
    from alerts import outbox
    from alerts.tick import replay, tick

    # The real time through the outbox's seam, so a test can play the real clock (the future guard reads it too).
    now = parse_now(args.now) if args.now else outbox.wall_clock()
    runtime.ready()
    if args.replay:
        return _print_replay(replay(runtime.sessions, runtime.config, now), now)
    report = tick(runtime.sessions, runtime.config, now, outbox.ReplayClock(now))
    queued = "、".join(f"{notice_label(k)} {n}" for k, n in sorted(report.queued.items())) or "无"
    delivery = report.delivery
    print(f"时限检查（北京时间 {format_beijing(now)}）：在办事件 {report.incidents} 起；新排队通知：{queued}。")
    print(
        f"投递：成功 {delivery.sent}，失败待重试 {delivery.failed}，结果未确认 {delivery.unconfirmed}，"
        f"中断后重新排队 {delivery.requeued}，升级到机器人 {delivery.escalated}。"
    )
    for error in delivery.errors:
        print(error)
    return 1 if delivery.failed else 0


def _print_replay(report: ReplayReport, now: datetime) -> int:
    """Print what a replayed tick (``alerts.tick.replay``) would queue and deliver."""
    queued = "、".join(f"{notice_label(k)} {n}" for k, n in sorted(report.queued.items())) or "无"
    print(f"预演时限检查（北京时间 {format_beijing(now)}）：在办事件 {report.incidents} 起；将排队的通知：{queued}。")
    print("以下均为预演：未写入发件箱，未投递，也未用掉任何幂等键；到时正式的 alerts tick 会照常排队和发送。")
    for title, items in (("将排队", report.would_queue), ("将投递", report.would_send)):
        print(f"{title}的通知 {len(items)} 条：")
        for item in items:
            held = item.due_at is not None and item.due_at > now
            when = f"（暂缓至北京时间 {format_beijing(item.due_at)}）" if held else ""
            print(
                f"  {notice_label(item.kind)}\t事件 {item.incident_id or '—'}\t{item.channel}\t"
                f"收件人 {item.recipients} 个\t{item.subject}{when}"
            )
    return 0


def cmd_outbox(args: argparse.Namespace, runtime: Runtime) -> int:
    from storage import outbox as rows

    runtime.ready()
    with runtime.sessions() as session:
        listed = rows.listing(session, include_sent=args.all)
        counts = rows.counts(session)
    print("编号\t类型\t事件\t渠道\t状态\t尝试\t下次尝试（北京时间）\t主题\t最近错误")
    for row in listed:
        status = OUTBOX_STATUSES.get(row.status, row.status)
        if row.status == "pending" and row.attempts:
            status = "失败待重试"
        print(
            f"{row.id}\t{notice_label(row.kind)}\t{row.incident_id or '—'}\t{row.channel}\t{status}\t"
            f"{row.attempts}\t{format_beijing(row.next_attempt_at) if row.status == 'pending' else '—'}\t"
            f"{row.subject}\t{row.last_error or '—'}"
        )
    summary = Counter({OUTBOX_STATUSES.get(k, k): v for k, v in counts.items()})
    print("合计：" + ("、".join(f"{k} {v}" for k, v in summary.items()) or "发件箱为空"))
    return 0


def cmd_self_test(args: argparse.Namespace, runtime: Runtime) -> int:
    from alerts.outbox import deliver
    from alerts.tick import queue_self_test
    from storage import outbox as rows

    now = now_of(args)
    runtime.ready()
    queue_self_test(runtime.sessions, runtime.config, now, Counter(), manual=True)
    report = deliver(runtime.sessions, runtime.config, now)
    with runtime.sessions() as session:
        self_test = rows.last_sent(session, "self_test")
    print(f"自检邮件已排队并投递：成功 {report.sent}，失败 {report.failed}，未确认 {report.unconfirmed}。")
    for error in report.errors:
        print(error)
    if report.unconfirmed:
        print("未确认：邮件已交给服务器，但连接在服务器确认收到之前中断，无法确认是否送达；请向收件人核实。")
    status = self_test.status if self_test is not None else None
    if status != "sent":
        detail = f"（{self_test.last_error}）" if self_test is not None and self_test.last_error else ""
        print(f"自检未通过：自检邮件状态为“{OUTBOX_STATUSES.get(status or '', '未排队')}”{detail}。")
    return 1 if report.failed or report.unconfirmed or status != "sent" else 0


def cmd_respond(args: argparse.Namespace, runtime: Runtime) -> int:
    from alerts.clocks import describe
    from alerts.respond import record

    now = now_of(args)
    runtime.ready()
    incident_id = parse_incident_id(args.incident)
    at = parse_now(args.at, "--at") if args.at else None
    if args.press_conference:
        kind, url = "press_conference", args.url
    elif args.follow_up:
        kind, url = "follow_up", args.follow_up
    else:
        kind, url = "release", args.release
    result = record(
        runtime.sessions,
        runtime.config,
        incident_id,
        kind,
        now,
        url=url,
        at=at,
        channel=args.channel,
        place=args.place,
        revoke=args.revoke,
    )
    verb = "已撤销" if result.revoked else "已记录"
    when = format_beijing(result.event.at)
    print(f"{verb}事件 {incident_id} 的{RESPONSES[kind]}（北京时间 {when}）。通知已排队，下次 alerts tick 发送。")
    for clock in result.clocks:
        print("  " + describe(clock))
    return 0
