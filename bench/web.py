"""Console speed: server time per page of the desk and of an incident's page, with 1,000 open incidents and
1,000,000 stored documents, against the same pages with 10,000 stored documents (the baseline of this run).

    .venv/bin/python bench/web.py [--stored 10000,1000000] [--open 1000] [--samples 60] [--postgres URL]

Documents, analyses, incidents (1,000 open and graded 重大/较大/一般 with their clocks running; the rest closed,
8 posts each), grade history, members and responses are written with SQLAlchemy core ``executemany`` into a
temporary SQLite file (and, with ``--postgres``, into that PostgreSQL database, emptied first). Pages are
requested through Flask's test client as a logged-in duty officer, so the figure is the server's time per
page (routing, queries, templates), without the network. Target: p95 ≤ 300 ms per page at 1,000,000.
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

NOW = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)
PER_INCIDENT = 8
CHUNK = 20_000
PASSWORD = "bench-password-1"
GRADES = ["major", "large", "large", "general", "general"]
TOPICS = ["engineering_quality", "housing_market", "expropriation", "shantytown", "urban_management"]
CITIES = ["济南市", "青岛市", "烟台市", "潍坊市", "临沂市", "济宁市"]


def incident_count(stored: int, open_incidents: int) -> int:
    """A quarter of the posts belong to an incident, and there are at least the open ones."""
    return max(stored // (PER_INCIDENT * 4), open_incidents)


def build(url: str, stored: int, open_incidents: int) -> None:
    from sqlalchemy import insert

    from storage.db import make_engine, migrate
    from storage.models import (
        Document,
        DocumentAnalysis,
        DocumentTopic,
        GradeChange,
        Incident,
        IncidentDocument,
        IncidentEvent,
        Source,
    )

    engine = make_engine(url)
    if engine.dialect.name == "postgresql":  # a database of its own for the benchmark: start from nothing
        with engine.begin() as conn:
            conn.exec_driver_sql("DROP SCHEMA public CASCADE")
            conn.exec_driver_sql("CREATE SCHEMA public")
    migrate(engine)
    step = timedelta(days=365) / stored  # a year of history, the newest post just before NOW
    first = NOW - timedelta(days=365)
    incidents = incident_count(stored, open_incidents)
    open_from = incidents - open_incidents  # the newest incidents are the open ones
    with engine.begin() as conn:
        conn.execute(
            insert(Source),
            [
                {"id": i + 1, "name": f"来源{i}", "tier": "local", "created_at": first, "consecutive_failures": 0}
                for i in range(200)
            ],
        )
    # incident n holds the PER_INCIDENT posts ending at post (n + 1) * stored / incidents
    member_of: dict[int, int] = {}
    for n in range(incidents):
        last = (n + 1) * stored // incidents
        for k in range(PER_INCIDENT):
            member_of[last - k] = n + 1
    for start in range(0, stored, CHUNK):
        docs, analyses, topics = [], [], []
        for i in range(start + 1, min(start + CHUNK, stored) + 1):
            at = first + i * step
            docs.append(
                {
                    "id": i,
                    "url": f"https://bench.example.cn/{i}",
                    "canonical_url": f"https://bench.example.cn/{i}",
                    "content_hash": f"{i:064x}",
                    "source_id": i % 200 + 1,
                    "kind": "news" if i % 3 else "social",
                    "title": f"某市某区一在建工地塔吊倒塌事故续报（{i}）",
                    "text": "某市某区一在建工地发生塔吊倒塌，现场正在处置，相关部门已介入调查。" * 3,
                    "author": f"作者{i % 997}",
                    "published_at": at,
                    "fetched_at": at,
                    "reposts": i % 50,
                    "comments": i % 30,
                    "likes": i % 70,
                }
            )
            analyses.append(
                {
                    "document_id": i,
                    "sentiment": "negative",
                    "places": [
                        {"province": "山东省", "city": CITIES[i % 6], "district": None, "mention": CITIES[i % 6]}
                    ],
                    "casualties": {},
                    "keywords": ["塔吊", "倒塌", "工地"],
                    "model_version": "bench",
                    "tagged_at": at,
                }
            )
            if i in member_of:
                topics.append({"document_id": i, "topic": TOPICS[member_of[i] % 5], "score": 0.9})
        with engine.begin() as conn:
            conn.execute(insert(Document), docs)
            conn.execute(insert(DocumentAnalysis), analyses)
            if topics:
                conn.execute(insert(DocumentTopic), topics)
    rows, history, events = [], [], []
    for n in range(incidents):
        number = n + 1
        last_post = first + ((n + 1) * stored // incidents) * step
        began = last_post - (PER_INCIDENT - 1) * step
        is_open = n >= open_from
        grade = GRADES[n % len(GRADES)] if is_open else "general"
        if is_open:
            began = NOW - timedelta(hours=1 + n % 20)  # clocks running, a spread of deadlines
        rows.append(
            {
                "id": number,
                "title": f"{CITIES[n % 6]}某区一在建工地塔吊倒塌（{number}）",
                "status": "open" if is_open else "closed",
                "grade": grade,
                "grade_reasons": ["报道称3人死亡（较大）"] if grade != "general" else [],
                "grade_by_hand": False,
                "topics": [TOPICS[number % 5]],
                "province": "山东省",
                "city": CITIES[n % 6],
                "in_jurisdiction": True,
                "casualties": {},
                "first_reported_at": began,
                "detected_at": began,
                "updated_at": began,
                "closed_at": None if is_open else last_post + timedelta(days=3),
                "last_seen_at": last_post,
                "status_since": began,
                "profile": {},
            }
        )
        history.append({"incident_id": number, "at": began, "grade": grade, "reasons": [], "by_hand": False})
        if is_open and n % 3 == 0:
            events.append(
                {
                    "incident_id": number,
                    "kind": "release",
                    "at": began + timedelta(minutes=30),
                    "recorded_at": began + timedelta(minutes=31),
                    "url": f"https://zjt.example.gov.cn/{number}.html",
                }
            )
    members = [{"document_id": d, "incident_id": n, "joined_at": first, "by_hand": False} for d, n in member_of.items()]
    with engine.begin() as conn:
        for table, values in (
            (Incident, rows),
            (GradeChange, history),
            (IncidentEvent, events),
            (IncidentDocument, members),
        ):
            for start in range(0, len(values), CHUNK):
                conn.execute(insert(table), values[start : start + CHUNK])
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
    engine.dispose()


def measure(url: str, samples: int, open_incidents: int, stored: int) -> dict[str, list[float]]:
    from yuqing import config as config_module
    from yuqing.runtime import Runtime
    from yuqing.web import accounts, create_app

    config = config_module.Config.model_validate({"database": {"url": url}})
    runtime = Runtime(config)
    accounts.add(runtime.sessions, config, "bench", "duty", None, PASSWORD, NOW, "bench")
    app = create_app(runtime, lambda: NOW)
    client = app.test_client()
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").get_data(as_text=True))
    assert token
    client.post("/login", data={"username": "bench", "password": PASSWORD, "csrf_token": token.group(1)})
    incidents = incident_count(stored, open_incidents)
    choices = random.Random(7)
    pages = {
        "desk": lambda: "/",
        "desk-refresh": lambda: "/desk/incidents",
        "incident": lambda: f"/incidents/{choices.randint(incidents - open_incidents + 1, incidents)}",
    }
    times: dict[str, list[float]] = {name: [] for name in pages}
    for name, path in pages.items():
        client.get(path())  # warm
        for _ in range(samples):
            started = time.perf_counter()
            response = client.get(path())
            times[name].append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (name, response.status_code)
    runtime.dispose()
    return times


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[18]


def main() -> None:
    parser = argparse.ArgumentParser(description="值班台网页速度基准")
    parser.add_argument("--stored", default="10000,1000000", help="两种库存文档数，逗号分隔")
    parser.add_argument("--open", type=int, default=1000, help="在办事件数")
    parser.add_argument("--samples", type=int, default=60)
    parser.add_argument("--postgres", help="PostgreSQL URL（会清空整个 public 模式）；不给则只测 SQLite")
    parser.add_argument("--skip-sqlite", action="store_true", help="只测 PostgreSQL")
    args = parser.parse_args()
    sizes = [int(s) for s in args.stored.split(",")]
    backends = ([] if args.skip_sqlite else [("SQLite", None)]) + (
        [("PostgreSQL", args.postgres)] if args.postgres else []
    )
    with tempfile.TemporaryDirectory() as tmp:
        for backend, pg in backends:
            baseline: dict[str, float] = {}
            for stored in sizes:
                url = pg or f"sqlite:///{tmp}/web-{stored}.db"
                started = time.perf_counter()
                build(url, stored, args.open)
                built = time.perf_counter() - started
                times = measure(url, args.samples, args.open, stored)
                print(f"{backend} 库存 {stored:,} 条、在办事件 {args.open} 个（生成 {built:.0f} s）：")
                for name, values in times.items():
                    ratio = (
                        f"，为 {sizes[0]:,} 条时的 {p95(values) / baseline[name]:.2f} 倍" if name in baseline else ""
                    )
                    print(f"  {name:<13} 中位数 {statistics.median(values):6.1f} ms  p95 {p95(values):6.1f} ms{ratio}")
                    baseline.setdefault(name, p95(values))
                worst = max(p95(v) for v in times.values())
                print(f"  最慢页面 p95 {worst:.1f} ms（目标 ≤ 300 ms）：{'达标' if worst <= 300 else '未达标'}")


if __name__ == "__main__":
    main()
