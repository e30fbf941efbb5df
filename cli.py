"""The ``yuqing`` command: parse arguments, load the config, build the runtime, call one stage.

The sub-commands live with their stages (``storage/commands.py``, ``nlp/commands.py``, …); this module
holds what they share: the Chinese argument parser, ``main`` and the input helpers.

Exit status (design.md): 0 success, 2 bad input (a config key, an input line, an argument),
1 failure. Everything printed for a person is Chinese; log lines go to stderr.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import logging
import re
import sys
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, NoReturn

import config as config_module
from errors import InputError, MonitorError
from scheduler import Runtime, build, configure_logging
from storage.instants import parse_instant

logger = logging.getLogger("yuqing")

# Each stage owns its sub-commands: a module with ``register(commands, common)``, in the order of help.
STAGE_COMMANDS = [
    "storage.commands",
    "nlp.commands",
    "crawlers.commands",
    "incidents.commands",
    "alerts.commands",
    "reports.commands",
    "daemon.commands",
]

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


def _config_option() -> argparse.ArgumentParser:
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument(
        "--config",
        type=Path,
        default=argparse.SUPPRESS,
        metavar="PATH",
        help="配置文件路径（默认 ./config.toml）",
    )
    return parent


def build_parser() -> ArgumentParser:
    parser = ArgumentParser(
        prog="yuqing",
        description="住建舆情监测：采集、研判、预警与报告。每个子命令都接受 --config PATH。",
        epilog="退出状态：0 成功；2 输入有误（配置键、输入行、参数）；1 运行失败。",
    )
    parser.add_argument(
        "--config",
        type=Path,
        default=config_module.DEFAULT_PATH,
        metavar="PATH",
        help="配置文件路径（默认 ./config.toml）",
    )
    parser.add_argument(
        "--log-level",
        default="INFO",
        choices=["DEBUG", "INFO", "WARNING", "ERROR"],
        help="日志级别（日志写到标准错误，默认 INFO）",
    )
    commands = parser.add_subparsers(dest="command", title="命令", required=True, parser_class=ArgumentParser)
    common = [_config_option()]
    for module in STAGE_COMMANDS:
        importlib.import_module(module).register(commands, common)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    configure_logging(args.log_level)
    handler: Callable[[argparse.Namespace, Runtime], int] = args.handler
    runtime: Runtime | None = None
    try:
        if getattr(args, "skip_runtime", False):  # ``demo`` builds its own config and database
            return handler(args, None)  # type: ignore[arg-type]
        runtime = build(config_module.load(args.config))
        return handler(args, runtime)
    except MonitorError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return exc.exit_code
    except BrokenPipeError:
        sys.stderr.close()
        return 0
    except Exception as exc:
        logger.exception("command=%s failed error=%s", args.command, exc)
        print(f"运行失败：{exc}", file=sys.stderr)
        return 1
    finally:
        if runtime is not None:
            runtime.engine.dispose()


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


NOW_HELP = "把这个时刻当作现在（回放历史、测试），如 2026-11-27T10:00:00+08:00；不带时区按北京时间"


def add_now_option(parser: argparse.ArgumentParser, help: str = NOW_HELP) -> None:
    """``--now ISO``: the instant a command treats as now (replay, tests); default the real time."""
    parser.add_argument("--now", metavar="ISO", help=help)


def now_of(args: argparse.Namespace) -> datetime:
    """The command's ``--now`` as an aware UTC instant, or the current time without one."""
    return parse_now(args.now) if getattr(args, "now", None) else datetime.now(UTC)


def parse_now(text: str) -> datetime:
    """The ``--now`` argument as an aware UTC instant; without an offset it is 北京时间."""
    try:
        return parse_instant(text)
    except ValueError as exc:
        raise InputError(f"参数 --now 无效：{exc}") from None


if __name__ == "__main__":
    sys.exit(main())
