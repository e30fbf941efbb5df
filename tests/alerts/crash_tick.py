"""A child process for the crash tests: one ``alerts tick`` that kills itself (SIGKILL) at a delivery step.

``python -m tests.alerts.crash_tick CONFIG NOW STEP``: the same tick ``yuqing alerts tick --now NOW`` runs,
with a checkpoint that sends SIGKILL to this process when delivery passes ``STEP`` (one of
``alerts.outbox.DELIVERY_STEPS``), as a power cut or the OOM killer would.
"""

from __future__ import annotations

import os
import signal
import sys

from alerts.outbox import DELIVERY_STEPS, ReplayClock
from alerts.tick import tick
from yuqing import config as config_module
from yuqing.instants import parse_instant
from yuqing.runtime import build, configure_logging


def main(config_path: str, now_text: str, step: str) -> int:
    if step not in DELIVERY_STEPS:
        raise SystemExit(f"unknown step {step!r}; one of {DELIVERY_STEPS}")

    def checkpoint(passed: str) -> None:
        if passed == step:
            os.kill(os.getpid(), signal.SIGKILL)

    configure_logging("WARNING")
    now = parse_instant(now_text)
    runtime = build(config_module.load(config_path))
    tick(runtime.sessions, runtime.config, now, ReplayClock(now), checkpoint)
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
