"""A real SMTP server (aiosmtpd) on a free loopback port that keeps what it accepts, for the tests that mail:
alerts, reports and the daemon. The ``smtp_server`` fixture (tests/conftest.py) starts and stops one."""

from __future__ import annotations

import email
import socket
import threading
import time
from dataclasses import dataclass, field
from email.message import Message
from email.policy import default as default_policy
from typing import Any

from aiosmtpd.controller import Controller


@dataclass
class Received:
    sender: str
    recipients: list[str]
    message: Message

    @property
    def kind(self) -> str:
        return str(self.message["X-Yuqing-Kind"])

    def text(self) -> str:
        part = self.message.get_body(preferencelist=("plain",))  # type: ignore[attr-defined]
        return str(part.get_content())

    def html(self) -> str:
        part = self.message.get_body(preferencelist=("html",))  # type: ignore[attr-defined]
        return str(part.get_content())


@dataclass
class Mailbox:
    """What the SMTP server accepted, in order; ``refuse`` makes it answer 451 to the end of data."""

    received: list[Received] = field(default_factory=list)
    refuse: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.refuse:
            return "451 4.3.0 try again later"
        message = email.message_from_bytes(envelope.original_content or envelope.content, policy=default_policy)
        with self.lock:
            self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 2.0.0 OK"

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Received]:
        deadline = time.monotonic() + timeout
        while len(self.received) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return list(self.received)

    def take(self) -> list[Received]:
        with self.lock:
            taken, self.received[:] = list(self.received), []
        return taken


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class SmtpServer:
    def __init__(self, port: int) -> None:
        self.port = port
        self.mailbox = Mailbox()
        self._controller: Controller | None = None

    def start(self) -> None:
        self._controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None
