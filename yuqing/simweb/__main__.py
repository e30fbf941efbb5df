"""``python -m simweb``: run the simulated web on its own, its scenario clock running ``--speed`` times real time.

    python -m simweb --start 2026-11-23T08:00:00+08:00 --speed 60

prints the URL it got and serves until interrupted (Ctrl-C).
"""

from __future__ import annotations

import argparse
import logging
import threading
import time
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from yuqing.instants import BEIJING
from yuqing.simweb.corpus import DEFAULT_START
from yuqing.simweb.server import SimWeb

logger = logging.getLogger(__name__)


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the arguments, start the server, print where it is, and serve until interrupted."""
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO, format="%(asctime)s %(message)s")
    start = args.start
    origin = start + timedelta(hours=args.skip)
    clock = running_clock(origin, args.speed, time.monotonic)
    with SimWeb(start, clock=clock, port=args.port) as web:
        print(f"模拟网站已启动：{web.url}/", flush=True)
        print(
            f"场景开始于 {start.astimezone(BEIJING):%Y-%m-%d %H:%M}（北京时间），当前场景时间 "
            f"{origin.astimezone(BEIJING):%Y-%m-%d %H:%M}，时钟速度 {args.speed:g} 倍；按 Ctrl-C 停止。",
            flush=True,
        )
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            print("模拟网站已停止。", flush=True)
    return 0


def running_clock(origin: datetime, speed: float, monotonic: Callable[[], float]) -> Callable[[], datetime]:
    """A scenario clock that reads ``origin`` now and advances ``speed`` scenario seconds per real second."""
    began = monotonic()
    return lambda: origin + timedelta(seconds=(monotonic() - began) * speed)


def _aware(text: str) -> datetime:
    value = datetime.fromisoformat(text)
    return value if value.tzinfo is not None else value.replace(tzinfo=BEIJING)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m simweb", description="运行模拟网站：新闻、微博、留言板、官方发布。"
    )
    parser.add_argument(
        "--start", type=_aware, default=DEFAULT_START, help="场景开始时间（ISO 8601，不带时区按北京时间）"
    )
    parser.add_argument("--speed", type=float, default=60.0, help="每真实秒对应的场景秒数（默认 %(default)s）")
    parser.add_argument("--skip", type=float, default=0.0, help="启动时场景时钟已经走过的小时数（默认 0）")
    parser.add_argument("--port", type=int, default=0, help="监听端口，0 表示任选空闲端口（默认 0）")
    parser.add_argument("--verbose", action="store_true", help="输出每个请求的日志")
    return parser


if __name__ == "__main__":
    raise SystemExit(main())
