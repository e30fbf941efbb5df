"""Choose real items to annotate, in batches that each teach something.

    .venv/bin/python tools/annotation/choose.py OUT.jsonl

Batches: a random sample per register (honest estimates), the items the current model is least sure of,
hard negatives (topic words, other matter), and the rare classes. Near copies of topics-dev items and
exact repeats are never chosen (the dev file is read for that and nothing else). The 2026-12-07 batches of
``nlp/data/annotations`` were chosen by this script with the model at 3bb104a; the chosen items were then
dealt into packages and labelled with ``tools/annotation/tool.py`` under ``tools/annotation/BRIEF.md``.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from crawlers.neardup import hamming, simhash  # noqa: E402
from nlp.tagger import Post, Tagger  # noqa: E402

REAL = ROOT.parent / "shared" / "data" / "real"
DEV = ROOT.parent / "shared" / "data" / "topics-dev.jsonl"
OUT = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("selection.jsonl")
SEED = 20261207

FILES = {"weibo": "weibo-2020.jsonl", "message": "messages-2020.jsonl", "headline": "headlines.jsonl"}


def load() -> list[dict]:
    items = []
    for register, name in FILES.items():
        for line in (REAL / name).open(encoding="utf-8"):
            row = json.loads(line)
            title = row.get("title") or ""
            items.append(
                {
                    "file": name,
                    "id": row["id"],
                    "register": register,
                    "title": title,
                    "text": row.get("text") or "",
                    "category": row.get("category"),
                }
            )
    return items


def main() -> None:
    items = load()
    print("items", len(items), file=sys.stderr)
    # exact repeats: keep the first
    seen: set[str] = set()
    unique = []
    for it in items:
        key = hashlib.sha1((it["title"] + "\n" + it["text"]).encode()).hexdigest()
        if key not in seen:
            seen.add(key)
            unique.append(it)
    items = unique
    # near copies of dev items
    dev = [json.loads(line) for line in DEV.open(encoding="utf-8")]
    dev_prints = [simhash(((d.get("title") or "") + "\n" + d["text"]).strip()) for d in dev]
    kept = []
    dropped = 0
    for it in items:
        h = simhash((it["title"] + "\n" + it["text"]).strip())
        it["simhash"] = h
        if any(hamming(h, d) <= 6 for d in dev_prints):
            dropped += 1
            continue
        kept.append(it)
    items = kept
    print("after dedup", len(items), "dev near-copies dropped", dropped, file=sys.stderr)

    tagger = Tagger.load()
    for start in range(0, len(items), 512):
        chunk = items[start : start + 512]
        tags = tagger.tag_many([Post(text=i["text"], title=i["title"]) for i in chunk])
        for it, t in zip(chunk, tags, strict=True):
            it["pred_topics"] = t.topics
            it["scores"] = t.scores
            it["pred_sentiment"] = t.sentiment
    thresholds = tagger.models.metadata["thresholds"]
    rng = random.Random(SEED)
    chosen: dict[tuple[str, str], str] = {}

    def take(pool: list[dict], n: int, batch: str) -> None:
        got = 0
        for it in pool:
            key = (it["file"], it["id"])
            if key in chosen:
                continue
            chosen[key] = batch
            got += 1
            if got >= n:
                break
        print(batch, got, file=sys.stderr)

    by_reg = {r: [i for i in items if i["register"] == r] for r in FILES}
    # 1. random per register
    for reg, n in (("weibo", 500), ("message", 500), ("headline", 500)):
        pool = by_reg[reg][:]
        rng.shuffle(pool)
        take(pool, n, f"random-{reg}")

    # 2. uncertainty: smallest margin between a topic score and its threshold (relative)
    def margin(it: dict) -> float:
        return min(abs(it["scores"][t] - thr) / max(thr, 1e-6) for t, thr in thresholds.items())

    for reg, n in (("weibo", 350), ("message", 350), ("headline", 300)):
        pool = sorted(by_reg[reg], key=margin)
        # among the 3n least sure, a random n: the very edge alone is one kind of text
        edge = pool[: 3 * n]
        rng.shuffle(edge)
        take(edge, n, f"uncertain-{reg}")

    # 3. hard negatives: topic words present, model says no topic (or weakly), other matter likely
    topic_words = re.compile(
        r"房价|楼市|房子|物业|拆|征收|补偿|城管|垃圾|工地|施工|倒塌|坍塌|塌|小区|业主|开发商|装修|租房|房租|"
        r"棚改|保障房|公租房|廉租房|暖气|供暖|停水|燃气|井盖|违建|摊贩|楼盘|地产|住建|建筑|安置"
    )
    for reg, n in (("weibo", 300), ("message", 150), ("headline", 250)):
        pool = [
            i for i in by_reg[reg] if topic_words.search(i["title"] + i["text"]) and max(i["scores"].values()) < 0.5
        ]
        rng.shuffle(pool)
        take(pool, n, f"hardneg-{reg}")

    # 4. rare classes by keywords: positive sentiment, shantytown, engineering quality
    positive = re.compile(
        r"点赞|感谢|谢谢|好消息|顺利|圆满|喜迁|交付|表扬|致敬|为.{0,6}点赞|暖心|满意|惠民|竣工|落成|改善"
    )
    shanty = re.compile(
        r"棚改|棚户区|老旧小区|加装电梯|保障房|保障性|公租房|廉租房|经适房|经济适用房|城中村|危房改造|安置房|人才公寓|共有产权"
    )
    engineering = re.compile(
        r"坍塌|倒塌|塌陷|垮塌|裂缝|开裂|渗水|漏水|质量问题|脚手架|塔吊|燃气爆炸|坠落|偷工减料|危房|豆腐渣|空鼓|地基|沉降|墙体|钢筋"
    )
    for name, pattern, quotas in (
        ("positive", positive, (("weibo", 200), ("message", 120), ("headline", 130))),
        ("shantytown", shanty, (("weibo", 80), ("message", 180), ("headline", 90))),
        ("engineering", engineering, (("weibo", 120), ("message", 180), ("headline", 80))),
    ):
        for reg, n in quotas:
            pool = [i for i in by_reg[reg] if pattern.search(i["title"] + i["text"])]
            rng.shuffle(pool)
            take(pool, n, f"rare-{name}-{reg}")

    with OUT.open("w", encoding="utf-8") as fh:
        for it in items:
            batch = chosen.get((it["file"], it["id"]))
            if batch is None:
                continue
            row = {k: it[k] for k in ("file", "id", "register", "title", "text", "category")}
            row.update(
                batch=batch,
                pred_topics=it["pred_topics"],
                pred_sentiment=it["pred_sentiment"],
                scores=it["scores"],
            )
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    print("chosen", len(chosen), Counter(chosen.values()), file=sys.stderr)


if __name__ == "__main__":
    main()
