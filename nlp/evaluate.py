"""Measure the tagger on a labelled JSON Lines file: per-topic and relevance scores, sentiment scores."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from sklearn.metrics import f1_score, precision_recall_fscore_support

from nlp.corpus import Example
from nlp.model import TOPIC_KEYS
from nlp.sentiment import LABELS
from yuqing.vocabulary import SENTIMENTS, TOPICS

logger = logging.getLogger(__name__)


def score(examples: Sequence[Example], topics: Sequence[Sequence[str]], sentiments: Sequence[str]) -> dict[str, Any]:
    """Scores of predicted ``topics``/``sentiments`` against the examples' labels."""
    per_topic: dict[str, dict[str, float]] = {}
    for topic in TOPIC_KEYS:
        truth = [topic in e.topics for e in examples]
        guess = [topic in p for p in topics]
        p, r, f, _ = precision_recall_fscore_support(truth, guess, average="binary", zero_division=0)
        per_topic[topic] = {"precision": float(p), "recall": float(r), "f1": float(f), "support": sum(truth)}
    truth = [bool(e.topics) for e in examples]
    guess = [bool(p) for p in topics]
    rp, rr, rf, _ = precision_recall_fscore_support(truth, guess, average="binary", zero_division=0)
    gold = [e.sentiment for e in examples]
    per_class = f1_score(gold, list(sentiments), labels=list(LABELS), average=None, zero_division=0)
    return {
        "examples": len(examples),
        "topics": per_topic,
        "topics_macro_f1": sum(t["f1"] for t in per_topic.values()) / len(TOPIC_KEYS),
        "relevance": {"precision": float(rp), "recall": float(rr), "f1": float(rf)},
        "sentiment": {
            "macro_f1": float(per_class.mean()),
            **{f"f1_{label}": float(s) for label, s in zip(LABELS, per_class, strict=True)},
            "accuracy": sum(g == s for g, s in zip(gold, sentiments, strict=True)) / max(1, len(gold)),
        },
    }


def render(report: dict[str, Any], source: str) -> str:
    """The report as the Chinese table ``yuqing evaluate`` prints."""
    lines = [f"评估文件：{source}（{report['examples']} 条）", "", f"{'议题':<14}精确率  召回率  F1      样本数"]
    for topic, s in report["topics"].items():
        label = TOPICS[topic]
        lines.append(f"{label:<12}  {s['precision']:.3f}   {s['recall']:.3f}   {s['f1']:.3f}   {s['support']}")
    rel, sen = report["relevance"], report["sentiment"]
    lines += [
        "",
        f"议题宏平均 F1：{report['topics_macro_f1']:.3f}",
        f"相关性（任一议题 vs 无议题）：精确率 {rel['precision']:.3f}  召回率 {rel['recall']:.3f}  F1 {rel['f1']:.3f}",
        f"情感：宏平均 F1 {sen['macro_f1']:.3f}  准确率 {sen['accuracy']:.3f}  "
        + "  ".join(f"{SENTIMENTS[label]} F1 {sen[f'f1_{label}']:.3f}" for label in LABELS),
    ]
    return "\n".join(lines)
