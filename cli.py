"""The ``yuqing`` command: parse arguments, load the config, build the runtime, call one stage.

Exit status (design.md): 0 success, 2 bad input (a config key, an input line, an argument),
1 failure. Everything printed for a person is Chinese; log lines go to stderr.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import re
import subprocess
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
from vocabulary import DOCUMENT_KINDS, TOPICS

logger = logging.getLogger("yuqing")

INGEST_CHUNK = 500
CLASSIFY_CHUNK = 64

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

    train = commands.add_parser(
        "train",
        parents=common,
        help="用自有语料训练议题与情感模型",
        description="用 nlp/data/corpus 中的自有语料训练模型，\n"
        "写入模型文件和元数据（版本、语料哈希、阈值、交叉验证得分）。",
    )
    train.add_argument("--corpus", type=Path, default=None, metavar="DIR", help="语料目录（默认 nlp/data/corpus）")
    train.add_argument("--out", type=Path, default=None, metavar="DIR", help="模型输出目录（默认 nlp/model）")
    train.set_defaults(handler=cmd_train)

    evaluate = commands.add_parser(
        "evaluate",
        parents=common,
        help="在带标注的 JSON Lines 文件上评估标注器",
        description="逐议题输出精确率、召回率、F1，议题宏平均 F1，相关性（任一议题 vs 无议题）和情感得分。\n"
        "每行需有 text（可另有 title）、topics（议题键列表）、sentiment。",
    )
    evaluate.add_argument("file", metavar="FILE.jsonl", help="带标注的文件")
    evaluate.add_argument("--json", action="store_true", help="输出 JSON 而不是表格")
    evaluate.set_defaults(handler=cmd_evaluate)

    classify = commands.add_parser(
        "classify",
        parents=common,
        help="对 JSON Lines 文本逐行标注",
        description='每行输入 {"text": …} 或 {"title": …, "text": …}（可选 published_at），\n'
        "每行输出一个 JSON 对象：topics、scores、sentiment、places、casualties。有误的行输出 error 并报告行号。",
    )
    classify.add_argument("file", nargs="?", default="-", metavar="FILE.jsonl", help="输入文件（默认标准输入）")
    classify.set_defaults(handler=cmd_classify)

    tag = commands.add_parser(
        "tag",
        parents=common,
        help="标注所有未标注的文档",
        description="分批标注数据库中尚未标注的文档，多进程利用所有核心。",
    )
    tag.add_argument("--workers", type=int, default=os.cpu_count() or 1, metavar="N", help="进程数（默认为核心数）")
    tag.add_argument("--batch", type=int, default=500, metavar="N", help="每批文档数（默认 500）")
    tag.set_defaults(handler=cmd_tag)

    crawl = commands.add_parser(
        "crawl",
        parents=common,
        help="采集各启用来源一次，保存新文档",
        description="在子进程（python -m crawlers）中采集每个启用的来源一次，保存新文档，\n"
        "并按来源汇总：新增、重复、近似重复、丢弃（按原因）、失败和错误。\n"
        "只有所有来源都失败时退出状态为 1。",
    )
    crawl.add_argument("--source", action="append", metavar="NAME", help="只采集这个来源（可重复）")
    crawl.add_argument(
        "--now", metavar="ISO", help="把这个时刻当作现在（回放历史、测试），如 2026-11-25T10:00:00+08:00"
    )
    crawl.set_defaults(handler=cmd_crawl)

    sources = commands.add_parser(
        "sources",
        parents=common,
        help="查看各来源的采集健康状况",
        description="列出配置中的来源：类型、级别、是否启用、最近成功（北京时间）、连续失败次数、最近错误、\n"
        "24 小时内的文档数；沉寂超过 silence_after（默认六个采集间隔）的来源标为盲区。",
    )
    sources.add_argument("--now", metavar="ISO", help="以这个时刻计算 24 小时和盲区（默认当前时间）")
    sources.set_defaults(handler=cmd_sources)
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


def cmd_train(args: argparse.Namespace, _runtime: Runtime) -> int:
    from nlp import model
    from nlp.corpus import CORPUS_DIR
    from nlp.segment import Segmenter

    trained = model.train(Segmenter(), datetime.now(UTC).date(), args.corpus or CORPUS_DIR)
    out = args.out or model.MODEL_DIR
    model.save(trained, out)
    meta = trained.metadata
    cv = meta["cross_validated"]
    print(f"模型已训练并保存到 {out}（版本 {meta['version']}，语料 {meta['examples']} 条）。")
    print(f"交叉验证：议题宏平均 F1 {cv['topics_macro_f1']:.3f}，情感宏平均 F1 {cv['sentiment']['macro_f1']:.3f}")
    for topic, scores in cv["topics"].items():
        print(f"  {TOPICS[topic]}：阈值 {meta['thresholds'][topic]:.3f}，F1 {scores['f1']:.3f}")
    logger.info("train version=%s examples=%d macro_f1=%.4f", meta["version"], meta["examples"], cv["topics_macro_f1"])
    return 0


def cmd_evaluate(args: argparse.Namespace, _runtime: Runtime) -> int:
    from nlp.corpus import CorpusError, read_examples
    from nlp.evaluate import render, score
    from nlp.tagger import Post, Tagger

    path = Path(args.file)
    if not path.is_file():
        raise InputError(f"找不到评估文件 {path}")
    try:
        examples = read_examples([path])
    except CorpusError as exc:
        raise InputError(str(exc)) from None
    tagger = Tagger.load()
    tags = []
    for start in range(0, len(examples), 256):
        tags += tagger.tag_many([Post(text=e.text) for e in examples[start : start + 256]])
    report = score(examples, [t.topics for t in tags], [t.sentiment for t in tags])
    report["model_version"] = tagger.version
    print(json.dumps(report, ensure_ascii=False, indent=2) if args.json else render(report, str(path)))
    logger.info("evaluate file=%s examples=%d macro_f1=%.4f", path, len(examples), report["topics_macro_f1"])
    return 0


def cmd_classify(args: argparse.Namespace, _runtime: Runtime) -> int:
    from nlp.tagger import Tagger

    tagger = Tagger.load()
    bad = 0
    with _open_input(args.file) as stream:
        numbered = ((n, raw) for n, raw in enumerate(stream, start=1) if raw.strip())
        while chunk := list(islice(numbered, CLASSIFY_CHUNK)):
            parsed = [(number, *_classify_input(raw)) for number, raw in chunk]
            posts = [post for _n, post, _e in parsed if post is not None]
            results = iter(tagger.tag_many(posts))
            for number, post, error in parsed:
                if post is None:
                    bad += 1
                    print(f"第 {number} 行：{error}", file=sys.stderr)
                    print(json.dumps({"line": number, "error": error}, ensure_ascii=False))
                else:
                    print(json.dumps(next(results).to_json(), ensure_ascii=False))
            sys.stdout.flush()
    logger.info("classify file=%s rejected=%d", args.file, bad)
    return 2 if bad else 0


def _classify_input(raw: bytes) -> tuple[Any, str]:
    from nlp.tagger import Post
    from storage.instants import parse_instant

    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        return None, "不是 UTF-8 编码的文本"
    except json.JSONDecodeError as exc:
        return None, f"不是有效的 JSON（第 {exc.colno} 列：{exc.msg}）"
    if not isinstance(data, dict):
        return None, "应为 JSON 对象 {…}"
    title, text = data.get("title", ""), data.get("text", "")
    if not isinstance(title, str) or not isinstance(text, str) or not (title.strip() or text.strip()):
        return None, "缺少 text（或 title），应为非空字符串"
    published = None
    if data.get("published_at") is not None:
        try:
            published = parse_instant(data["published_at"])
        except ValueError as exc:
            return None, f"字段 published_at 无效：{exc}"
    return Post(text=text, title=title, published_at=published), ""


def cmd_tag(args: argparse.Namespace, runtime: Runtime) -> int:
    from nlp.parallel import ParallelTagger
    from nlp.tagger import Post, Tagger
    from storage.tags import save_tags, untagged

    ensure_ready(runtime.engine)
    tagger = Tagger.load()
    tagged, last_id = 0, 0
    with ParallelTagger(tagger, args.workers) as pool:
        while True:
            with runtime.sessions() as session:
                batch = [(d.id, Post(d.text, d.title, d.published_at)) for d in untagged(session, last_id, args.batch)]
            if not batch:
                break
            results = pool.tag_many([post for _id, post in batch])
            now = datetime.now(UTC)
            with transaction(runtime.sessions) as session:
                for (document_id, _post), tags in zip(batch, results, strict=True):
                    save_tags(session, document_id, tags, tagger.version, now)
            tagged += len(batch)
            last_id = batch[-1][0]
    print(f"标注完成：{tagged} 条文档（模型 {tagger.version}，{args.workers} 个进程）。")
    logger.info("tag tagged=%d workers=%d model=%s", tagged, args.workers, tagger.version)
    return 0


def cmd_crawl(args: argparse.Namespace, runtime: Runtime) -> int:
    ensure_ready(runtime.engine)
    if args.now:
        _parse_now(args.now)
    command = [sys.executable, "-m", "crawlers", "--config", str(runtime.config.path)]
    for name in args.source or []:
        if runtime.config.source(name) is None:
            raise InputError(f"配置中没有名为“{name}”的来源。提示：用 yuqing sources 查看已配置的来源。")
        command += ["--source", name]
    if args.now:
        command += ["--now", args.now]
    command += ["--log-level", logging.getLevelName(logging.getLogger().level)]
    logger.info("crawl starting child=%s", " ".join(command[1:]))
    child = subprocess.run(command, stdout=subprocess.PIPE, text=True, cwd=Path(__file__).resolve().parent, check=False)
    summaries = [json.loads(line) for line in child.stdout.splitlines() if line.startswith("{")]
    if child.returncode == 2 or not summaries:
        if child.returncode == 2:
            raise InputError("采集参数有误（见上方错误信息）。")
        print("没有可采集的来源（没有启用的来源，或采集进程异常退出，见日志）。")
        return 0 if child.returncode == 0 else 1
    _print_crawl_table(summaries)
    failed = [s for s in summaries if s["error"]]
    for summary in failed:
        print(f"来源“{summary['source']}”失败：{summary['error']}")
    return 1 if len(failed) == len(summaries) else 0


def _print_crawl_table(summaries: list[dict[str, Any]]) -> None:
    print("来源\t抓取\t新增\t重复\t近似重复\t更新\t丢弃\t失败\t状态")
    for s in summaries:
        dropped = "、".join(f"{DROP_REASONS.get(k, k)} {v}" for k, v in s["dropped"].items()) or "0"
        failed = str(s["failed"]) + (
            "（" + "、".join(f"{k} {v}" for k, v in s["failures"].items()) + "）" if s["failures"] else ""
        )
        status = "失败" if s["error"] else "成功"
        print(
            f"{s['source']}\t{s['fetched']}\t{s['new']}\t{s['duplicate']}\t{s['near_duplicate']}\t"
            f"{s['updated']}\t{dropped}\t{failed}\t{status}"
        )


DROP_REASONS = {
    "no_text": "无正文",
    "no_title": "无标题",
    "no_time": "无时间",
    "future_time": "未来时间",
    "filtered": "关键词过滤",
}


def cmd_sources(args: argparse.Namespace, runtime: Runtime) -> int:
    from storage.crawl import source_health

    ensure_ready(runtime.engine)
    now = _parse_now(args.now) if args.now else datetime.now(UTC)
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


def _parse_now(text: str) -> datetime:
    from storage.instants import parse_instant

    try:
        return parse_instant(text)
    except ValueError as exc:
        raise InputError(f"参数 --now 无效：{exc}") from None


if __name__ == "__main__":
    sys.exit(main())
