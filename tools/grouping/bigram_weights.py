"""Build ``nlp/data/common_bigrams.json``: how little the common character bigrams of real posts say.

Grouping compares posts by the character bigrams of their title and lead (``incidents.grouping``). Bigrams
such as 业主, 小区, 问题, 反映, 疫情 occur in a large share of real letters and posts whatever their matter, so
two letters sharing them are no more alike than any two letters; a bigram's weight is its inverse document
frequency in the real texts of ``../shared/data/real/`` (each file on its own, as grouping sees them: hashtags
out; a bigram's share is the largest it has in any file, so a word common in letters counts as common even
though headlines rarely use it), squared, and scaled so that a bigram seen in at most ``1 / RARE`` of the
documents weighs 1. Only the bigrams
lighter than 1 are written (the common ones, a few thousand): every other bigram weighs 1. The file holds
statistics, no text.

    .venv/bin/python tools/grouping/bigram_weights.py
"""

from __future__ import annotations

import json
import math
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

REAL = ROOT.parent / "shared" / "data" / "real"
OUT = ROOT / "nlp" / "data" / "common_bigrams.json"
RARE = 200  # a bigram in at most 0.5 % of documents weighs 1


def main() -> None:
    from incidents.grouping import shingles
    from nlp.surface import body

    share: dict[str, float] = {}
    documents = 0
    for name in ("messages-2020.jsonl", "weibo-2020.jsonl", "headlines.jsonl"):
        df: Counter[str] = Counter()
        rows = 0
        with (REAL / name).open(encoding="utf-8") as fh:
            for line in fh:
                row = json.loads(line)
                df.update(shingles(body(f"{row.get('title') or ''} {row.get('text') or ''}")))
                rows += 1
        documents += rows
        for gram, count in df.items():
            share[gram] = max(share.get(gram, 0.0), count / rows)
    ceiling = math.log(RARE)
    weights = {
        gram: round(max(0.02, (math.log(1 / value) / ceiling) ** 2), 3)
        for gram, value in share.items()
        if value * RARE > 1
    }
    OUT.write_text(
        json.dumps(
            {"documents": documents, "rare": RARE, "weights": dict(sorted(weights.items()))},
            ensure_ascii=False,
            indent=0,
        )
        + "\n",
        encoding="utf-8",
    )
    print(f"{OUT}: {len(weights)} common bigrams of {len(share)} over {documents} documents")


if __name__ == "__main__":
    main()
