"""Local servers on loopback for the demo, the benchmarks and the tests: a free port, and a real SMTP server.

:class:`MailServer` is aiosmtpd on 127.0.0.1 with a :class:`Mailbox` that keeps every message it accepts, in
order, with the instant it arrived; given a folder, it also saves each as ``NNN-<kind>.eml`` (the demo's
mail folder). ``refuse`` makes it answer 451 to the end of data, as a server in trouble does.
"""

from __future__ import annotations

import email
import socket
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from email.policy import default as default_policy
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Received:
    """One accepted message: the envelope, the parsed message, and when and where it arrived."""

    sender: str
    recipients: list[str]
    message: EmailMessage
    arrived: float = 0.0  # time.time() when the server accepted it
    path: Path | None = None  # the .eml file, when the mailbox saves them

    @property
    def kind(self) -> str:
        return str(self.message["X-Yuqing-Kind"])

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    @property
    def sent_at(self) -> datetime | None:
        """The message's own Date header."""
        date = self.message.get("Date")
        return parsedate_to_datetime(str(date)) if date else None

    def text(self) -> str:
        part = self.message.get_body(preferencelist=("plain",))
        assert part is not None, "the message has no text/plain part"
        return str(part.get_content())

    def html(self) -> str:
        part = self.message.get_body(preferencelist=("html",))
        assert part is not None, "the message has no text/html part"
        return str(part.get_content())


@dataclass
class Mailbox:
    """What the SMTP server accepted, in order (an aiosmtpd handler)."""

    folder: Path | None = None
    refuse: bool = False
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.refuse:
            return "451 4.3.0 try again later"
        raw = envelope.original_content or envelope.content
        message = email.message_from_bytes(raw, policy=default_policy)
        assert isinstance(message, EmailMessage)
        with self.lock:
            path = None
            if self.folder is not None:
                kind = str(message.get("X-Yuqing-Kind") or "report")
                path = self.folder / f"{len(self.received) + 1:03d}-{kind}.eml"
                path.write_bytes(raw)
            self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), message, time.time(), path))
        return "250 2.0.0 OK"

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Received]:
        """The messages once ``count`` have arrived, or what arrived within ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while len(self.received) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return list(self.received)

    def take(self) -> list[Received]:
        """The messages so far, emptying the mailbox."""
        with self.lock:
            taken, self.received[:] = list(self.received), []
        return taken


class MailServer:
    """A real SMTP server on 127.0.0.1 (``port``; a free one by default) delivering into :attr:`mailbox`."""

    def __init__(self, port: int | None = None, folder: Path | None = None) -> None:
        self.port = port or free_port()
        self.mailbox = Mailbox(folder)
        self._controller: Controller | None = None

    def start(self) -> MailServer:
        if self.mailbox.folder is not None:
            self.mailbox.folder.mkdir(parents=True, exist_ok=True)
        self._controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def __enter__(self) -> MailServer:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()
