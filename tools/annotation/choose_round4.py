"""Round 4 of the annotation: where the round-3 model is weakest on real text, sentiment and relevance.

    .venv/bin/python tools/annotation/choose_round4.py PACKAGES_DIR

Cross-validated on rounds 1–3 (``tools/tagger/cv.py``), the random items score topic macro-F1 0.724, relevance
precision 0.813, sentiment macro-F1 0.789 with positive F1 only 0.647 (0.400 on letters, 0.219 on headlines);
engineering quality and urban management are weakest in headlines (0.54, 0.48). So this round takes:

- the items whose sentiment the round-3 model is least sure of (the two highest sentiment scores closest), in all
  three registers: sentiment has had no uncertainty sampling of its own;
- the items whose topic scores lie closest to the thresholds, as in rounds 2 and 3, fewer of them;
- letters and Weibo posts with words of thanks, praise or good news (positive sentiment is rarest in letters).
  The headlines with those words, and with the words of construction and site safety, were all taken by
  rounds 1–3 (71 and about 100 in 32,547 headlines), so headlines come only by uncertainty.

Items of earlier rounds and near copies of dev items are excluded (``choose_round2.candidates``). Writes eight
packages ``s01.jsonl`` … ``s08.jsonl`` into PACKAGES_DIR, labelled with ``tools/annotation/tool.py`` under
``tools/annotation/BRIEF_round4.md``.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from choose_round2 import POSITIVE, ROOT, Selection, run

sys.path.insert(0, str(ROOT))

from nlp import model as model_module
from nlp.features import prepare
from nlp.model import TOPIC_KEYS
from nlp.segment import Segmenter

TOPIC_UNCERTAIN = (("weibo", 180), ("headline", 180), ("message", 140))
SENTIMENT_UNCERTAIN = (("weibo", 160), ("headline", 200), ("message", 200))
KEYWORDS = (("positive", POSITIVE, (("message", 150), ("weibo", 60))),)


def score(items: list[dict[str, Any]]) -> dict[str, float]:
    """Topic probabilities and the sentiment margin (best minus second decision score) of every item under the
    shipped model; its thresholds."""
    segmenter = Segmenter()
    models = model_module.load()
    for start in range(0, len(items), 1000):
        chunk = items[start : start + 1000]
        probabilities, sentiment = models.scores([prepare(segmenter, it["joined"]) for it in chunk])
        for item, row, sent in zip(chunk, probabilities, np.sort(sentiment, axis=1), strict=True):
            item["scores"] = dict(zip(TOPIC_KEYS, row.tolist(), strict=True))
            item["sentiment_margin"] = float(sent[-1] - sent[-2])
    return dict(models.metadata["thresholds"])


def main() -> int:
    def choose(selection: Selection, thresholds: dict[str, float]) -> None:
        # among the 3n least sure of their sentiment, a random n
        selection.least(SENTIMENT_UNCERTAIN, lambda item: item["sentiment_margin"], "uncertain4s")
        selection.uncertain(TOPIC_UNCERTAIN, thresholds, "uncertain4")
        selection.matching(KEYWORDS, "rare4")

    return run(20261210, "s", score, choose)


if __name__ == "__main__":
    sys.exit(main())
