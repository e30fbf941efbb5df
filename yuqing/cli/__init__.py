"""The ``yuqing`` command: parse arguments, load the config, build the runtime, call one stage.

One module per command group (``documents``, ``tagger``, ``crawl``, ``incidents``, ``alerts``, ``reports``,
``daemon``), each with ``register(commands, common)`` and its handlers; a handler parses its arguments,
calls the stage's own functions (the same ones the daemon and the console call) and prints. What the
modules share is in ``yuqing.cli.args``.

Exit status (design.md): 0 success, 2 bad input (a config key, an input line, an argument, a path that is a
file where a folder is needed or the other way round, or cannot be opened), 1 failure. Everything printed for a
person is Chinese; log lines go to stderr.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType

from yuqing import config as config_module
from yuqing.cli import alerts, backup, crawl, daemon, documents, incidents, reports, tagger, web
from yuqing.cli.args import ArgumentParser
from yuqing.errors import MonitorError
from yuqing.runtime import Runtime, build, configure_logging

logger = logging.getLogger("yuqing")

# The command groups, in the order of ``yuqing --help``.
COMMAND_GROUPS: tuple[ModuleType, ...] = (documents, tagger, crawl, incidents, alerts, reports, daemon, backup, web)


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
    for group in COMMAND_GROUPS:
        group.register(commands, common)
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
    except (FileExistsError, NotADirectoryError, IsADirectoryError, PermissionError) as exc:
        if exc.filename is None:  # not a path the operator gave: a failure like any other
            logger.exception("command=%s failed error=%s", args.command, exc)
            print(f"运行失败：{exc}", file=sys.stderr)
            return 1
        print(f"错误：{_bad_path(exc)}。提示：检查命令行或配置中给出的路径（如 --out、--config）。", file=sys.stderr)
        return 2
    except Exception as exc:
        logger.exception("command=%s failed error=%s", args.command, exc)
        print(f"运行失败：{exc}", file=sys.stderr)
        return 1
    finally:
        if runtime is not None:
            runtime.dispose()


def _bad_path(exc: OSError) -> str:
    """The Chinese sentence for a path that cannot be used as the command needs it."""
    path = exc.filename
    if isinstance(exc, FileExistsError):
        return f"无法创建目录 {path}：已有同名的文件"
    if isinstance(exc, NotADirectoryError):
        return f"路径 {path} 无法用作目录：它（或它的上一级）是文件"
    if isinstance(exc, IsADirectoryError):
        return f"路径 {path} 是目录，这里需要一个文件"
    return f"没有权限访问 {path}"
