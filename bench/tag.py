"""Tagger speed: ``yuqing classify`` start-up and peak memory, throughput against bare jieba.lcut, 2 workers
against 1.

    .venv/bin/python bench/tag.py [--texts FILE.jsonl] [--limit N]

Texts come from ../shared/data/topics-dev.jsonl when it is present (measuring speed only; nothing is
kept), else from our own corpus. Every figure is measured in this run; ratios compare like with like.
Start-up is the wall time of ``yuqing classify`` tagging one line, from process start to exit (best of
three), and its peak memory the child's maximum resident set.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DEV = ROOT.parent / "shared" / "data" / "topics-dev.jsonl"


def load_texts(path: Path | None, limit: int) -> tuple[list[str], str]:
    from nlp.corpus import CORPUS_DIR, corpus_files, join_title, read_examples

    if path is None and DEV.is_file():
        path = DEV
    if path is not None:
        with path.open(encoding="utf-8") as fh:
            rows = [json.loads(line) for line in fh if line.strip()]
        texts = [join_title(r.get("title"), r.get("text")) for r in rows]
        return texts[:limit], str(path)
    examples = read_examples(corpus_files(CORPUS_DIR))
    return [e.text for e in examples][:limit], f"{CORPUS_DIR}（未找到 {DEV}，改用自有语料）"


def rate(count: int, seconds: float) -> float:
    return count / seconds if seconds else float("inf")


def best_of(runs: int, work) -> float:  # type: ignore[no-untyped-def]
    """The fastest of ``runs`` timings: the least disturbed by whatever else the machine is doing."""
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        timings.append(time.perf_counter() - started)
    return min(timings)


def classify_once(config: Path, line: Path) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one ``yuqing classify`` process tagging one line."""
    command = [sys.executable, "-m", "yuqing", "--config", str(config), "--log-level", "WARNING", "classify", str(line)]
    started = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    if done.returncode != 0 or '"topics"' not in done.stdout:
        raise SystemExit(f"yuqing classify 失败（{done.returncode}）：{done.stderr[-2000:]}")
    return seconds, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def start_up() -> tuple[float, float]:
    """The best wall time of three single-line classify runs, and the largest peak RSS among them."""
    with tempfile.TemporaryDirectory(prefix="bench-tag-") as folder:
        config, line = Path(folder) / "config.toml", Path(folder) / "one.jsonl"
        config.write_text('[database]\nurl = "sqlite:///unused.db"\n', encoding="utf-8")
        line.write_text('{"text": "临沂兰山区一在建工地塔吊倒塌，造成3人死亡"}\n', encoding="utf-8")
        runs = [classify_once(config, line) for _ in range(3)]
    return min(s for s, _ in runs), max(m for _, m in runs)


def main() -> int:
    parser = argparse.ArgumentParser(description="标注器速度基准")
    parser.add_argument("--texts", type=Path, default=None)
    parser.add_argument("--limit", type=int, default=100000)
    args = parser.parse_args()

    startup_seconds, startup_mb = start_up()  # first: the only children so far are these
    texts, origin = load_texts(args.texts, args.limit)
    chars = sum(len(t) for t in texts)
    print(f"文本：{len(texts)} 条，{chars} 字，来自 {origin}")

    started = time.perf_counter()
    from nlp.tagger import Post, Tagger

    import_seconds = time.perf_counter() - started
    started = time.perf_counter()
    tagger = Tagger.load()
    load_seconds = time.perf_counter() - started
    posts = [Post(text=t) for t in texts]
    tagger.tag_many(posts[:64])  # warm up caches on both sides before timing

    import jieba

    jieba.setLogLevel(60)
    jieba.lcut("预热")
    lcut = rate(len(texts), best_of(3, lambda: [jieba.lcut(text) for text in texts]))
    classify = rate(
        len(texts), best_of(3, lambda: [tagger.tag_many(posts[i : i + 64]) for i in range(0, len(posts), 64)])
    )
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    from nlp.parallel import ParallelTagger

    batch = {}
    for workers in (1, 2):
        with ParallelTagger(tagger, workers) as pool:
            pool.tag_many(posts[:64])

            def run(pool: ParallelTagger = pool) -> None:
                for i in range(0, len(posts), 500):
                    pool.tag_many(posts[i : i + 500])

            batch[workers] = rate(len(texts), best_of(3, run))

    print(
        f"yuqing classify 一行：启动到退出 {startup_seconds:.2f} s（目标 ≤ 2 s），"
        f"峰值内存 {startup_mb:.0f} MB（目标 ≤ 300 MB）"
    )
    print(f"本进程：模块导入 {import_seconds:.2f} s，模型加载 {load_seconds:.2f} s")
    print(f"基线 jieba.lcut：{lcut:,.0f} 条/秒")
    print(
        f"classify（分词+议题+情感+地点+伤亡）：{classify:,.0f} 条/秒；"
        f"与 jieba.lcut 之比 {classify / lcut:.2f}（目标 ≥ 0.8）"
    )
    print(
        f"批量 tag（含关键词）：1 进程 {batch[1]:,.0f} 条/秒，2 进程 {batch[2]:,.0f} 条/秒；"
        f"加速比 {batch[2] / batch[1]:.2f}（目标 ≥ 1.6）"
    )
    print(f"本进程峰值内存（RSS，含两个进程的批量标注）：{rss_mb:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
