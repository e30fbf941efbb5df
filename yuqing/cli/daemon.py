"""The daemon's commands: ``run`` (the scheduler in the foreground), ``status`` and ``demo``."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path
from typing import Any

from yuqing.cli.args import add_now_option, now_of
from yuqing.runtime import Runtime

logger = logging.getLogger("yuqing")


def register(commands: Any, common: list[argparse.ArgumentParser]) -> None:
    run = commands.add_parser(
        "run",
        parents=common,
        help="启动守护进程：按计划采集、研判、预警（前台运行）",
        description="在前台运行守护进程（APScheduler）：各来源按各自的 interval 采集（每次一个子进程），\n"
        "采到新文档后立即标注、研判并检查时限；每分钟检查时限并投递；每周一 08:30 周报；每日自检。\n"
        "每个任务每次运行记一行日志。SIGTERM 或 Ctrl-C 时干净退出；同一数据库只能运行一个守护进程。",
    )
    run.set_defaults(handler=cmd_run)

    status = commands.add_parser(
        "status",
        parents=common,
        help="查看守护进程、任务、来源、在办事件和发件箱",
        description="显示守护进程是否在运行，各任务上次与下次运行时间和上次结果，各来源健康状况，\n"
        "在办事件及其时限，发件箱积压。",
    )
    add_now_option(status, "以这个时刻计算时限和盲区（默认当前时间）")
    status.set_defaults(handler=cmd_status)

    demo = commands.add_parser(
        "demo",
        parents=common,
        help="在本机模拟网站上演示整个系统（约一分钟，不需联网）",
        description="启动模拟网站和本机邮件服务器，新建演示数据库，按压缩时钟回放一周的舆情：\n"
        "日常新闻、塔吊倒塌事故（较大 → 重大）和征收补偿纠纷；邮件保存为 .eml 文件，最后打印中文小结。",
    )
    demo.add_argument("--dir", type=Path, default=Path(".demo"), metavar="DIR", help="演示目录（默认 .demo）")
    demo.set_defaults(handler=cmd_demo, skip_runtime=True)


def cmd_run(_args: argparse.Namespace, runtime: Runtime) -> int:
    from scheduler import run_daemon

    return run_daemon(runtime)


def cmd_status(args: argparse.Namespace, runtime: Runtime) -> int:
    from yuqing.daemon.status import render

    runtime.ready()
    now = now_of(args)
    with runtime.sessions() as session:
        print(render(runtime.engine, session, runtime.config, now))
    return 0


DEMO_ACCOUNT = ("demo", "demo-duty-2026")  # a duty officer of the demo's own database, on loopback only


def cmd_demo(args: argparse.Namespace, _runtime: Runtime | None) -> int:
    from datetime import UTC, datetime

    from yuqing import config as config_module
    from yuqing.runtime import build
    from yuqing.simweb.corpus import DEFAULT_START
    from yuqing.simweb.demo import STEPS, play
    from yuqing.web import accounts

    status = play(args.dir)
    if status != 0:
        return status
    config_path = args.dir.resolve() / "config.toml"
    runtime = build(config_module.load(config_path))
    try:
        username, password = DEMO_ACCOUNT
        accounts.add(
            runtime.sessions, runtime.config, username, "duty", None, password, datetime.now(UTC), accounts.COMMAND_LINE
        )
    finally:
        runtime.dispose()
    end = (DEFAULT_START + STEPS[-1]).isoformat()
    print(f"值班台：运行 make console（即 yuqing --config {config_path} web --now {end}），", flush=True)
    print(
        f"  然后在浏览器打开 http://127.0.0.1:8080/ ，用户名 {username}，密码 {password}（仅用于本机演示）。",
        flush=True,
    )
    return 0
