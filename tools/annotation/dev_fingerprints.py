"""Write the SimHash fingerprints of ``../shared/data/topics-dev.jsonl`` (never its text) for the leakage test.

    .venv/bin/python tools/annotation/dev_fingerprints.py > tests/nlp/data/dev_fingerprints.json

The dev file is measure-only: nothing may be trained on it. ``tests/nlp/test_leakage.py`` compares every
training record with these fingerprints (the crawler's near-duplicate rule), so a near copy of a dev item
that slips into the corpus or the annotations fails the build.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from crawlers.neardup import simhash  # noqa: E402
from nlp.corpus import join_title  # noqa: E402

DEV = ROOT.parent / "shared" / "data" / "topics-dev.jsonl"


def main() -> int:
    prints = {}
    with DEV.open(encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            prints[row["id"]] = simhash(join_title(row.get("title"), row.get("text")))
    sys.stdout.write(json.dumps({"source": "topics-dev.jsonl", "fingerprints": prints}) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
