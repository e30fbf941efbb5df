"""``yuqing demo``, ``make demo``: a week of the province's opinion, played on this machine in a minute or so.

The simulated web (``simweb.server``) serves the corpus as published by a scenario clock, and a local SMTP
server (aiosmtpd) saves every email as ``<dir>/mail/NNN-<kind>.eml``. A fresh database and ``config.toml``
are written into the demo folder: a new or empty folder, marked ``.yuqing-demo`` as the demo's own, or one so
marked by an earlier run, of which only the demo's own files are replaced (:func:`prepare`); any other folder
is refused. Then the clock is moved through :data:`STEPS`: coarse steps through the
routine week, fine ones around the two storylines. At each step the daemon's own parts run as they would
live: one crawl child process (``python -m crawlers --now``) over every source, then the daemon's
``process`` job in this process (tag with the tagger loaded once, detect, alerts tick). Storylines:

- 章丘 东柳村 征收补偿款 (day 2): 较大, 48 h to respond; the department's 通报 at T+30 h is taken as its
  response from the official site.
- 临沂 滨河壹号 塔吊倒塌 (Thursday 03:20): the first Weibo posts, news follows, 3 deaths (较大); the
  department's 情况通报 at T+3 h is accepted as the release; the toll reaches 11 (重大): the release was
  on time, no press conference is recorded, so reminders come and the 24 h breach goes to the leadership.

Nobody signs for an alert (签收) in the demo, so each alert and upgrade of 较大 or above is sent again and
reported to the leadership at the next step (``[clocks] acknowledge``).

Monday 08:30 the weekly digest is written, then an evaluation of each incident; a Chinese summary ends it.
Nothing leaves the machine; the ``YUQING_*`` environment is not passed to the crawl children.
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from alerts.clocks import describe
from crawlers import child as crawl_child
from incidents.render import views
from reports import publish
from scheduler import build_jobs
from storage.db import migrate
from yuqing import config as config_module
from yuqing.errors import InputError
from yuqing.instants import BEIJING
from yuqing.runtime import Runtime, build
from yuqing.simweb.corpus import DEFAULT_START
from yuqing.simweb.loopback import Mailbox, MailServer
from yuqing.simweb.server import SimWeb
from yuqing.vocabulary import GRADES, notice_label

logger = logging.getLogger(__name__)


def _offsets(*texts: str) -> list[timedelta]:
    result = []
    for text in texts:
        days, _, rest = text.partition("d")
        hours, _, minutes = rest.partition("h")
        result.append(timedelta(days=int(days), hours=int(hours or 0), minutes=int(minutes.rstrip("m") or 0)))
    return result


# Scenario instants after DEFAULT_START (Monday 2026-11-23 08:00 北京时间) at which the pipeline runs.
STEPS = _offsets(
    # routine week, and the expropriation dispute (first post 1d0h40m, the department's 通报 at 2d6h40m)
    *("0d6h", "1d0h", "1d2h", "1d6h", "1d12h", "2d0h", "2d7h", "3d0h", "3d12h"),
    # the crane collapse (first post 3d19h20m): every 30 minutes at first, then hourly
    *("3d19h30m", "3d20h", "3d20h30m", "3d21h", "3d21h30m", "3d22h30m", "3d23h30m"),
    *("4d1h30m", "4d3h", "4d5h", "4d7h30m", "4d8h30m", "4d10h30m"),
    # reminders before the 24 h press conference deadline, the breach, and the rest of the week
    *("4d13h30m", "4d17h30m", "4d19h30m", "5d6h", "6d6h", "7d0h"),
)
REPORTS = "reports-out"  # the daemon writes the digest and evaluations beside its config.toml
DIGEST_AT = timedelta(days=7, minutes=30)  # Monday 08:30: the weekly digest
DEMO_EXTRA = """
[smtp]
host = "127.0.0.1"
port = {port}
sender = "住建舆情监测 <yuqing@zjt.example.cn>"
timeout = "10s"

[recipients]
duty = ["省住建厅值班室 <duty@zjt.example.cn>"]
leadership = ["厅领导 <leader@zjt.example.cn>"]

[topics.engineering_quality]
department = "工程质量安全监管处"
emails = ["gczl@zjt.example.cn"]

[topics.expropriation]
department = "房地产市场监管处"
emails = ["fdc@zjt.example.cn"]

[grading]
topic_min_grade = {{ expropriation = "large" }}   # 征收补偿纠纷至少为较大，48 小时内回应

[alerts]
self_test = false   # 演示中不发每日自检邮件 / no daily self-test in the demo
"""


@dataclass
class ScenarioClock:
    now: datetime

    def __call__(self) -> datetime:
        return self.now


def play(folder: Path, steps: list[timedelta] = STEPS, verbose: bool = False) -> int:
    """Play the scenario into ``folder`` (the demo's own, emptied of its earlier files first: :func:`prepare`);
    print the summary; 0 on success. A folder the demo did not make raises InputError."""
    started = time.monotonic()
    folder = folder.resolve()  # the crawl children run in the project folder
    prepare(folder)
    print(f"演示目录：{folder}（每次运行都会删除并重建演示写入的文件）", flush=True)
    mail = MailServer(folder=folder / "mail").start()
    port, sink = mail.port, mail.mailbox
    try:
        with SimWeb(DEFAULT_START) as web:
            config_path = folder / "config.toml"
            config_path.write_text(demo_config(web.url) + DEMO_EXTRA.format(port=port), encoding="utf-8")
            print(f"模拟网站：{web.url}/；本机邮件服务器：127.0.0.1:{port}（邮件存为 {sink.folder}/*.eml）", flush=True)
            runtime = build(config_module.load(config_path))
            try:
                migrate(runtime.engine)
                _run(runtime, web, steps, verbose)
                documents = _reports(runtime, folder)
                _summary(runtime, sink, folder, documents, time.monotonic() - started)
            finally:
                runtime.dispose()
    finally:
        mail.stop()
    return 0


def _run(runtime: Runtime, web: SimWeb, steps: list[timedelta], verbose: bool) -> None:
    clock = ScenarioClock(DEFAULT_START)
    jobs = build_jobs(runtime, clock, "INFO" if verbose else "WARNING")
    for offset in steps:
        clock.now = DEFAULT_START + offset
        web.set_now(clock.now)
        stored = _crawl(runtime, clock.now, verbose)
        summary = jobs.process()
        line = f"北京时间 {clock.now.astimezone(BEIJING):%m-%d %H:%M}  采集新增 {stored:>3} 条  {_brief(summary)}"
        print(line, flush=True)
    clock.now = DEFAULT_START + DIGEST_AT
    print(f"北京时间 {clock.now.astimezone(BEIJING):%m-%d %H:%M}  每周一 08:30 周报：{jobs.digest()}", flush=True)


def _crawl(runtime: Runtime, now: datetime, verbose: bool) -> int:
    """One crawl child over every source at ``now`` (as the daemon's crawl jobs do, one child per run)."""
    argv = crawl_child.command(runtime.config.path, (), now, "INFO" if verbose else "ERROR")
    environment = {name: value for name, value in os.environ.items() if not name.startswith("YUQING_")}
    done = crawl_child.run(argv, env=environment, stderr=None if verbose else subprocess.DEVNULL)
    return sum(s.new for s in done.summaries)


def _brief(summary: str) -> str:
    fields = dict(part.split("=", 1) for part in summary.split() if "=" in part)
    return (
        f"标注 {fields.get('tagged', 0):>3}  新事件 {fields.get('promoted', 0)}  调级 {fields.get('regraded', 0)}  "
        f"发出邮件 {fields.get('sent', 0)}"
    )


def _reports(runtime: Runtime, folder: Path) -> list[Path]:
    """The evaluation of each incident that ran a clock (as ``yuqing report`` would), then every document."""
    out = folder / REPORTS
    now = DEFAULT_START + DIGEST_AT
    with runtime.sessions() as session:
        clocked = [v.incident.id for v in views(session, now, runtime.config) if v.clocks]
    for incident_id in clocked:
        publish.evaluation(runtime.sessions, runtime.config, incident_id, now, out, send=False)
    return sorted(out.glob("*.html")) + sorted(out.glob("*.docx"))


def _summary(runtime: Runtime, sink: Mailbox, folder: Path, documents: list[Path], seconds: float) -> None:
    now = DEFAULT_START + DIGEST_AT
    print("\n==== 演示小结 ====", flush=True)
    with runtime.sessions() as session:
        found = views(session, now, runtime.config)
        print(f"事件 {len(found)} 起：")
        for v in found:
            print(f"  #{v.incident.id} [{GRADES[v.grade]}] {v.incident.title}")
            for clock in v.clocks:
                print(f"      {describe(clock)}")
    print(f"\n邮件 {len(sink.received)} 封（北京时间，类型，主题）：")
    for number, mail in enumerate(sink.received, start=1):
        kind = str(mail.message.get("X-Yuqing-Kind") or "report")
        when = mail.sent_at.astimezone(BEIJING).strftime("%m-%d %H:%M") if mail.sent_at else "—"
        print(f"  {number:>3}. {when}  {notice_label(kind):<4} {mail.subject}")
    print(f"\n邮件文件（.eml，可用邮件客户端打开）：{sink.folder}/")
    for path in documents:
        print(f"报告文件：{path}")
    print(f"数据库：{folder / 'yuqing.db'}；配置：{folder / 'config.toml'}；用时 {seconds:.0f} 秒。", flush=True)


def demo_config(url: str) -> str:
    """config.toml of the demo: a database in the demo folder, one source of each type on the simulated web."""
    return f"""\
# 演示配置（由 yuqing demo 生成，每次运行都会重写）。
# 所有来源都指向本机的模拟网站 {url}/，不需要联网。

[database]
url = "sqlite:///yuqing.db"        # 相对于本文件所在目录

[crawl]
# 模拟网站在本机回环地址上，可以不限速；真实网站请保留默认值（autothrottle = true，每个域名 2 个并发）。
autothrottle = false
concurrency_per_domain = 4
download_timeout = "10s"
retry_backoff = "0s"

[[sources]]
name = "齐鲁时讯网-订阅"
type = "feed"
url = "{url}/feeds/rss.xml"
tier = "provincial"

[[sources]]
name = "山东城市联播"
type = "site"
url = "{url}/city/"
tier = "local"
max_pages = 10

[[sources]]
name = "省住建厅-权威发布"
type = "official"
url = "{url}/official/index.html"
tier = "official"
selectors = {{ published_at = ".art-info" }}

[[sources]]
name = "齐鲁民声留言板"
type = "board"
url = "{url}/board/list"
tier = "local"
max_pages = 10

[[sources]]
name = "微博搜索"
type = "weibo"
url = "{url}/weibo/api/container/getIndex"
tier = "self_media"
keywords = ["塔吊", "征收", "临沂"]
pages = 10
"""


MARKER = ".yuqing-demo"  # written into a folder the demo made its own; only such a folder is emptied again
MARKER_TEXT = "此目录由 yuqing demo 创建；再次运行演示时，会删除并重建其中由演示写入的文件。\n"
# What the demo writes into its folder, and nothing else is ever removed from it.
WRITTEN = ("config.toml", "yuqing.db", "mail", REPORTS)
DATABASE_SIDE_FILES = ("-journal", "-wal", "-shm", ".daemon.lock")


def prepare(folder: Path) -> None:
    """Make ``folder`` the demo's, empty of an earlier run's files; raise InputError when it is not ours.

    A missing or empty folder is taken and marked (:data:`MARKER`). A folder that carries the marker is
    reused: only what the demo writes (:data:`WRITTEN`) is removed. Anything else is refused untouched.
    """
    if folder.exists() and not folder.is_dir():
        raise InputError(
            f"演示目录 {folder} 已存在但不是普通目录，演示不会改动它。提示：用 --dir 指定一个新的或空的目录。"
        )
    if folder.is_dir() and not (folder / MARKER).is_file() and any(folder.iterdir()):
        raise InputError(
            f"目录 {folder} 不是演示创建的，且不为空（没有 {MARKER} 标记文件），演示不会清空它。"
            "提示：用 --dir 指定一个新的或空的目录；若确认其中内容可以删除，请先手动删除该目录。"
        )
    folder.mkdir(parents=True, exist_ok=True)
    (folder / MARKER).write_text(MARKER_TEXT, encoding="utf-8")
    names = [*WRITTEN, *(f"yuqing.db{suffix}" for suffix in DATABASE_SIDE_FILES)]
    for name in names:
        path = folder / name
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        elif path.exists() or path.is_symlink():
            path.unlink()
    (folder / "mail").mkdir()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m yuqing.simweb.demo", description="演示：压缩时钟回放一周舆情。")
    parser.add_argument("--dir", type=Path, default=Path(".demo"))
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args(argv)
    try:
        return play(args.dir, verbose=args.verbose)
    except InputError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return exc.exit_code


if __name__ == "__main__":
    raise SystemExit(main())
