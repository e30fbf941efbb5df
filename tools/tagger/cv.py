"""Cross-validated scores on the real annotations, for the tagger's model, feature and corpus choices.

Run from the repository with its venv and ``../shared/data/real/`` beside it:

    .venv/bin/python tools/tagger/cv.py [--team all|none|PATTERN,...] [--real-weight 4] [--variant NAME]

Every choice the tagger makes (which team-written batches to keep, how much a real example weighs, the
thresholds, the features) is judged here and never on ``topics-dev.jsonl``. Folds split the real
annotations (stratified by batch); the team-written corpus is always on the training side. Scores are
printed for all held-out annotations, for the random batches alone (the honest estimate of the stream) and per
register (Weibo, message board, headlines).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from nlp import training  # noqa: E402
from nlp.annotations import REAL_FILES, real_records, resolve  # noqa: E402
from nlp.corpus import CORPUS_DIR, read_examples  # noqa: E402
from nlp.model import TOPIC_KEYS  # noqa: E402
from nlp.segment import Segmenter  # noqa: E402

REAL_DIR = ROOT.parent / "shared" / "data" / "real"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--team", default="all", help="team-written corpus files to train on: all, none, or globs")
    parser.add_argument("--team-exclude", default="", help="globs of team-written files to leave out")
    parser.add_argument("--real-weight", type=float, default=training.REAL_WEIGHT)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--real-fraction", type=float, default=1.0, help="train on this share of each training fold")
    parser.add_argument("--variant", default="", help="comma-separated feature variants (see VARIANTS)")
    parser.add_argument("--C", type=float, default=None, help="inverse regularisation of the topics' plain half")
    args = parser.parse_args()

    apply_variants([v for v in args.variant.split(",") if v], args.C)
    started = time.monotonic()
    records = real_records()
    real, missing = resolve(records, REAL_DIR)
    if missing:
        print(f"{len(missing)} annotations have no text in {REAL_DIR}", file=sys.stderr)
    missed = {m.key for m in missing}
    batches = [r.batch for r in records if r.key not in missed]
    registers = [REAL_FILES.get(r.file, r.file) for r in records if r.key not in missed]
    files = sorted(CORPUS_DIR.rglob("*.jsonl"))
    if args.team == "none":
        files = []
    elif args.team != "all":
        patterns = args.team.split(",")
        files = [f for f in files if any(f.match(p) for p in patterns)]
    if args.team_exclude:
        files = [f for f in files if not any(f.match(p) for p in args.team_exclude.split(","))]
    team = read_examples(files)
    segmenter = Segmenter()
    folds = training.folds_of(batches, args.folds, args.seed)
    predictions: dict[int, tuple[list[str], str]] = {}
    for fold in range(args.folds):
        test = [i for i, f in enumerate(folds) if f == fold]
        train_real = [real[i] for i, f in enumerate(folds) if f != fold]
        if args.real_fraction < 1:
            keep = np.random.default_rng(args.seed + fold).random(len(train_real)) < args.real_fraction
            train_real = [e for e, k in zip(train_real, keep, strict=True) if k]
        models = training.fit(segmenter, team, train_real, real_weight=args.real_weight, seed=args.seed)
        tags = training.predict(segmenter, models, [real[i].text for i in test])
        for i, (topics, sentiment) in zip(test, tags, strict=True):
            predictions[i] = (topics, sentiment)
    held_out = sorted(predictions)

    def part(keep: Callable[[int], bool]) -> dict:
        chosen = [i for i in held_out if keep(i)]
        return score([real[i] for i in chosen], [predictions[i] for i in chosen])

    def is_random(i: int) -> bool:
        return batches[i].startswith("random")

    names = sorted(set(registers))
    report = {
        "all": part(lambda i: True),
        "random": part(is_random),
        **{f"register {name}": part(lambda i, name=name: registers[i] == name) for name in names},
        **{f"random {name}": part(lambda i, name=name: registers[i] == name and is_random(i)) for name in names},
        "team_examples": len(team),
        "real_examples": len(real),
        "seconds": round(time.monotonic() - started),
    }
    print(json.dumps(report, ensure_ascii=False, indent=1) if args.json else render(report))
    return 0


def apply_variants(variants: list[str], c: float | None) -> None:
    """Experimental changes to the features or the classifiers, patched in for one run: ``nohashtag`` (drop #话题#),
    ``hashtag-tokens`` (hashtags as words of their own), ``salutation`` (cut a letter's courteous opening), and
    ``--C`` for the plain half of the topic classifiers. (Tried and measured on 2026-12-07, none kept: see
    docs/tagger.md.)"""
    import re

    from nlp import features, topics

    hashtag = re.compile(r"#([^#\n]{1,40})#")
    salutation = re.compile(r"^\s*(尊敬的[^：:，,！!。\n]{0,20}[：:，,！!]?\s*)?(您好|你好)?[！!，,。\s]*")
    original = features.prepare

    def prepare(segmenter, text):  # type: ignore[no-untyped-def]
        tags = []
        if "nohashtag" in variants or "hashtag-tokens" in variants:
            tags = hashtag.findall(text)
            text = hashtag.sub(" ", text)
        if "salutation" in variants:
            text = salutation.sub("", text, count=1)
        prepared = original(segmenter, text)
        if "hashtag-tokens" in variants and tags:
            extra = " ".join("#" + w for tag in tags for w in segmenter.words(tag))
            prepared = features.Prepared(chars=prepared.chars, words=f"{prepared.words} {extra}")
        return prepared

    training.prepare = prepare
    if c is not None:
        topics.C = c


def score(examples: list, predicted: list[tuple[list[str], str]]) -> dict:
    per_topic = {}
    for topic in TOPIC_KEYS:
        y = np.array([topic in e.topics for e in examples])
        p = np.array([topic in t for t, _ in predicted])
        per_topic[topic] = _prf(y, p)
    y = np.array([bool(e.topics) for e in examples])
    p = np.array([bool(t) for t, _ in predicted])
    sentiments = defaultdict(dict)
    for label in ("negative", "neutral", "positive"):
        y_s = np.array([e.sentiment == label for e in examples])
        p_s = np.array([s == label for _, s in predicted])
        sentiments[label] = _prf(y_s, p_s)
    return {
        "n": len(examples),
        "topics": per_topic,
        "topics_macro_f1": round(float(np.mean([v["f1"] for v in per_topic.values()])), 4),
        "relevance": _prf(y, p),
        "sentiment": dict(sentiments),
        "sentiment_macro_f1": round(float(np.mean([v["f1"] for v in sentiments.values()])), 4),
    }


def _prf(y: np.ndarray, p: np.ndarray) -> dict:
    tp = int((y & p).sum())
    precision = tp / int(p.sum()) if p.sum() else 0.0
    recall = tp / int(y.sum()) if y.sum() else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4), "support": int(y.sum())}


def render(report: dict) -> str:
    lines = [f"real {report['real_examples']}, team {report['team_examples']}, {report['seconds']} s"]
    for part in ("all", "random", *(k for k in report if k.startswith(("register ", "random ")))):
        r = report[part]
        topics = " ".join(f"{t[:5]} {v['f1']:.3f}" for t, v in r["topics"].items())
        rel = r["relevance"]
        pos = r["sentiment"]["positive"]["f1"]
        lines.append(
            f"{part:16} n={r['n']:4}  topic macro-F1 {r['topics_macro_f1']:.3f} ({topics})  "
            f"relevance P {rel['precision']:.3f} R {rel['recall']:.3f}  "
            f"sentiment {r['sentiment_macro_f1']:.3f} (positive {pos:.3f})"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
