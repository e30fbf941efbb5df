"""Round 5 of the annotation: the posts the tagger would flag, to teach it what it flags wrongly.

    .venv/bin/python tools/annotation/choose_round5.py PACKAGES_DIR

After round 4, cross-validation on the 3,100 random items gives relevance precision 0.817 against recall 0.869:
of the posts the tagger would put before the duty officer, about one in five has no topic. Uncertainty sampling
(rounds 2–4) takes items near a threshold, which are as often missed topics as false ones. This round takes, in
each register, random items the round-4 model gives a topic (its false positives are the hard negatives of the
live stream: 房价 in a travel post, 物业 in an epidemic notice), and topic uncertainty again, fewer.

Items of earlier rounds and near copies of dev items are excluded (``choose_round2.candidates``). Writes eight
packages ``t01.jsonl`` … ``t08.jsonl`` into PACKAGES_DIR, labelled with ``tools/annotation/tool.py`` under
``tools/annotation/BRIEF_round5.md``.
"""

from __future__ import annotations

import random
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from choose_round2 import Selection, candidates, deal
from choose_round4 import score

FLAGGED = (("weibo", 300), ("headline", 300), ("message", 200))
TOPIC_UNCERTAIN = (("weibo", 150), ("headline", 150), ("message", 100))


def main() -> int:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("packages")
    rng = random.Random(20261211)
    items = candidates()
    thresholds = score(items)
    selection = Selection(items, rng)
    for register, n in FLAGGED:  # a random n of the items the model gives at least one topic
        pool = [i for i in selection.by[register] if any(i["scores"][t] >= thresholds[t] for t in thresholds)]
        rng.shuffle(pool)
        selection.take(pool, n, f"flagged5-{register}")
    selection.uncertain(TOPIC_UNCERTAIN, thresholds, "uncertain5")
    deal(items, selection.chosen, out, rng, "t")
    print("chosen", len(selection.chosen), Counter(selection.chosen.values()), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
