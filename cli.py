"""The ``yuqing`` command: parse arguments, load the config, build the runtime, call one stage.

Exit status (design.md): 0 success, 2 bad input (a config key, an input line, an argument),
1 failure. Everything printed for a person is Chinese; log lines go to stderr.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import re
import sys
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path
from typing import IO, Any, NoReturn

import config as config_module
from errors import InputError, MonitorError
from scheduler import Runtime, build, configure_logging
from storage.db import ensure_ready, migrate, transaction
from storage.documents import IngestResult, export_query, ingest, parse_lines, to_json
from storage.instants import format_beijing
from vocabulary import DOCUMENT_KINDS

logger = logging.getLogger("yuqing")

INGEST_CHUNK = 500

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

    init_db = commands.add_parser(
        "init-db",
        parents=common,
        help="创建或升级数据库",
        description="创建数据库，或把已有数据库升级到当前结构版本（Alembic 迁移）。",
    )
    init_db.set_defaults(handler=cmd_init_db)

    ingest_cmd = commands.add_parser(
        "ingest",
        parents=common,
        help="从 JSON Lines 文件导入文档",
        description="逐行校验并导入文档（JSON Lines，每行一个对象；- 表示标准输入）。\n"
        "有误的行会报告行号和原因，其余行照常导入；同一网址不会重复保存。\n"
        "字段：url, title, text, published_at（ISO 8601；无时区时按北京时间）, source,\n"
        "kind（news | social | forum | official）, 可选 author, metrics。",
    )
    ingest_cmd.add_argument("file", metavar="FILE.jsonl", help="输入文件，- 表示标准输入")
    ingest_cmd.set_defaults(handler=cmd_ingest)

    export = commands.add_parser(
        "export", parents=common, help="导出文档", description="导出已保存的文档（含已有的标注）。"
    )
    export.add_argument("what", choices=["documents"], help="导出的对象：documents（文档）")
    export.add_argument("--json", action="store_true", help="输出 JSON Lines（每行一个文档）")
    export.set_defaults(handler=cmd_export)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    configure_logging(args.log_level)
    handler: Callable[[argparse.Namespace, Runtime], int] = args.handler
    runtime: Runtime | None = None
    try:
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


def cmd_init_db(_args: argparse.Namespace, runtime: Runtime) -> int:
    before, after = migrate(runtime.engine)
    where = runtime.engine.url.render_as_string(hide_password=True)
    if before == after:
        print(f"数据库已是最新版本（{after}）：{where}")
    else:
        print(f"数据库已{'创建' if before is None else '升级'}到版本 {after}：{where}")
    logger.info("init-db url=%s from=%s to=%s", where, before, after)
    return 0


def cmd_ingest(args: argparse.Namespace, runtime: Runtime) -> int:
    ensure_ready(runtime.engine)
    now = datetime.now(UTC)
    known = {s.name: {"type": s.type, "tier": s.tier, "url": s.url} for s in runtime.config.sources}
    total = IngestResult()
    with _open_input(args.file) as stream:
        lines = parse_lines(stream)
        while chunk := list(islice(lines, INGEST_CHUNK)):
            with transaction(runtime.sessions) as session:
                result = ingest(session, chunk, now, known)
            total.stored += result.stored
            total.duplicates += result.duplicates
            total.rejected += result.rejected
    for error in total.rejected:
        print(f"第 {error.line} 行：{error.reason}", file=sys.stderr)
    name = "标准输入" if args.file == "-" else args.file
    print(f"导入 {name}：新增 {total.stored} 条，重复 {total.duplicates} 条，拒绝 {len(total.rejected)} 条。")
    logger.info(
        "ingest file=%s ingested=%d duplicates=%d rejected=%d",
        args.file,
        total.stored,
        total.duplicates,
        len(total.rejected),
    )
    return 2 if total.rejected else 0


@contextlib.contextmanager
def _open_input(name: str) -> Iterator[IO[bytes]]:
    if name == "-":
        yield sys.stdin.buffer
        return
    try:
        stream = open(name, "rb")  # noqa: SIM115 - closed below
    except OSError as exc:
        raise InputError(f"无法打开输入文件 {name}：{exc.strerror}") from None
    with stream:
        yield stream


def cmd_export(args: argparse.Namespace, runtime: Runtime) -> int:
    ensure_ready(runtime.engine)
    count = 0
    with runtime.sessions() as session:
        for document in session.scalars(export_query().execution_options(yield_per=500)):
            if args.json:
                print(json.dumps(to_json(document), ensure_ascii=False))
            else:
                kind = DOCUMENT_KINDS.get(document.kind, document.kind)
                print(
                    f"{format_beijing(document.published_at)}  {kind}  {document.source.name}  "
                    f"{document.title or document.text[:30]}  {document.url}"
                )
            count += 1
    if not args.json:
        print(f"共 {count} 条文档（时间为北京时间）。")
    logger.info("export what=documents exported=%d", count)
    return 0


if __name__ == "__main__":
    sys.exit(main())
