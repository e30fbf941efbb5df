"""Why a delivery did not complete, as the outbox needs to know it: retry, stop the pass, or stop for good.

Raised by ``alerts.mailer``, ``alerts.webhooks`` and ``alerts.outbox``; handled in one place, ``alerts.outbox.deliver``,
which records the outcome on the row (``last_error``, ``next_attempt_at``, status).
"""

from __future__ import annotations


class DeliveryFailed(Exception):
    """The message was not delivered.

    ``server_down``: the server could not be reached or refused the session (connect, TLS, login), so
    the rest of this pass skips the channel. ``unconfirmed``: the message was already handed over
    when the connection failed, so it may have been delivered and must not be sent again.
    """

    def __init__(self, message: str, *, server_down: bool = False, unconfirmed: bool = False) -> None:
        super().__init__(message)
        self.server_down = server_down
        self.unconfirmed = unconfirmed


class LeaseLost(Exception):
    """The claim's lease ran out and the row was recovered by another run; this run must not send it."""


class TargetGone(Exception):
    """The row's target is no longer configured (a webhook removed from config.toml): it can never be
    delivered, so the row is marked ``skipped`` with this message instead of being retried for ever."""
