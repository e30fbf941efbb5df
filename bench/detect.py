"""Incidents speed: the cost of placing one new post with 10,000 and with 1,000,000 stored documents,
and the throughput of ``detect`` over a backlog of 10,000 new documents.

    .venv/bin/python bench/detect.py [--stored 10000,1000000] [--backlog 10000] [--per-day 250] [--samples 40]

Stored documents are generated from our own corpus (``nlp/data/corpus``; tagged once with the real
gazetteer, casualty reader and segmenter, then repeated) at a constant density of ``--per-day`` posts
a day, and already grouped into incidents (a quarter of them promoted), so that the newest weeks of
the small and of the large database look alike and only the size of the history differs. Everything
is written with SQLAlchemy core ``executemany`` into a temporary SQLite file. Placing one post means:
load it, find and score the incidents it may join, write the membership, refresh the incident, commit.
Target: the 1,000,000 / 10,000 ratio of the median placing time ≤ 1.5.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

START = datetime(2020, 1, 1, tzinfo=UTC)
TIERS = ["central", "provincial", "official", "local", "self_media"]
PER_INCIDENT = 8
CHUNK = 50_000


def load_examples() -> list[dict[str, Any]]:
    """The corpus, tagged once: places, casualties, keywords; topics from the labels."""
    from nlp.casualties import extract
    from nlp.corpus import CORPUS_DIR, corpus_files
    from nlp.places import PlaceFinder
    from nlp.segment import Segmenter

    finder, segmenter = PlaceFinder(), Segmenter()
    examples = []
    for path in corpus_files(CORPUS_DIR):
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            row = json.loads(line)
            text = row["text"]
            places = [
                {"province": p.province, "city": p.city, "district": p.district, "mention": p.mention}
                for p in finder.find(text)
            ]
            examples.append(
                {
                    "text": text,
                    "topics": list(row.get("topics") or []),
                    "places": places,
                    "casualties": extract(text).to_dict(),
                    "keywords": segmenter.keywords(text),
                    "sentiment": row.get("sentiment") or "neutral",
                }
            )
    return examples


def build(url: str, stored: int, per_day: int, examples: list[dict[str, Any]]) -> datetime:
    """A database with ``stored`` documents grouped into incidents; returns the instant after the last one."""
    from sqlalchemy import insert

    from incidents.grouping import new_profile, pending_post, profile_marks
    from storage.db import make_engine, migrate
    from storage.models import (
        DetectState,
        Document,
        DocumentAnalysis,
        DocumentTopic,
        Incident,
        IncidentDocument,
        IncidentKey,
        IncidentMark,
        Source,
    )

    engine = make_engine(url)
    migrate(engine)
    step = timedelta(seconds=86400 / per_day)
    with engine.begin() as conn:
        conn.exec_driver_sql("PRAGMA synchronous=OFF")
        conn.execute(
            insert(Source),
            [
                {"id": i + 1, "name": f"来源{i}", "tier": TIERS[i % 5], "created_at": START, "consecutive_failures": 0}
                for i in range(200)
            ],
        )
    incident_of: dict[int, int] = {}
    open_incident: dict[str, tuple[int, int]] = {}  # topic -> (incident id, members so far)
    incidents: dict[int, dict[str, Any]] = {}
    for start in range(0, stored, CHUNK):
        docs, analyses, topics, members = [], [], [], []
        for i in range(start, min(start + CHUNK, stored)):
            example = examples[i % len(examples)]
            at = START + i * step
            docs.append(
                {
                    "id": i + 1,
                    "url": f"https://bench.example.cn/{i}",
                    "canonical_url": f"https://bench.example.cn/{i}",
                    "content_hash": f"{i:064x}",
                    "source_id": i % 200 + 1,
                    "kind": "news",
                    "title": "",
                    "text": f"{example['text']}（{i}）",
                    "published_at": at,
                    "fetched_at": at,
                }
            )
            analyses.append(
                {
                    "document_id": i + 1,
                    "sentiment": example["sentiment"],
                    "places": example["places"],
                    "casualties": example["casualties"],
                    "keywords": example["keywords"],
                    "model_version": "bench",
                    "tagged_at": at,
                }
            )
            topics += [{"document_id": i + 1, "topic": t, "score": 0.9} for t in example["topics"]]
            if example["topics"]:
                topic = example["topics"][0]
                number, size = open_incident.get(topic, (0, PER_INCIDENT))
                if size >= PER_INCIDENT:
                    number, size = len(incidents) + 1, 0
                    post = pending_post(
                        i + 1, at, "", example["text"], example["topics"], example["places"], example["keywords"]
                    )
                    promoted = number % 4 == 0
                    incidents[number] = {
                        "id": number,
                        "title": post.title,
                        "status": "open" if promoted else "candidate",
                        "grade": "general",
                        "grade_reasons": [],
                        "grade_by_hand": False,
                        "topics": example["topics"],
                        "city": post.city,
                        "in_jurisdiction": True,
                        "casualties": {},
                        "first_reported_at": at,
                        "detected_at": at,
                        "updated_at": at,
                        "last_seen_at": at,
                        "status_since": at,
                        "profile": new_profile([post]),
                    }
                open_incident[topic] = (number, size + 1)
                incidents[number]["last_seen_at"] = at
                members.append({"document_id": i + 1, "incident_id": number, "joined_at": at, "by_hand": False})
                incident_of[i + 1] = number
        with engine.begin() as conn:
            conn.exec_driver_sql("PRAGMA synchronous=OFF")
            conn.execute(insert(Document), docs)
            conn.execute(insert(DocumentAnalysis), analyses)
            if topics:
                conn.execute(insert(DocumentTopic), topics)
    rows = list(incidents.values())
    keys, marks = [], []
    for row in rows:
        reach = row["last_seen_at"] + (timedelta(days=30) if row["status"] == "open" else timedelta(hours=48))
        keys += [
            {"incident_id": row["id"], "topic": t, "city": row["city"], "reach_until": reach} for t in row["topics"]
        ]
        written = profile_marks(row["profile"])
        row["profile"] = {**row["profile"], "marks": written}
        marks += [{"incident_id": row["id"], "mark": m, "city": row["city"], "reach_until": reach} for m in written]
    member_rows = [
        {"document_id": d, "incident_id": n, "joined_at": START, "by_hand": False} for d, n in incident_of.items()
    ]
    with engine.begin() as conn:
        conn.exec_driver_sql("PRAGMA synchronous=OFF")
        for start in range(0, len(rows), CHUNK):
            conn.execute(insert(Incident), rows[start : start + CHUNK])
        for start in range(0, len(keys), CHUNK):
            conn.execute(insert(IncidentKey), keys[start : start + CHUNK])
        for start in range(0, len(marks), CHUNK):
            conn.execute(insert(IncidentMark), marks[start : start + CHUNK])
        for start in range(0, len(member_rows), CHUNK):
            conn.execute(insert(IncidentDocument), member_rows[start : start + CHUNK])
        conn.execute(insert(DetectState), [{"id": 1, "low_water": stored, "updated_at": START + stored * step}])
    engine.dispose()
    return START + stored * step


def add_new(
    url: str, first_id: int, count: int, at: datetime, per_day: int, examples: list[dict[str, Any]]
) -> datetime:
    """``count`` new tagged documents after ``at`` (ids from ``first_id``); returns the instant after them."""
    from sqlalchemy import insert

    from storage.db import make_engine
    from storage.models import Document, DocumentAnalysis, DocumentTopic

    engine = make_engine(url)
    step = timedelta(seconds=86400 / per_day)
    docs, analyses, topics = [], [], []
    for n in range(count):
        i = first_id + n
        example = examples[(i * 7) % len(examples)]
        published = at + n * step
        docs.append(
            {
                "id": i,
                "url": f"https://bench.example.cn/new/{i}",
                "canonical_url": f"https://bench.example.cn/new/{i}",
                "content_hash": f"{i:064x}",
                "source_id": i % 200 + 1,
                "kind": "news",
                "title": "",
                "text": example["text"],
                "published_at": published,
                "fetched_at": published,
            }
        )
        analyses.append(
            {
                "document_id": i,
                "sentiment": example["sentiment"],
                "places": example["places"],
                "casualties": example["casualties"],
                "keywords": example["keywords"],
                "model_version": "bench",
                "tagged_at": published,
            }
        )
        topics += [{"document_id": i, "topic": t, "score": 0.9} for t in example["topics"] or ["housing_market"]]
    with engine.begin() as conn:
        conn.execute(insert(Document), docs)
        conn.execute(insert(DocumentAnalysis), analyses)
        conn.execute(insert(DocumentTopic), topics)
    engine.dispose()
    return at + count * step


def time_placing(
    url: str, stored: int, end: datetime, samples: int, per_day: int, examples: list[dict[str, Any]]
) -> float:
    """Median seconds to place one new post (load, place, refresh, commit)."""
    from incidents.assess import refresh
    from incidents.grouping import Placer, load_pending
    from storage.db import make_engine, session_factory, transaction
    from storage.models import Incident
    from yuqing import config as config_module

    settings = config_module.Config()
    add_new(url, stored + 1, samples, end, per_day, examples)
    engine = make_engine(url)
    sessions = session_factory(engine)
    timings = []
    for n in range(samples):
        document_id = stored + 1 + n
        now = end + (n + 1) * timedelta(seconds=86400 / per_day)
        started = time.perf_counter()
        with transaction(sessions) as session:
            placer = Placer(session, settings.incidents, now)
            for post in load_pending(session, [document_id]):
                placer.place(post)
            placer.finish()
            for incident_id in placer.touched:
                incident = session.get(Incident, incident_id)
                if incident is not None:
                    refresh(session, incident, now, settings, "山东省")
        timings.append(time.perf_counter() - started)
    engine.dispose()
    return statistics.median(timings[samples // 4 :])  # the first ones warm the caches


def main() -> int:
    parser = argparse.ArgumentParser(description="研判（detect）速度基准")
    parser.add_argument("--stored", default="10000,1000000", help="两种库存文档数，逗号分隔")
    parser.add_argument("--backlog", type=int, default=10_000, help="0: skip the throughput run")
    parser.add_argument("--per-day", type=int, default=250)
    parser.add_argument("--samples", type=int, default=40)
    args = parser.parse_args()
    sizes = [int(s) for s in args.stored.split(",")]

    started = time.perf_counter()
    examples = load_examples()
    print(f"语料：{len(examples)} 条（标注 {time.perf_counter() - started:.1f} s），每天 {args.per_day} 条")
    placing = {}
    with tempfile.TemporaryDirectory() as folder:
        warm = f"sqlite:///{Path(folder) / 'warm-up.db'}"  # compiles statements and fills caches, not timed
        time_placing(warm, 2000, build(warm, 2000, args.per_day, examples), args.samples, args.per_day, examples)
        for size in sizes:
            url = f"sqlite:///{Path(folder) / f'stored-{size}.db'}"
            started = time.perf_counter()
            end = build(url, size, args.per_day, examples)
            built = time.perf_counter() - started
            placing[size] = time_placing(url, size, end, args.samples, args.per_day, examples)
            print(f"库存 {size:,} 条（生成 {built:.0f} s）：放置一条新文档 {placing[size] * 1000:.1f} ms（中位数）")
        if len(sizes) >= 2:
            ratio = placing[sizes[-1]] / placing[sizes[0]]
            print(f"放置耗时之比 {sizes[-1]:,} / {sizes[0]:,}：{ratio:.2f}（目标 ≤ 1.5）")

        if args.backlog <= 0:
            return 0
        from incidents.detect import detect
        from storage.db import make_engine, session_factory
        from yuqing import config as config_module

        url = f"sqlite:///{Path(folder) / 'backlog.db'}"
        end = build(url, sizes[0], args.per_day, examples)
        now = add_new(url, sizes[0] + 1, args.backlog, end, args.per_day * 10, examples)
        engine = make_engine(url)
        started = time.perf_counter()
        result = detect(session_factory(engine), now, config_module.Config())
        seconds = time.perf_counter() - started
        engine.dispose()
        print(
            f"detect 积压 {args.backlog:,} 条：{seconds:.1f} s，{result.placed / seconds:,.0f} 条/秒"
            f"（新候选 {result.candidates}，并入 {result.joined}，成立 {len(result.promoted)}）"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
