"""The tagger's commands: ``train``, ``evaluate``, ``classify`` and ``tag``.

Model code is imported inside the handlers, so that ``yuqing --help`` and the other stages do not
pay for scikit-learn and jieba.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path
from typing import Any

from yuqing.cli.args import add_now_option, now_of, open_input
from yuqing.errors import InputError
from yuqing.formatting import one_line
from yuqing.instants import format_beijing
from yuqing.runtime import Runtime
from yuqing.vocabulary import SENTIMENTS, TOPICS

logger = logging.getLogger("yuqing")

CLASSIFY_CHUNK = 64
SHOWN_SET_ASIDE = 20  # documents set aside listed by ``yuqing tag``; the log has every one


def register(commands: Any, common: list[argparse.ArgumentParser]) -> None:
    train = commands.add_parser(
        "train",
        parents=common,
        help="用自有语料、真实标注和值班员更正训练议题与情感模型",
        description="用 nlp/data/corpus 中的自有语料、nlp/data/annotations 中的真实文本标注（原文从 --real 目录读取）\n"
        "和数据库中值班员的更正训练模型，写入模型文件和元数据（版本、输入哈希、阈值、交叉验证得分、各来源条数）。",
    )
    train.add_argument("--corpus", type=Path, default=None, metavar="DIR", help="语料目录（默认 nlp/data/corpus）")
    train.add_argument("--out", type=Path, default=None, metavar="DIR", help="模型输出目录（默认 nlp/model）")
    train.add_argument(
        "--real", type=Path, default=None, metavar="DIR", help="真实文本所在目录（默认 ../shared/data/real）"
    )
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
        description="分批标注数据库中尚未标注的文档，多进程利用所有核心。\n"
        "无法标注的文档会被隔离（记下时间和原因，之后不再重试，yuqing status 可查），其余文档照常标注；\n"
        "--all 会重试被隔离的文档。",
    )
    tag.add_argument("--workers", type=int, default=os.cpu_count() or 1, metavar="N", help="进程数（默认为核心数）")
    tag.add_argument("--batch", type=int, default=500, metavar="N", help="每批文档数（默认 500）")
    tag.add_argument("--all", action="store_true", help="重新标注全部文档（如重新训练之后）；值班员的更正保持不变")
    tag.set_defaults(handler=cmd_tag)

    correct = commands.add_parser(
        "correct",
        parents=common,
        help="更正一条文档的议题或情感（记录更正人和时间，重新标注不会覆盖）",
        description="更正一条文档的议题、情感或相关性。更正连同更正人、时间、理由和原标注一起保存，\n"
        "立即改变该文档的标注及其所属事件；以后重新标注也不会覆盖；yuqing train 会把更正纳入训练。\n"
        "例：yuqing correct 1234 --topics engineering_quality,housing_market --sentiment negative --reason 墙体开裂\n"
        "    yuqing correct https://weibo.cn/status/1 --topics none --reason 与住建无关",
    )
    correct.add_argument("document", metavar="DOCUMENT", help="文档编号或链接（yuqing export documents 可查）")
    correct.add_argument("--topics", metavar="KEY,KEY…", help="更正后的议题键，逗号分隔；none 表示不涉及任何议题")
    correct.add_argument("--sentiment", metavar="SENTIMENT", help="更正后的情感：negative、neutral 或 positive")
    correct.add_argument("--reason", metavar="TEXT", help="更正理由")
    correct.add_argument("--by", default=_login_name(), metavar="NAME", help="更正人（默认当前登录用户）")
    add_now_option(correct)
    correct.set_defaults(handler=cmd_correct)

    corrections = commands.add_parser(
        "corrections",
        parents=common,
        help="列出或导出值班员的更正",
        description="list：列出全部更正（北京时间）；export：把每条文档的最新更正导出为标注记录（JSON Lines），\n"
        "可审核后收入语料（nlp/data/annotations）。",
    )
    actions = corrections.add_subparsers(dest="action", title="操作", required=True, parser_class=type(corrections))
    listing = actions.add_parser("list", parents=common, help="列出全部更正", description="列出全部更正。")
    listing.set_defaults(handler=cmd_corrections_list)
    export = actions.add_parser(
        "export", parents=common, help="导出为标注记录", description="把每条文档的最新更正导出为标注记录。"
    )
    export.add_argument("--out", type=Path, metavar="FILE", help="输出文件（默认标准输出）")
    export.set_defaults(handler=cmd_corrections_export)


def _login_name() -> str:
    """The operating system's name for who runs the command."""
    import pwd

    try:
        return pwd.getpwuid(os.getuid()).pw_name
    except KeyError:
        return f"uid{os.getuid()}"


def cmd_train(args: argparse.Namespace, runtime: Runtime) -> int:
    from nlp import corrections, model, training
    from nlp.annotations import DEFAULT_REAL_DIR
    from nlp.corpus import CORPUS_DIR
    from nlp.segment import Segmenter
    from yuqing.errors import DatabaseNotReady

    real_dir = args.real or DEFAULT_REAL_DIR
    try:
        runtime.ready()
        with runtime.sessions() as session:
            corrected = corrections.examples(session)
    except DatabaseNotReady:
        corrected = []
        print("数据库尚未初始化：没有值班员更正可用。")
    trained = training.train(Segmenter(), datetime.now(UTC).date(), args.corpus or CORPUS_DIR, real_dir, corrected)
    out = args.out or model.MODEL_DIR
    model.save(trained, out)
    meta = trained.metadata
    cv = meta["cross_validated"]
    print(f"模型已训练并保存到 {out}（版本 {meta['version']}，共 {meta['examples']} 条）：")
    print(
        f"  自有语料 {meta['team_examples']} 条，真实标注 {meta['real_annotations']} 条"
        + (
            f"（原文缺失 {meta['real_annotations_missing']} 条，目录 {real_dir}）"
            if meta["real_annotations_missing"]
            else ""
        )
        + f"，值班员更正 {meta['corrections']} 条。"
    )
    print(
        f"交叉验证（{cv['on']}）：议题宏平均 F1 {cv['topics_macro_f1']:.3f}，"
        f"情感宏平均 F1 {cv['sentiment']['macro_f1']:.3f}"
    )
    for topic, scores in cv["topics"].items():
        print(f"  {TOPICS[topic]}：阈值 {meta['thresholds'][topic]:.3f}，F1 {scores['f1']:.3f}")
    logger.info(
        "train version=%s examples=%d real=%d corrections=%d macro_f1=%.4f",
        meta["version"],
        meta["examples"],
        meta["real_annotations"],
        meta["corrections"],
        cv["topics_macro_f1"],
    )
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
    with open_input(args.file) as stream:
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
    from yuqing.instants import parse_instant

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
        except OverflowError:
            return None, f"字段 published_at 无效：时间 {data['published_at']!r} 超出可表示的范围"
    return Post(text=text, title=title, published_at=published), ""


def cmd_tag(args: argparse.Namespace, runtime: Runtime) -> int:
    from nlp.parallel import ParallelTagger
    from nlp.pending import tag_documents
    from nlp.tagger import Tagger

    runtime.ready()
    tagger = Tagger.load()
    with ParallelTagger(tagger, args.workers) as pool:
        run = tag_documents(
            runtime.sessions, pool.tag_many, tagger.version, lambda: datetime.now(UTC), args.batch, everything=args.all
        )
    print(f"标注完成：{run.tagged} 条文档（模型 {tagger.version}，{args.workers} 个进程）。")
    if run.set_aside:
        print(f"另有 {len(run.set_aside)} 条文档无法标注，已隔离（不再重试；yuqing tag --all 会重试）：")
        for document_id, reason in run.set_aside[:SHOWN_SET_ASIDE]:
            print(f"  文档 {document_id}：{one_line(reason)}")
        if len(run.set_aside) > SHOWN_SET_ASIDE:
            print(f"  ……其余 {len(run.set_aside) - SHOWN_SET_ASIDE} 条见日志。")
    logger.info(
        "tag tagged=%d set_aside=%d workers=%d model=%s", run.tagged, len(run.set_aside), args.workers, tagger.version
    )
    return 0


def cmd_correct(args: argparse.Namespace, runtime: Runtime) -> int:
    from incidents.corrections import check_sentiment, correct, parse_topics
    from incidents.jurisdiction import home_province
    from storage.db import transaction

    runtime.ready()
    now = now_of(args)
    topics, sentiment = parse_topics(args.topics), check_sentiment(args.sentiment)
    home = home_province(runtime.config.jurisdiction.province)
    with transaction(runtime.sessions) as session:
        done = correct(session, args.document, topics, sentiment, args.reason, args.by, now, runtime.config, home)
    before, after = done.before, done.after
    print(f"已更正文档 {done.document_id}（更正人 {args.by}，北京时间 {format_beijing(now)}）：")
    print(f"  议题：{_topics_text(before.topics)} → {_topics_text(after.topics)}")
    was, now_is = (SENTIMENTS.get(t.sentiment or "", "未标注") for t in (before, after))
    print(f"  情感：{was} → {now_is}")
    if done.left_incident is not None:
        print(f"  该文档已移出事件 {done.left_incident}。")
    if done.incident_id is not None:
        print(f"  所属事件 {done.incident_id} 已按更正后的标注重新研判。")
    return 0


def cmd_corrections_list(_args: argparse.Namespace, runtime: Runtime) -> int:
    from storage import tags as tag_rows

    runtime.ready()
    with runtime.sessions() as session:
        rows = tag_rows.corrections(session)
        print("编号\t文档\t时间（北京时间）\t更正人\t议题\t情感\t理由")
        for correction, document in rows:
            topics = "（不变）" if correction.topics is None else _topics_text(correction.topics)
            sentiment = SENTIMENTS.get(correction.sentiment or "", "（不变）")
            print(
                f"{correction.id}\t{document.id}\t{format_beijing(correction.at)}\t{one_line(correction.by)}\t"
                f"{topics}\t{sentiment}\t{one_line(correction.reason or '—')}"
            )
    print(f"共 {len(rows)} 条更正。")
    return 0


def cmd_corrections_export(args: argparse.Namespace, runtime: Runtime) -> int:
    from nlp.corrections import records as correction_records

    runtime.ready()
    with runtime.sessions() as session:
        records = correction_records(session)
    lines = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
    if args.out is None:
        sys.stdout.write(lines)
    else:
        try:
            args.out.write_text(lines, encoding="utf-8")
        except OSError as exc:
            raise InputError(f"无法写入 {args.out}：{exc.strerror}") from None
        print(f"已导出 {len(records)} 条更正到 {args.out}。")
    return 0


def _topics_text(topics: list[str] | None) -> str:
    if topics is None:
        return "未标注"
    return "、".join(TOPICS.get(t, t) for t in topics) or "无议题"
