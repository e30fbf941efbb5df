"""The console's commands: ``web`` (serve the duty console), ``users`` (accounts) and ``audit`` (the record)."""

from __future__ import annotations

import argparse
import getpass
import logging
import sys
from datetime import UTC, datetime
from typing import Any

from yuqing.cli.args import parse_now
from yuqing.errors import InputError
from yuqing.runtime import Runtime

logger = logging.getLogger("yuqing")


def register(commands: Any, common: list[argparse.ArgumentParser]) -> None:
    web = commands.add_parser(
        "web",
        parents=common,
        help="启动值班台网页（waitress）",
        description="在本机启动值班台网页：值班员登录后查看在办事件与时限、签收、记录回应、更正标注。\n"
        "默认只监听本机回环地址；要让其他电脑访问，请放在单位的反向代理（HTTPS）之后并用 --host 指定。\n"
        "会话密钥从 [web] secret_env 指定的环境变量读取。可以与 yuqing run 同时运行，共用一个数据库。",
    )
    web.add_argument("--host", default="127.0.0.1", help="监听地址（默认 127.0.0.1）")
    web.add_argument("--port", type=int, default=8080, help="端口（默认 8080）")
    web.add_argument("--threads", type=int, default=8, help="工作线程数（默认 8）")
    web.add_argument(
        "--now",
        metavar="ISO",
        help="把网页的“现在”固定在这个时刻（回看或演示：时限、倒计时都按它计算），如 2026-11-27T10:00:00+08:00",
    )
    web.set_defaults(handler=cmd_web)

    users = commands.add_parser(
        "users", parents=common, help="管理值班台账户", description="新建、列出、停用账户，重设密码。"
    )
    actions = users.add_subparsers(dest="users_command", metavar="{add,list,disable,enable,reset-password}")
    actions.required = True
    add = actions.add_parser(
        "add",
        parents=common,
        help="新建账户（密码在提示时输入，不写在命令行上）",
        description="新建账户。角色：duty（值班员）、department（处室，须 --department）、leadership（领导）、"
        "admin（管理员）。\n密码至少 10 个字符，在提示时输入两次；从管道输入时读取标准输入的第一行。",
    )
    add.add_argument("name", metavar="NAME", help="用户名")
    add.add_argument("--role", required=True, help="duty | department | leadership | admin")
    add.add_argument("--department", help="处室账户所属处室（与 config.toml [topics.*] department 一致）")
    add.set_defaults(handler=cmd_users_add)
    listing = actions.add_parser("list", parents=common, help="列出账户")
    listing.set_defaults(handler=cmd_users_list)
    for name, disabled, text in (
        ("disable", True, "停用账户（可再启用；操作记录保留）"),
        ("enable", False, "启用账户"),
    ):
        change = actions.add_parser(name, parents=common, help=text)
        change.add_argument("name", metavar="NAME", help="用户名")
        change.set_defaults(handler=cmd_users_disable, disabled=disabled)
    reset = actions.add_parser("reset-password", parents=common, help="重设密码（在提示时输入）")
    reset.add_argument("name", metavar="NAME", help="用户名")
    reset.set_defaults(handler=cmd_users_reset)

    audit = commands.add_parser(
        "audit",
        parents=common,
        help="查看操作记录（登录、签收、回应、定级、合并、拆分、更正、批注、账户变更）",
        description="按时间顺序打印操作记录。记录只增不改，任何命令和页面都不能删除。",
    )
    audit.add_argument("--since", metavar="ISO", help="只看这个时刻之后的记录，如 2026-11-25T00:00:00+08:00")
    audit.add_argument("--incident", type=int, metavar="ID", help="只看某个事件的记录")
    audit.set_defaults(handler=cmd_audit)


def _now() -> datetime:
    return datetime.now(UTC)


def read_password(prompt: str = "密码：") -> str:
    """Prompted twice on a terminal; the first line of standard input otherwise (scripts, tests)."""
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass(prompt)
    if getpass.getpass("再输入一次：") != first:
        raise InputError("两次输入的密码不一致，账户未改动。")
    return first


def cmd_web(args: argparse.Namespace, runtime: Runtime) -> int:
    import waitress

    from yuqing.web import create_app

    runtime.ready()
    fixed = parse_now(args.now) if args.now else None
    app = create_app(runtime, (lambda: fixed) if fixed is not None else None)
    base = runtime.config.web.base_url
    print(f"值班台已启动：http://{args.host}:{args.port}/ （邮件中的链接前缀：{base}）。按 Ctrl-C 停止。", flush=True)
    logger.info("web serve host=%s port=%d", args.host, args.port)
    waitress.serve(app, host=args.host, port=args.port, threads=args.threads, ident="yuqing")
    return 0


def cmd_users_add(args: argparse.Namespace, runtime: Runtime) -> int:
    from yuqing.web import accounts

    runtime.ready()
    accounts.check_role(args.role, args.department, runtime.config)
    password = read_password()
    account = accounts.add(
        runtime.sessions, runtime.config, args.name, args.role, args.department, password, _now(), accounts.COMMAND_LINE
    )
    print(f"已新建账户 {account.username}。")
    return 0


def cmd_users_list(_args: argparse.Namespace, runtime: Runtime) -> int:
    from yuqing.instants import format_beijing
    from yuqing.vocabulary import ACCOUNT_ROLES
    from yuqing.web import accounts

    runtime.ready()
    found = accounts.listing(runtime.sessions)
    print("用户名\t角色\t处室\t状态\t最近登录（北京时间）")
    for a in found:
        state = "已停用" if a.disabled else "正常"
        last = format_beijing(a.last_login_at) if a.last_login_at else "—"
        print(f"{a.username}\t{ACCOUNT_ROLES.get(a.role, a.role)}\t{a.department or '—'}\t{state}\t{last}")
    print(f"共 {len(found)} 个账户。")
    return 0


def cmd_users_disable(args: argparse.Namespace, runtime: Runtime) -> int:
    from yuqing.web import accounts

    runtime.ready()
    accounts.set_disabled(runtime.sessions, args.name, args.disabled, _now(), accounts.COMMAND_LINE)
    print(f"账户 {args.name} 已{'停用' if args.disabled else '启用'}。")
    return 0


def cmd_users_reset(args: argparse.Namespace, runtime: Runtime) -> int:
    from yuqing.web import accounts

    runtime.ready()
    password = read_password("新密码：")
    accounts.reset_password(runtime.sessions, args.name, password, _now(), accounts.COMMAND_LINE)
    print(f"已重设账户 {args.name} 的密码，并解除锁定。")
    return 0


def cmd_audit(args: argparse.Namespace, runtime: Runtime) -> int:
    from storage import audit
    from yuqing.instants import format_beijing
    from yuqing.vocabulary import AUDIT_ACTIONS
    from yuqing.web.record import describe

    since = parse_now(args.since, "--since") if args.since else None
    runtime.ready()
    with runtime.sessions() as session:
        entries = audit.entries(session, since=since, incident_id=args.incident)
        print("时间（北京时间）\t账户\t操作\t对象\t之前\t之后")
        for e in entries:
            before = describe(e.before).replace("\t", " ").replace("\n", " ")
            after = describe(e.after).replace("\t", " ").replace("\n", " ")
            print(
                f"{format_beijing(e.at)}\t{e.account or '—'}\t{AUDIT_ACTIONS.get(e.action, e.action)}\t"
                f"{e.target or '—'}\t{before}\t{after}"
            )
    print(f"共 {len(entries)} 条记录。")
    return 0
