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

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from choose_round2 import Selection, run
from choose_round4 import score

FLAGGED = (("weibo", 300), ("headline", 300), ("message", 200))
TOPIC_UNCERTAIN = (("weibo", 150), ("headline", 150), ("message", 100))


def main() -> int:
    def choose(selection: Selection, thresholds: dict[str, float]) -> None:
        # a random n of the items the model gives at least one topic
        flagged = lambda item: any(item["scores"][t] >= thresholds[t] for t in thresholds)  # noqa: E731
        selection.where(FLAGGED, flagged, "flagged5")
        selection.uncertain(TOPIC_UNCERTAIN, thresholds, "uncertain5")

    return run(20261211, "t", score, choose)


if __name__ == "__main__":
    sys.exit(main())
