"""Soak test: the real daemon on the simulated web for a long while, with its mail server and database in trouble.

    .venv/bin/python bench/soak.py [--minutes 30] [--gap 20] [--seed 7]

The daemon (``yuqing run``, a child process, real clock) crawls two sources every 30 s: the simulated
provincial news feed, where a new post appears every ``--gap`` seconds (every third an accident with three
to eight deaths in another city: a 较大 incident, so an alert, and since nobody signs for it a re-send after
15 minutes and an escalation after 30), and a feed that returns malformed XML (its crawls fail; after three
minutes of silence it is reported as a blind spot). Meanwhile the bench:

- takes the local SMTP server (aiosmtpd, this process) down and up again: every ``cycle`` (5 minutes, or a
  third of a short run) it is down for 40 % of the cycle, so deliveries fail and are retried;
- holds a long read transaction on the database (a reader that keeps its snapshot, so the WAL cannot be
  checkpointed) for a sixth of the run, at most 2 minutes, from 40 % of the run;
- holds the write lock (``BEGIN IMMEDIATE``) for 20 s at 70 % of the run: every writer waits (busy_timeout 30 s).

At the end the mail server is up and the outbox is given up to two minutes to drain, then the daemon is
stopped with SIGTERM and the bench prints: documents stored, notifications sent, lost (an email marked sent
that never reached the server, a row stuck in ``sending``/``handed_over``/``unconfirmed``, or a row due
without an attempt; rows still pending with the server's error as their reason are listed, not lost),
doubled (a Message-ID the server received more than once: every outbox row has its own), crawl runs and
failures, and the daemon's memory (RSS) after its first crawl and at the end. Exit status 0 when nothing is
lost or doubled.
"""

from __future__ import annotations

import argparse
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

# the same places and accidents as the latency bench (bench/ is on sys.path when a bench runs as a script)
from latency import ACCIDENTS, PLACES  # noqa: E402

from storage.db import make_engine, migrate  # noqa: E402
from yuqing.simweb.corpus import Expected, Item  # noqa: E402
from yuqing.simweb.loopback import MailServer, free_port  # noqa: E402
from yuqing.simweb.server import SimWeb  # noqa: E402

ROUTINE = [
    (
        "{city}出台新政支持刚需购房 首付比例下调",
        "{city}住建局发布通知，首套住房商业贷款最低首付比例调整，公积金贷款额度提高。",
    ),
    (
        "{city}{district}老旧小区改造开工 涉及居民两千余户",
        "{city}{district}今年第二批老旧小区改造项目开工，更新管网、加装电梯。",
    ),
    ("{city}开展城市管理领域专项整治 规范占道经营", "{city}城市管理局在全市开展专项整治行动，规范占道经营和夜间施工。"),
]

CONFIG = """
[database]
url = "sqlite:///yuqing.db"

[[sources]]
name = "齐鲁时讯网-订阅"
type = "feed"
url = "{web}/feeds/rss.xml"
tier = "provincial"
interval = "30s"

[[sources]]
name = "坏数据订阅源"
type = "feed"
url = "{web}/feeds/invalid.xml"
tier = "local"
interval = "30s"

[crawl]
autothrottle = false
retry_backoff = "0s"
retries = 0

[smtp]
host = "127.0.0.1"
port = {port}
sender = "住建舆情监测 <yuqing@zjt.example.cn>"
timeout = "5s"

[recipients]
duty = ["duty@zjt.example.cn"]
leadership = ["leader@zjt.example.cn"]

[schedule]
alerts_tick = "15s"

[alerts]
retry_initial = "10s"
retry_max = "1m"
"""


def posts(minutes: float, gap: float, rng: random.Random) -> list[Item]:
    """A post every ``gap`` seconds (plus jitter) for ``minutes``; every third an accident with deaths."""
    items = []
    for i in range(int(minutes * 60 / gap)):
        city, district = PLACES[(i // 3) % len(PLACES)]
        offset = timedelta(seconds=gap * (i + 1) + rng.uniform(0, gap / 2))
        if i % 3 == 0:
            accident, deaths = ACCIDENTS[(i // 3) % len(ACCIDENTS)], 3 + (i // 3) % 6
            title = f"{city}{district}一工地发生{accident}事故 已造成{deaths}人死亡"
            text = (
                f"今天，{city}{district}一在建工地发生{accident}事故，已造成{deaths}人死亡、2人受伤。"
                "事故原因正在调查中，当地已组织救援和善后处置。"
            )
            topics: tuple[str, ...] = ("engineering_quality",)
        else:
            template_title, template_text = ROUTINE[i % len(ROUTINE)]
            title = template_title.format(city=city, district=district) + f"（第{i}期）"
            text = template_text.format(city=city, district=district)
            topics = ()
        items.append(
            Item(
                id=f"soak{i:04d}",
                channel="news",
                title=title,
                text=text,
                author="记者",
                offset=offset,
                kind="news",
                expected=Expected(topics=topics, story=None),
            )
        )
    return items


def rss_kib(pid: int) -> int:
    """The resident set size of a process in KiB (Linux ``/proc``), 0 when unknown."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


class Mail:
    """The SMTP server, taken down and brought up on the same port."""

    def __init__(self) -> None:
        self.server = MailServer(port=free_port())
        self.up = False
        self.outages = 0

    def start(self) -> None:
        if not self.up:
            self.server.start()
            self.up = True

    def stop(self) -> None:
        if self.up:
            self.server.stop()
            self.up = False
            self.outages += 1


@dataclass
class Lock:
    """A transaction held on the database from ``at`` for ``seconds`` (seconds since the run's start)."""

    name: str
    at: float
    seconds: float
    statement: str
    started: bool = False

    def hold(self, database: Path) -> None:
        connection = sqlite3.connect(database, timeout=60, isolation_level=None)
        try:
            connection.execute(self.statement)
            connection.execute("SELECT count(*) FROM documents").fetchone()  # a reader takes its snapshot here
            time.sleep(self.seconds)
            connection.execute("COMMIT")
        finally:
            connection.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=30.0, help="how long to run (default 30)")
    parser.add_argument("--gap", type=float, default=20.0, help="seconds between two posts (before jitter)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    if args.minutes <= 0:
        parser.error("--minutes must be positive")
    duration = args.minutes * 60
    cycle = min(300.0, duration / 3)
    folder = Path(tempfile.mkdtemp(prefix="yuqing-soak-"))
    database = folder / "yuqing.db"
    mail = Mail()
    mail.start()
    start = datetime.now(UTC) + timedelta(seconds=15)  # the daemon's start-up (tagger load) comes first
    items = posts(args.minutes, args.gap, random.Random(args.seed))
    locks = [
        Lock("长读事务", duration * 0.4, min(120.0, duration / 6), "BEGIN"),
        Lock("写锁", duration * 0.7, 20.0, "BEGIN IMMEDIATE"),
    ]
    print(
        f"浸泡测试 {args.minutes:g} 分钟：每 30 秒采集 2 个来源（其一返回坏数据），每 {args.gap:g} 秒一条新帖；"
        f"邮件服务器每 {cycle:.0f} 秒停 {cycle * 0.4:.0f} 秒；目录 {folder}",
        flush=True,
    )
    with SimWeb(start, clock=lambda: datetime.now(UTC), items=items) as web:
        config = folder / "config.toml"
        config.write_text(CONFIG.format(web=web.url, port=mail.server.port), encoding="utf-8")
        engine = make_engine(f"sqlite:///{database}")
        migrate(engine)
        engine.dispose()
        log = (folder / "daemon.log").open("w")
        command = [sys.executable, "-m", "yuqing", "--config", str(config), "run"]
        daemon = subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        began = time.monotonic()
        rss_start = rss_peak = rss_end = 0
        threads: list[threading.Thread] = []
        try:
            next_report = 60.0
            while (elapsed := time.monotonic() - began) < duration:
                if daemon.poll() is not None:
                    print(f"守护进程意外退出（退出状态 {daemon.returncode}），见 {folder / 'daemon.log'}")
                    return 1
                in_cycle = elapsed % cycle
                if cycle * 0.3 <= in_cycle < cycle * 0.7:
                    mail.stop()
                else:
                    mail.start()
                for lock in locks:
                    if not lock.started and elapsed >= lock.at:
                        lock.started = True
                        thread = threading.Thread(target=lock.hold, args=(database,), daemon=True)
                        thread.start()
                        threads.append(thread)
                        print(f"  第 {elapsed / 60:.1f} 分钟：{lock.name}持有 {lock.seconds:.0f} 秒", flush=True)
                rss = rss_kib(daemon.pid)
                rss_peak = max(rss_peak, rss)
                if not rss_start and elapsed >= 45:  # after start-up and the first crawl
                    rss_start = rss
                if elapsed >= next_report:
                    next_report += 60
                    counts = tallies(database)
                    print(
                        f"  第 {elapsed / 60:.0f} 分钟：文档 {counts['documents']}，已发送 {counts['sent']}，"
                        f"待发送 {counts['pending']}，邮件服务器{'在线' if mail.up else '停机'}，"
                        f"收到邮件 {len(mail.server.mailbox.received)}，RSS {rss / 1024:.0f} MiB",
                        flush=True,
                    )
                time.sleep(0.5)
            mail.start()
            for thread in threads:
                thread.join()
            drained = drain(database, timeout=120)
            rss_end = rss_kib(daemon.pid)
            rss_start = rss_start or rss_end
        finally:
            daemon.send_signal(signal.SIGTERM)
            try:
                daemon.wait(timeout=90)
            except subprocess.TimeoutExpired:
                daemon.kill()
                daemon.wait()
            log.close()
            mail.stop()
    return report(database, mail, drained, rss_start, rss_peak, rss_end, daemon.returncode, folder)


def tallies(database: Path) -> dict[str, int]:
    with sqlite3.connect(database, timeout=60) as connection:
        documents = connection.execute("SELECT count(*) FROM documents").fetchone()[0]
        statuses = dict(connection.execute("SELECT status, count(*) FROM outbox GROUP BY status").fetchall())
    return {"documents": documents, "sent": statuses.get("sent", 0), "pending": statuses.get("pending", 0)}


def drain(database: Path, timeout: float) -> bool:
    """Wait until no outbox row is due, sending or handed over (the mail server is up); False on timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with sqlite3.connect(database, timeout=60) as connection:
            (open_rows,) = connection.execute(
                "SELECT count(*) FROM outbox WHERE status IN ('sending', 'handed_over') "
                "OR (status = 'pending' AND next_attempt_at <= ?)",
                (datetime.now(UTC).replace(tzinfo=None).isoformat(sep=" "),),
            ).fetchone()
        if not open_rows:
            return True
        time.sleep(2)
    return False


def report(
    database: Path,
    mail: Mail,
    drained: bool,
    rss_start: int,
    rss_peak: int,
    rss_end: int,
    exit_status: int | None,
    folder: Path,
) -> int:
    received = Counter(str(m.message["Message-ID"]).strip() for m in mail.server.mailbox.received)
    with sqlite3.connect(database, timeout=60) as connection:
        documents = connection.execute("SELECT count(*) FROM documents").fetchone()[0]
        incidents = connection.execute("SELECT count(*) FROM incidents").fetchone()[0]
        rows = connection.execute(
            "SELECT attempts, idempotency_key, kind, channel, status, last_error, message_id FROM outbox"
        ).fetchall()
        runs = connection.execute(
            "SELECT job_id, runs, failures FROM job_runs WHERE job_id LIKE 'crawl:%' ORDER BY job_id"
        ).fetchall()
    statuses = Counter(row[4] for row in rows)
    kinds = Counter(row[2] for row in rows if row[4] == "sent")
    retried = sum(1 for row in rows if row[4] == "sent" and row[0] > 1)
    lost: list[str] = []
    waiting: list[str] = []
    for _attempts, key, _kind, channel, status, error, message_id in rows:
        if status == "sent" and channel == "email" and received[(message_id or "").strip()] == 0:
            lost.append(f"{key}：标记已发送，邮件服务器未收到")
        elif status in ("sending", "handed_over", "unconfirmed"):
            lost.append(f"{key}：状态 {status}")
        elif status == "pending" and error:
            waiting.append(f"{key}：{error[:80]}")
        elif status == "pending":
            lost.append(f"{key}：待发送但从未尝试")
    doubled = sum(n - 1 for n in received.values() if n > 1)
    print("—— 浸泡测试结果 ——")
    print(f"入库文档：{documents}；事件：{incidents}")
    print(
        f"通知：发件箱 {len(rows)} 条，已发送 {statuses.get('sent', 0)}（"
        + "、".join(f"{k} {n}" for k, n in sorted(kinds.items()))
        + f"），其中失败后重试送达 {retried} 条；邮件服务器共收到 {sum(received.values())} 封"
    )
    print(f"停机次数：邮件服务器 {mail.outages} 次；发件箱{'已清空' if drained else '未在 2 分钟内清空'}")
    for job, count, failed in runs:
        print(f"采集 {job.removeprefix('crawl:')}：运行 {count} 次，失败 {int(failed or 0)} 次")
    print(f"丢失：{len(lost)}（应为 0）")
    for line in lost[:20]:
        print(f"  {line}")
    print(f"待重试（有原因）：{len(waiting)}")
    for line in waiting[:20]:
        print(f"  {line}")
    print(f"重复：{doubled}（应为 0；按 Message-ID 统计，每条发件箱记录一个）")
    print(
        f"内存（守护进程 RSS）：开始 {rss_start / 1024:.1f} MiB，结束 {rss_end / 1024:.1f} MiB，"
        f"峰值 {rss_peak / 1024:.1f} MiB"
    )
    print(f"守护进程退出状态：{exit_status}；日志 {folder / 'daemon.log'}")
    return 0 if not lost and not doubled and exit_status == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
