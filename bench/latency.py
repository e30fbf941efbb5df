"""Latency of the whole system: a post is published at a random moment; how long until its alert email arrives?

    .venv/bin/python bench/latency.py [--incidents 20] [--interval 5] [--gap 9]

The real daemon (``yuqing run``, a child process) crawls the simulated web (its feed, in real time) every
``--interval`` seconds and mails a local SMTP server (aiosmtpd, in this process), which notes the arrival
instant of each message. The bench writes ``--incidents`` accident posts (each in another city, with
three or more deaths, so each is its own 较大 incident with an alert), published one every ``--gap``
seconds plus a random jitter, so each lands at a random moment of the crawl cycle. Per incident:

- total = alert email received − post published;
- after fetch = alert email received − the start of the crawl that fetched it (``documents.fetched_at`` is
  that crawl's instant): the crawl child's own run, tag, detect, tick and delivery. total − after fetch
  is the wait for the next crawl.

Prints p50/p95 of both. Targets: after fetch p95 ≤ 5 s; total p95 ≤ interval + 5 s.
"""

from __future__ import annotations

import argparse
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import select  # noqa: E402

from storage.db import make_engine, migrate  # noqa: E402
from storage.models import Document  # noqa: E402
from yuqing.simweb.corpus import Expected, Item  # noqa: E402
from yuqing.simweb.loopback import Mailbox, MailServer  # noqa: E402
from yuqing.simweb.server import SimWeb  # noqa: E402

PLACES = [
    ("济南市", "历城区"),
    ("青岛市", "黄岛区"),
    ("淄博市", "张店区"),
    ("枣庄市", "滕州市"),
    ("东营市", "东营区"),
    ("烟台市", "芝罘区"),
    ("潍坊市", "奎文区"),
    ("济宁市", "任城区"),
    ("泰安市", "泰山区"),
    ("威海市", "环翠区"),
    ("日照市", "东港区"),
    ("临沂市", "河东区"),
    ("德州市", "德城区"),
    ("聊城市", "东昌府区"),
    ("滨州市", "滨城区"),
    ("菏泽市", "牡丹区"),
    ("河南省郑州市", "金水区"),
    ("江苏省徐州市", "鼓楼区"),
    ("河北省石家庄市", "长安区"),
    ("安徽省合肥市", "蜀山区"),
    ("浙江省杭州市", "余杭区"),
    ("湖北省武汉市", "洪山区"),
]
ACCIDENTS = ["塔吊倒塌", "脚手架坍塌", "基坑坍塌", "在建楼房外墙坍塌", "施工升降机坠落", "模板支撑体系坍塌"]
DEATHS = ["3", "4", "5", "6", "7", "8"]

CONFIG = """
[database]
url = "sqlite:///yuqing.db"

[[sources]]
name = "齐鲁时讯网-订阅"
type = "feed"
url = "{web}/feeds/rss.xml"
tier = "provincial"
interval = "{interval}s"

[crawl]
autothrottle = false
retry_backoff = "0s"

[smtp]
host = "127.0.0.1"
port = {port}
sender = "住建舆情监测 <yuqing@zjt.example.cn>"

[recipients]
duty = ["duty@zjt.example.cn"]

[alerts]
self_test = false
"""


def posts(count: int, start: datetime, gap: float, rng: random.Random) -> list[tuple[Item, str]]:
    """``count`` accident posts, the i-th published about ``i * gap`` seconds after ``start`` (plus jitter)."""
    chosen = []
    for i in range(count):
        city, district = PLACES[i % len(PLACES)]
        accident, deaths = ACCIDENTS[i % len(ACCIDENTS)], DEATHS[i % len(DEATHS)]
        title = f"{city}{district}一工地发生{accident}事故 已造成{deaths}人死亡"
        text = (
            f"今天上午，{city}{district}一在建工地发生{accident}事故，已造成{deaths}人死亡、2人受伤。"
            "事故原因正在调查中，当地已组织救援和善后处置。"
        )
        offset = timedelta(seconds=gap * (i + 1) + rng.uniform(0, gap / 2))
        item = Item(
            id=f"bench{i:03d}",
            channel="news",
            title=title,
            text=text,
            author="记者",
            offset=offset,
            kind="news",
            expected=Expected(topics=("engineering_quality",), story=None),
        )
        chosen.append((item, title))
    return chosen


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--incidents", type=int, default=20)
    parser.add_argument("--interval", type=int, default=5, help="crawl interval in seconds")
    parser.add_argument("--gap", type=float, default=9.0, help="seconds between two posts (before jitter)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    smtp = MailServer().start()
    arrivals, port = smtp.mailbox, smtp.port
    folder = Path(tempfile.mkdtemp(prefix="yuqing-latency-"))
    start = datetime.now(UTC) + timedelta(seconds=20)  # the daemon's start-up (tagger load) comes first
    chosen = posts(args.incidents, start, args.gap, rng)
    try:
        with SimWeb(start, clock=lambda: datetime.now(UTC), items=[item for item, _t in chosen]) as web:
            config = folder / "config.toml"
            config.write_text(CONFIG.format(web=web.url, interval=args.interval, port=port), encoding="utf-8")
            engine = make_engine(f"sqlite:///{folder / 'yuqing.db'}")
            migrate(engine)
            command = [sys.executable, "-m", "yuqing", "--config", str(config), "run"]
            log = (folder / "daemon.log").open("w")
            daemon = subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
            try:
                last = start + chosen[-1][0].offset
                deadline = time.time() + (last - datetime.now(UTC)).total_seconds() + 60
                print(f"{len(chosen)} posts until {last:%H:%M:%S} UTC; crawl every {args.interval} s …", flush=True)
                while time.time() < deadline and len(alerts(arrivals)) < len(chosen):
                    time.sleep(0.5)
            finally:
                daemon.send_signal(signal.SIGTERM)
                daemon.wait(timeout=60)
            with engine.connect() as connection:
                fetched = dict(connection.execute(select(Document.title, Document.fetched_at)).all())
            engine.dispose()
    finally:
        smtp.stop()
    return report(chosen, start, alerts(arrivals), fetched, args.interval, folder)


def alerts(arrivals: Mailbox) -> list[tuple[float, str, str]]:
    """(arrival, kind, subject) of every alert email received so far."""
    with arrivals.lock:
        return [(mail.arrived, mail.kind, mail.subject) for mail in arrivals.received if mail.kind == "alert"]


def report(
    chosen: list[tuple[Item, str]],
    start: datetime,
    received: list[tuple[float, str, str]],
    fetched: dict[str, datetime],
    interval: int,
    folder: Path,
) -> int:
    totals, after = [], []
    for item, title in chosen:
        published = (start + item.offset).timestamp()
        arrival = next((at for at, _kind, subject in received if title[:12] in subject), None)
        if arrival is None or title not in fetched:
            print(f"no alert for: {title}")
            continue
        totals.append(arrival - published)
        after.append(arrival - fetched[title].timestamp())
    if not totals:
        print(f"no alerts arrived; see {folder / 'daemon.log'}")
        return 1
    print(f"alerts: {len(totals)} of {len(chosen)} incidents (crawl interval {interval} s); daemon log {folder}")
    for name, values in (("total (published → email)", totals), ("after fetch (crawl start → email)", after)):
        p50, p95 = statistics.median(values), percentile(values, 0.95)
        print(f"  {name:<36} p50 {p50:5.2f} s   p95 {p95:5.2f} s   max {max(values):5.2f} s")
    ok = percentile(after, 0.95) <= 5 and percentile(totals, 0.95) <= interval + 5
    print("targets (after fetch p95 ≤ 5 s; total p95 ≤ interval + 5 s):", "met" if ok else "NOT met")
    return 0 if len(totals) == len(chosen) else 1


if __name__ == "__main__":
    raise SystemExit(main())
