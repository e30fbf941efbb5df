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

from storage.db import ensure_ready
from yuqing.cli.args import open_input
from yuqing.errors import InputError
from yuqing.runtime import Runtime
from yuqing.vocabulary import TOPICS

logger = logging.getLogger("yuqing")

CLASSIFY_CHUNK = 64


def register(commands: Any, common: list[argparse.ArgumentParser]) -> None:
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
    return Post(text=text, title=title, published_at=published), ""


def cmd_tag(args: argparse.Namespace, runtime: Runtime) -> int:
    from nlp.parallel import ParallelTagger
    from nlp.pending import tag_untagged
    from nlp.tagger import Tagger

    ensure_ready(runtime.engine)
    tagger = Tagger.load()
    with ParallelTagger(tagger, args.workers) as pool:
        tagged = tag_untagged(runtime.sessions, pool.tag_many, tagger.version, lambda: datetime.now(UTC), args.batch)
    print(f"标注完成：{tagged} 条文档（模型 {tagger.version}，{args.workers} 个进程）。")
    logger.info("tag tagged=%d workers=%d model=%s", tagged, args.workers, tagger.version)
    return 0
