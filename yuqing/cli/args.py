"""What every command shares: the Chinese argument parser, the input opener, the ``--now`` option and the checks
of instants and incident ids given as arguments.

An instant argument (``--now``, ``--at``, ``--since``) must fall in :data:`EARLIEST` .. :data:`LATEST`, and an
incident id in 1 .. :data:`MAX_ID` (the column's INTEGER): anything else is bad input (exit 2) with a Chinese message
naming the argument, never an overflow deep in a stage.
"""

from __future__ import annotations

import argparse
import contextlib
import re
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import IO, Any, NoReturn

from yuqing.errors import InputError
from yuqing.instants import parse_instant

_ARGPARSE_MESSAGES = [
    (r"argument command: invalid choice: (.*) \(choose from (.*)\)", r"未知的命令 \1，可选：\2"),
    (r"the following arguments are required: (.*)", r"缺少参数：\1"),
    (r"unrecognized arguments: (.*)", r"无法识别的参数：\1"),
    (r"argument (\S+): invalid choice: (.*) \(choose from (.*)\)", r"参数 \1 的取值 \2 无效，可选：\3"),
    (r"argument (\S+): expected one argument", r"参数 \1 需要一个值"),
    (r"argument (\S+): invalid (\S+) value: (.*)", r"参数 \1 的值 \3 无效"),
    (r"invalid choice: (.*) \(choose from (.*)\)", r"无效的命令 \1，可选：\2"),
]


class ChineseHelpFormatter(argparse.RawDescriptionHelpFormatter):
    def add_usage(self, usage: Any, actions: Any, groups: Any, prefix: str | None = None) -> None:
        super().add_usage(usage, actions, groups, prefix="用法：" if prefix is None else prefix)


class ArgumentParser(argparse.ArgumentParser):
    """argparse with Chinese headings, help flag and error messages."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", ChineseHelpFormatter)
        kwargs["add_help"] = False
        super().__init__(*args, **kwargs)
        self._positionals.title = "参数"
        self._optionals.title = "选项"
        self.add_argument("-h", "--help", action="help", help="显示本帮助并退出")

    def error(self, message: str) -> NoReturn:
        for pattern, replacement in _ARGPARSE_MESSAGES:
            message = re.sub(pattern, replacement, message)
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}：错误：{message}\n")


@contextlib.contextmanager
def open_input(name: str) -> Iterator[IO[bytes]]:
    """A named input file opened for bytes, or stdin for ``-``; a file that cannot be opened is bad input."""
    if name == "-":
        yield sys.stdin.buffer
        return
    try:
        stream = open(name, "rb")  # noqa: SIM115 - closed below
    except OSError as exc:
        raise InputError(f"无法打开输入文件 {name}：{exc.strerror}") from None
    with stream:
        yield stream


EARLIEST = datetime(1990, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)
MAX_ID = 2**31 - 1

NOW_HELP = "把这个时刻当作现在（回放历史、测试），如 2026-11-27T10:00:00+08:00；不带时区按北京时间"


def add_now_option(parser: argparse.ArgumentParser, help: str = NOW_HELP) -> None:
    """``--now ISO``: the instant a command treats as now (replay, tests); default the real time."""
    parser.add_argument("--now", metavar="ISO", help=help)


def now_of(args: argparse.Namespace) -> datetime:
    """The command's ``--now`` as an aware UTC instant, or the current time without one."""
    return parse_now(args.now) if getattr(args, "now", None) else datetime.now(UTC)


def parse_now(text: str, name: str = "--now") -> datetime:
    """The ``--now`` argument (or the instant argument ``name``) as an aware UTC instant; without an offset it is
    北京时间. Outside 1990 .. 2100 it is bad input."""
    try:
        instant = parse_instant(text)
    except ValueError as exc:
        raise InputError(f"参数 {name} 无效：{exc}") from None
    except OverflowError:  # 0001-01-01T00:00+08:00: valid text, but its UTC instant is before year 1
        instant = None
    if instant is None or not EARLIEST <= instant < LATEST:
        raise InputError(
            f"参数 {name} 无效：时间 {text!r} 超出范围，应在 {EARLIEST.year} 年至 {LATEST.year} 年之间"
        ) from None
    return instant


def parse_incident_id(text: str | int, name: str = "事件编号") -> int:
    """An incident id given as an argument: an integer in 1 .. 2**31-1, else bad input naming ``name``."""
    try:
        number = int(text)
    except (TypeError, ValueError):
        raise InputError(f"{name} {text!r} 无效：应为数字。提示：用 yuqing incidents 查看事件编号。") from None
    if not 1 <= number <= MAX_ID:
        raise InputError(f"{name} {text} 无效：应为 1 至 {MAX_ID} 之间的整数。提示：用 yuqing incidents 查看事件编号。")
    return number
