"""Round 3 of the annotation: where cross-validation shows the tagger weakest on real text.

    .venv/bin/python tools/annotation/choose_round3.py PACKAGES_DIR

Cross-validated on rounds 1 and 2 (``tools/tagger/cv.py``), topic macro-F1 is 0.754 on letters but 0.567 on
headlines and 0.454 on Weibo posts, with expropriation and urban management weakest in headlines and shantytown
weakest on Weibo. So this round takes the items a model trained on rounds 1 and 2 is least sure of, mostly Weibo
and headlines, and items with the words of the weak topics in those two registers (which gives both rare
positives and hard negatives). Items of earlier rounds and near copies of dev items are excluded
(``choose_round2.candidates``). Writes eight packages ``r01.jsonl`` … ``r08.jsonl`` into PACKAGES_DIR, labelled
with ``tools/annotation/tool.py`` under ``tools/annotation/BRIEF_round3.md``.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from choose_round2 import ENGINEERING, SHANTYTOWN, Selection, run, score

EXPROPRIATION = re.compile(r"拆迁|征收|征地|强拆|拆除|搬迁|安置|补偿款|腾退|拆违")
URBAN = re.compile(
    r"城管|违建|违章建筑|占道|摊贩|摆摊|市容|井盖|路灯|渣土|噪音|扰民|绿化|垃圾|内涝|积水|停车|广告牌|供暖|燃气|物业"
)
UNCERTAIN = (("weibo", 450), ("headline", 400), ("message", 250))
KEYWORDS = (
    ("expropriation", EXPROPRIATION, (("headline", 120), ("weibo", 100))),
    ("urban", URBAN, (("headline", 120), ("weibo", 100))),
    ("shantytown", SHANTYTOWN, (("weibo", 80), ("headline", 80))),
    ("engineering", ENGINEERING, (("weibo", 80),)),
)


def main() -> int:
    def choose(selection: Selection, thresholds: dict[str, float]) -> None:
        selection.uncertain(UNCERTAIN, thresholds, "uncertain3")
        selection.matching(KEYWORDS, "rare3")

    return run(20261209, "r", score, choose)


if __name__ == "__main__":
    sys.exit(main())
