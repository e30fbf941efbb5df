"""The storage stage's commands: ``init-db``, ``ingest`` and ``export``."""

from __future__ import annotations

import argparse
import json
import logging
import re
import sys
from datetime import UTC, datetime
from itertools import islice
from typing import Any

from yuqing.cli.args import open_input
from yuqing.formatting import printable
from yuqing.instants import format_beijing
from yuqing.runtime import Runtime
from yuqing.vocabulary import DOCUMENT_KINDS

logger = logging.getLogger("yuqing")

INGEST_CHUNK = 500
# What json.dumps leaves raw that a terminal acts on: DEL and the C1 controls (CSI starts an escape sequence).
_JSON_UNSAFE = re.compile("[\x7f-\x9f]")


def register(commands: Any, common: list[argparse.ArgumentParser]) -> None:
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
        "kind（news | social | forum | official）, 可选 author, metrics。\n"
        "published_at 应在 1990-01-01 之后、不晚于当前时间之后 1 天；控制字符会被删除；\n"
        "正文超过 config.crawl.max_text_chars（默认 200000）字时截断，并在末尾注明“（正文过长，已截断至 N 字）”。",
    )
    ingest_cmd.add_argument("file", metavar="FILE.jsonl", help="输入文件，- 表示标准输入")
    ingest_cmd.set_defaults(handler=cmd_ingest)

    export = commands.add_parser(
        "export", parents=common, help="导出文档", description="导出已保存的文档（含已有的标注）。"
    )
    export.add_argument("what", choices=["documents"], help="导出的对象：documents（文档）")
    export.add_argument("--json", action="store_true", help="输出 JSON Lines（每行一个文档）")
    export.set_defaults(handler=cmd_export)


def cmd_init_db(_args: argparse.Namespace, runtime: Runtime) -> int:
    from storage.db import migrate

    before, after = migrate(runtime.engine)
    where = runtime.engine.url.render_as_string(hide_password=True)
    if before == after:
        print(f"数据库已是最新版本（{after}）：{where}")
    else:
        print(f"数据库已{'创建' if before is None else '升级'}到版本 {after}：{where}")
    logger.info("init-db url=%s from=%s to=%s", where, before, after)
    return 0


def cmd_ingest(args: argparse.Namespace, runtime: Runtime) -> int:
    from crawlers import neardup
    from storage.db import transaction
    from storage.documents import IngestResult, ingest, parse_lines

    def fingerprints(text: str) -> tuple[int, tuple[int, int, int, int]]:
        fingerprint = neardup.simhash(text)
        return fingerprint, neardup.bands(fingerprint)

    runtime.ready()
    now = datetime.now(UTC)
    known = {s.name: {"type": s.type, "tier": s.tier, "url": s.url} for s in runtime.config.sources}
    total = IngestResult()
    crawl = runtime.config.crawl
    with open_input(args.file) as stream:
        lines = parse_lines(stream, now)
        while chunk := list(islice(lines, INGEST_CHUNK)):
            with transaction(runtime.sessions) as session:
                result = ingest(
                    session,
                    chunk,
                    now,
                    known,
                    fingerprints,
                    crawl.near_duplicate_window,
                    max_text_chars=crawl.max_text_chars,
                )
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


def cmd_export(args: argparse.Namespace, runtime: Runtime) -> int:
    from storage.documents import export, to_json

    runtime.ready()
    count = 0
    with runtime.sessions() as session:
        for document in export(session):
            if args.json:
                line = json.dumps(to_json(document), ensure_ascii=False)
                print(_JSON_UNSAFE.sub(lambda match: f"\\u{ord(match.group()):04x}", line))
            else:
                kind = DOCUMENT_KINDS.get(document.kind, document.kind)
                print(
                    printable(
                        f"{format_beijing(document.published_at)}  {kind}  {document.source.name}  "
                        f"{document.title or document.text[:30]}  {document.url}"
                    )
                )
            count += 1
    if not args.json:
        print(f"共 {count} 条文档（时间为北京时间）。")
    logger.info("export what=documents exported=%d", count)
    return 0
