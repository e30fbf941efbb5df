"""``yuqing backup PATH``: a consistent copy of the live database (``storage.backup``)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from yuqing.errors import InputError
from yuqing.runtime import Runtime


def register(commands: Any, common: list[argparse.ArgumentParser]) -> None:
    backup = commands.add_parser(
        "backup",
        parents=common,
        help="备份数据库（运行中也可，得到某一时刻的一致副本）",
        description="SQLite：用 SQLite 的在线备份接口把正在使用的数据库完整复制到 PATH，守护进程和采集不必停止；\n"
        "副本为单个文件，经完整性检查后才以 PATH 为名保存。PATH 已存在时不覆盖，除非加 --force。\n"
        "恢复：停止守护进程，把副本放回 [database].url 指向的位置（或让 url 指向副本），运行 yuqing status 检查。\n"
        "PostgreSQL：打印对应的 pg_dump 命令（不显示密码，也不代为执行），请在数据库服务器或有 pg_dump 的机器上运行。",
    )
    backup.add_argument("path", metavar="PATH", type=Path, help="备份文件路径，如 /backup/yuqing-2026-11-27.db")
    backup.add_argument("--force", action="store_true", help="PATH 已存在时覆盖它")
    backup.set_defaults(handler=cmd_backup)


def cmd_backup(args: argparse.Namespace, runtime: Runtime) -> int:
    from storage import backup

    url = runtime.config.database.url
    backend = backup.backend_of(url)
    if backend == "postgresql":
        print("PostgreSQL 数据库请用 pg_dump 备份。本命令不代为执行，请运行（密码经 PGPASSWORD 或 ~/.pgpass 提供）：")
        print("  " + backup.pg_dump_command(url, args.path))
        print("恢复（到新建的空数据库，或加 --clean 覆盖原有对象）：")
        print("  " + backup.pg_restore_command(url, args.path))
        return 0
    if backend != "sqlite":
        raise InputError(f"不支持备份 {backend} 数据库：只支持 SQLite 和 PostgreSQL。")
    result = backup.backup_sqlite(url, args.path, force=args.force)
    size = f"{result.size / 1048576:.1f} MB"
    print(
        f"已备份数据库 {result.source} → {result.target}：{result.pages} 页，{size}，"
        f"用时 {result.seconds:.1f} 秒，完整性检查 {result.integrity}。"
    )
    print(
        f"恢复：停止守护进程，把 {result.target} 复制到 {result.source}"
        "（或让 [database].url 指向它），再运行 yuqing status。"
    )
    return 0
