"""``python -m simweb.demo``: the whole pipeline on the simulated web, on this machine, start to finish.

``make demo`` runs it. It serves the simulated web in this process (127.0.0.1, a free port) with the scenario
clock held at one instant, the end of the scenario week by default, so both storylines are out; writes
``config.toml`` into the demo folder with one source of each type pointing at it; then runs the pipeline's
commands one after another, each as its own ``yuqing`` process, as an operator would type them, every one that
reads the clock with ``--now`` at that instant. The server stops however the run ends. Nothing leaves the
machine, and the ``YUQING_*`` environment (a production database URL) is not passed on to the steps.

Each step is a :class:`Step` in :data:`STEPS`; a later stage adds its commands there (``detect``,
``alerts tick``, ``digest`` …). Exit status: 0, or the status of the first step that failed (130 on Ctrl-C).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from simweb.corpus import BEIJING, DEFAULT_START, SCENARIO_LENGTH
from simweb.server import SimWeb

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DIR = Path(".demo")
DEFAULT_NOW = DEFAULT_START + SCENARIO_LENGTH
NOW = "{now}"  # in a step's arguments: the scenario instant, ISO 8601
SAMPLE = (
    '{"title": "临沂一在建工地塔吊倒塌", "text": "27日凌晨3时许，临沂市兰山区一在建工地塔吊倒塌，'
    '造成3人死亡、2人受伤。", "published_at": "2026-11-27T08:00:00+08:00"}\n'
)


@dataclass(frozen=True)
class Step:
    """One ``yuqing`` command of the demo. ``output`` (a file name in the demo folder) receives its standard
    output, of which the first ``preview`` lines are shown; ``stdin`` is fed to it."""

    title: str
    args: tuple[str, ...]
    output: str | None = None
    preview: int = 0
    stdin: str | None = None


STEPS: tuple[Step, ...] = (
    Step("创建数据库", ("init-db",)),
    Step("采集模拟网站（订阅源、网站、官方发布、留言板、微博各一个）", ("crawl", "--now", NOW)),
    Step("查看来源健康状况", ("sources", "--now", NOW)),
    Step("标注议题、情感、地点和伤亡", ("tag",)),
    Step("导出文档（表格）", ("export", "documents"), output="documents.txt", preview=8),
    Step("导出文档（JSON Lines）", ("export", "documents", "--json"), output="documents.jsonl"),
    Step("标注一段新文字", ("classify",), stdin=SAMPLE),
)
# Files the demo writes into its folder; they are removed first, so every run starts from nothing.
OWN_FILES = ("config.toml", "yuqing.db", "yuqing.db-wal", "yuqing.db-shm", "documents.txt", "documents.jsonl")


def main(argv: Sequence[str] | None = None, steps: Sequence[Step] = STEPS) -> int:
    args = _parser().parse_args(argv)
    folder: Path = args.dir
    _fresh(folder)
    print(f"演示目录：{folder}；场景时刻：{args.now.astimezone(BEIJING):%Y-%m-%d %H:%M}（北京时间）", flush=True)
    try:
        with SimWeb(DEFAULT_START) as web:
            web.set_now(args.now)
            config = folder / "config.toml"
            config.write_text(demo_config(web.url), encoding="utf-8")
            print(f"模拟网站已启动：{web.url}/（仅本机，不需要联网）；配置文件：{config}", flush=True)
            status = run_steps(steps, config, args.now, "INFO" if args.verbose else "WARNING")
        print("模拟网站已停止。", flush=True)
    except KeyboardInterrupt:
        print("演示已中断，模拟网站已停止。", flush=True)
        return 130
    if status != 0:
        return status
    print(
        f"演示完成。数据库：{folder / 'yuqing.db'}；配置：{config}；"
        f"导出：{folder / 'documents.txt'}（表格）、{folder / 'documents.jsonl'}（JSON Lines）。",
        flush=True,
    )
    return 0


def run_steps(steps: Sequence[Step], config: Path, now: datetime, log_level: str) -> int:
    """Run ``steps`` in order; the exit status of the first that fails, else 0."""
    for number, step in enumerate(steps, start=1):
        print(f"\n== 第 {number} 步：{step.title}（yuqing {' '.join(step.args).replace(NOW, '…')}）", flush=True)
        started = time.monotonic()
        status = run_step(step, config, now, log_level)
        print(f"（用时 {time.monotonic() - started:.1f} 秒）", flush=True)
        if status != 0:
            print(f"第 {number} 步“{step.title}”失败（退出状态 {status}），演示中止。", flush=True)
            return status
    return 0


def run_step(step: Step, config: Path, now: datetime, log_level: str) -> int:
    arguments = [argument.replace(NOW, now.isoformat()) for argument in step.args]
    command = [sys.executable, "-m", "cli", "--config", str(config), "--log-level", log_level, *arguments]
    environment = {name: value for name, value in os.environ.items() if not name.startswith("YUQING_")}
    if step.output is None:
        done = subprocess.run(command, cwd=ROOT, env=environment, input=step.stdin, text=True, check=False)
        return done.returncode
    target = config.parent / step.output
    with target.open("w", encoding="utf-8") as out:
        done = subprocess.run(command, cwd=ROOT, env=environment, input=step.stdin, stdout=out, text=True, check=False)
    if step.preview:
        lines = target.read_text(encoding="utf-8").splitlines()
        print("\n".join(lines[: step.preview]))
        if len(lines) > step.preview:
            print(f"……（共 {len(lines)} 行，见 {target}）")
    else:
        print(f"已写入 {target}")
    return done.returncode


def demo_config(url: str) -> str:
    """config.toml of the demo: a database in the demo folder, one source of each type on the simulated web."""
    return f"""\
# 演示配置（由 python -m simweb.demo 生成，每次运行都会重写）。
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


def _fresh(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name in OWN_FILES:
        (folder / name).unlink(missing_ok=True)


def _instant(text: str) -> datetime:
    value = datetime.fromisoformat(text)
    return value if value.tzinfo is not None else value.replace(tzinfo=BEIJING)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m simweb.demo",
        description="在本机模拟网站上演示整条流程：建库、采集、来源健康、标注、导出。",
    )
    parser.add_argument("--dir", type=Path, default=DEFAULT_DIR, help="演示目录（默认 %(default)s）")
    parser.add_argument(
        "--now",
        type=_instant,
        default=DEFAULT_NOW,
        help="场景时刻（ISO 8601，不带时区按北京时间；默认场景结束时，两条故事线都已发布）",
    )
    parser.add_argument("--verbose", action="store_true", help="显示各步骤的日志")
    return parser


if __name__ == "__main__":
    raise SystemExit(main())
