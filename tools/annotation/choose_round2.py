"""Round 2 of the annotation: more random items per register, uncertainty under a model trained with round 1's
annotations, positive sentiment and what is left of the rare topics; round-1 items and dev near copies excluded.

    .venv/bin/python tools/annotation/choose_round2.py PACKAGES_DIR

Writes eight packages (``q01.jsonl`` … ``q08.jsonl``) of about equal reading length into PACKAGES_DIR; they were
labelled with ``tools/annotation/tool.py`` under ``tools/annotation/BRIEF_round2.md``.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from crawlers.neardup import simhash  # noqa: E402
from nlp import training  # noqa: E402
from nlp.annotations import REAL_FILES, real_records, resolve  # noqa: E402
from nlp.corpus import CORPUS_DIR, join_title, read_examples  # noqa: E402
from nlp.features import prepare  # noqa: E402
from nlp.model import TOPIC_KEYS  # noqa: E402
from nlp.segment import Segmenter  # noqa: E402

REAL = ROOT.parent / "shared" / "data" / "real"
DEV = ROOT.parent / "shared" / "data" / "topics-dev.jsonl"
FILES = {register: name for name, register in REAL_FILES.items()}  # register -> file, Weibo first
PACKAGES = 8
POSITIVE = re.compile(
    r"点赞|感谢|谢谢|好消息|顺利|圆满|喜迁|交付|表扬|致敬|暖心|满意|惠民|竣工|落成|改善|提升|入住|开工|获评|荣获"
)
SHANTYTOWN = re.compile(
    r"棚改|棚户区|老旧小区|加装电梯|保障房|保障性|公租房|廉租房|经适房|经济适用房|城中村|危房改造|安置房|人才公寓|共有产权"
)
ENGINEERING = re.compile(
    r"坍塌|倒塌|塌陷|垮塌|裂缝|开裂|渗水|漏水|质量问题|脚手架|塔吊|燃气爆炸|坠落|偷工减料|危房|豆腐渣|空鼓|地基|沉降|墙体|钢筋"
)


def candidates() -> list[dict[str, Any]]:
    """Every real item not annotated in round 1, once per text, and not within 6 bits of a dev item."""
    done = {r.key for r in real_records()}
    dev = np.array(
        [simhash(join_title(d.get("title"), d["text"])) for d in map(json.loads, DEV.open(encoding="utf-8"))],
        dtype=np.int64,
    ).view(np.uint64)
    items, seen = [], set()
    for register, name in FILES.items():
        for line in (REAL / name).open(encoding="utf-8"):
            row = json.loads(line)
            text = join_title(row.get("title"), row.get("text"))
            digest = hashlib.sha1(text.encode()).hexdigest()
            if (name, row["id"]) in done or digest in seen or not text.strip():
                continue
            seen.add(digest)
            mine = np.array([simhash(text)], dtype=np.int64).view(np.uint64)
            if (np.unpackbits((dev ^ mine).view(np.uint8).reshape(-1, 8), axis=1).sum(axis=1) <= 6).any():
                continue
            items.append(
                {
                    "file": name,
                    "id": row["id"],
                    "register": register,
                    "title": row.get("title") or "",
                    "text": row.get("text") or "",
                    "category": row.get("category"),
                    "joined": text,
                }
            )
    return items


def score(items: list[dict[str, Any]]) -> dict[str, float]:
    """Give every item its topic ``scores`` under a model trained on the corpus and all real annotations so far;
    the model's thresholds."""
    segmenter = Segmenter()
    real, _missing = resolve(real_records(), REAL)
    models = training.fit(segmenter, read_examples(sorted(CORPUS_DIR.rglob("*.jsonl"))), real)
    for start in range(0, len(items), 1000):
        chunk = items[start : start + 1000]
        probabilities, _ = models.score([prepare(segmenter, it["joined"]) for it in chunk])
        for item, row in zip(chunk, probabilities, strict=True):
            item["scores"] = dict(zip(TOPIC_KEYS, row.tolist(), strict=True))
    return dict(models.metadata["thresholds"])


def margin(item: dict[str, Any], thresholds: dict[str, float]) -> float:
    """How near the item's closest topic is to its threshold, relative to the threshold (0: on it)."""
    return min(abs(item["scores"][t] - thresholds[t]) / max(thresholds[t], 1e-6) for t in thresholds)


Quotas = tuple[tuple[str, int], ...]  # (register, how many)


class Selection:
    """The items chosen so far, each with its batch: an item is taken once, by the first batch that takes it.
    Batches draw their pools from ``rng`` in the order they are asked for, so a round's choice is reproducible."""

    def __init__(self, items: list[dict[str, Any]], rng: random.Random) -> None:
        self.rng = rng
        self.by = {r: [i for i in items if i["register"] == r] for r in FILES}
        self.chosen: dict[tuple[str, str], str] = {}

    def take(self, pool: list[dict[str, Any]], n: int, batch: str) -> None:
        for item in [i for i in pool if (i["file"], i["id"]) not in self.chosen][:n]:
            self.chosen[(item["file"], item["id"])] = batch

    def random(self, quotas: Quotas, batch: str) -> None:
        """``n`` items of each register at random (batch ``<batch>-<register>``)."""
        for register, n in quotas:
            pool = self.by[register][:]
            self.rng.shuffle(pool)
            self.take(pool, n, f"{batch}-{register}")

    def least(self, quotas: Quotas, key: Callable[[dict[str, Any]], float], batch: str) -> None:
        """Among the 3n items of each register lowest by ``key``, a random n (batch ``<batch>-<register>``)."""
        for register, n in quotas:
            pool = sorted(self.by[register], key=key)[: 3 * n]
            self.rng.shuffle(pool)
            self.take(pool, n, f"{batch}-{register}")

    def uncertain(self, quotas: Quotas, thresholds: dict[str, float], batch: str) -> None:
        """Among the 3n items of each register nearest the thresholds, a random n."""
        self.least(quotas, lambda item: margin(item, thresholds), batch)

    def where(self, quotas: Quotas, keep: Callable[[dict[str, Any]], bool], batch: str) -> None:
        """``n`` random items of each register that ``keep`` (batch ``<batch>-<register>``)."""
        for register, n in quotas:
            pool = [i for i in self.by[register] if keep(i)]
            self.rng.shuffle(pool)
            self.take(pool, n, f"{batch}-{register}")

    def matching(self, keywords: tuple[tuple[str, re.Pattern[str], Quotas], ...], batch: str) -> None:
        """For each (name, pattern, quotas): n random items of each register that the pattern finds."""
        for name, pattern, quotas in keywords:
            self.where(quotas, lambda item, found=pattern: bool(found.search(item["joined"])), f"{batch}-{name}")


def run(
    seed: int,
    prefix: str,
    scored: Callable[[list[dict[str, Any]]], dict[str, float]],
    choose: Callable[[Selection, dict[str, float]], None],
) -> int:
    """One round: the candidates, scored by ``scored`` (which returns the model's thresholds), chosen by
    ``choose``, dealt into packages ``<prefix>01.jsonl`` … in the folder given on the command line."""
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("packages")
    rng = random.Random(seed)
    items = candidates()
    thresholds = scored(items)
    selection = Selection(items, rng)
    choose(selection, thresholds)
    deal(items, selection.chosen, out, rng, prefix)
    print("chosen", len(selection.chosen), Counter(selection.chosen.values()), file=sys.stderr)
    return 0


def main() -> int:
    def choose(selection: Selection, thresholds: dict[str, float]) -> None:
        selection.random((("weibo", 600), ("message", 600), ("headline", 400)), "random2")
        selection.uncertain((("weibo", 400), ("message", 450), ("headline", 350)), thresholds, "uncertain2")
        selection.matching(
            (
                ("positive", POSITIVE, (("weibo", 120), ("message", 80), ("headline", 120))),
                ("shantytown", SHANTYTOWN, (("weibo", 60), ("message", 80), ("headline", 60))),
                ("engineering", ENGINEERING, (("weibo", 60), ("message", 80), ("headline", 60))),
            ),
            "rare2",
        )

    return run(20261208, "q", score, choose)


def deal(
    items: list[dict[str, Any]], chosen: dict[tuple[str, str], str], out: Path, rng: random.Random, prefix: str
) -> None:
    """Write the chosen items, each with its batch, into PACKAGES packages of about equal reading length."""
    rows = [
        {
            **{k: it[k] for k in ("file", "id", "register", "title", "text", "category")},
            "batch": chosen[(it["file"], it["id"])],
        }
        for it in items
        if (it["file"], it["id"]) in chosen
    ]
    rng.shuffle(rows)
    rows.sort(key=lambda r: -len(r["title"] + r["text"]))
    packs: list[list[dict[str, Any]]] = [[] for _ in range(PACKAGES)]
    load = [0] * PACKAGES
    for row in rows:  # deal the longest first to the lightest package: equal reading for every annotator
        i = min(range(PACKAGES), key=lambda k: load[k] + len(packs[k]) * 150)
        packs[i].append(row)
        load[i] += min(len(row["title"] + row["text"]), 4000)
    out.mkdir(parents=True, exist_ok=True)
    for i, pack in enumerate(packs, start=1):
        rng.shuffle(pack)
        with (out / f"{prefix}{i:02d}.jsonl").open("w", encoding="utf-8") as fh:
            fh.writelines(json.dumps(row, ensure_ascii=False) + "\n" for row in pack)


if __name__ == "__main__":
    sys.exit(main())
