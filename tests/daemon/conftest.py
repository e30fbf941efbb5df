"""Daemon fixtures: the alerts tests' real SMTP server on loopback."""

from __future__ import annotations

from tests.alerts.conftest import smtp_server

__all__ = ["smtp_server"]
