#!/usr/bin/env python3
"""Annotation helper: show items of a package, record labels, report progress.

python3 tool.py show PACKAGE FROM COUNT     print items FROM..FROM+COUNT-1 (0-based)
python3 tool.py label PACKAGE               read JSON lines from stdin:
                                            {"n": 12, "topics": [...], "sentiment": "...", "note": "..."}
python3 tool.py status PACKAGE              how many are labelled, and the first unlabelled n
"""

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
TOPICS = {"engineering_quality", "housing_market", "expropriation", "shantytown", "urban_management"}
SENTIMENTS = {"negative", "neutral", "positive"}
MAX_CHARS = 4000


def items(package):
    return [json.loads(line) for line in (HERE / "packages" / f"{package}.jsonl").open(encoding="utf-8")]


def labels_path(package):
    return HERE / "labels" / f"{package}.jsonl"


def labels(package):
    path = labels_path(package)
    found = {}
    if path.exists():
        for line in path.open(encoding="utf-8"):
            if line.strip():
                row = json.loads(line)
                found[row["n"]] = row
    return found


def show(package, start, count):
    rows = items(package)
    for n in range(start, min(start + count, len(rows))):
        it = rows[n]
        text = it["text"]
        cut = ""
        if len(text) > MAX_CHARS:
            text, cut = text[:MAX_CHARS], f" …［后略 {len(it['text']) - MAX_CHARS} 字］"
        print(f"=== n={n} register={it['register']}" + (f" category={it['category']}" if it.get("category") else ""))
        if it.get("title"):
            print(f"标题：{it['title']}")
        print(f"正文：{text}{cut}")
        print()


def label(package):
    rows = items(package)
    found = labels(package)
    ok = bad = 0
    for number, line in enumerate(sys.stdin, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            n = int(row["n"])
            if not 0 <= n < len(rows):
                raise ValueError(f"n={n} out of range 0..{len(rows) - 1}")
            topics = row["topics"]
            if not isinstance(topics, list) or not set(topics) <= TOPICS or len(set(topics)) != len(topics):
                raise ValueError(f"topics must be a list of distinct keys from {sorted(TOPICS)}")
            if row["sentiment"] not in SENTIMENTS:
                raise ValueError(f"sentiment must be one of {sorted(SENTIMENTS)}")
            note = row.get("note") or ""
            if not isinstance(note, str):
                raise ValueError("note must be a string")
        except (ValueError, KeyError, TypeError, json.JSONDecodeError) as exc:
            print(f"input line {number}: REJECTED: {exc}: {line.strip()[:120]}")
            bad += 1
            continue
        found[n] = {
            "n": n,
            "file": rows[n]["file"],
            "id": rows[n]["id"],
            "topics": sorted(topics),
            "sentiment": row["sentiment"],
            "note": note,
        }
        ok += 1
    path = labels_path(package)
    tmp = path.with_suffix(".tmp")
    with tmp.open("w", encoding="utf-8") as fh:
        for n in sorted(found):
            fh.write(json.dumps(found[n], ensure_ascii=False) + "\n")
    tmp.replace(path)
    print(f"recorded {ok}, rejected {bad}; package {package}: {len(found)}/{len(rows)} labelled")


def status(package):
    rows = items(package)
    found = labels(package)
    missing = [n for n in range(len(rows)) if n not in found]
    print(
        f"{package}: {len(found)}/{len(rows)} labelled; first unlabelled n = {missing[0] if missing else 'none'}"
        + (f"; unlabelled count {len(missing)}" if missing else "")
    )


if __name__ == "__main__":
    cmd, package, *rest = sys.argv[1:]
    if cmd == "show":
        show(package, int(rest[0]), int(rest[1]))
    elif cmd == "label":
        label(package)
    elif cmd == "status":
        status(package)
    else:
        sys.exit(__doc__)
