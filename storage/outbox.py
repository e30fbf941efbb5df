"""The outbox table's SQL: queue once per idempotency key, claim with a lease, record each outcome.

Every change of a row's status is one guarded ``UPDATE … WHERE id = … AND status = … AND attempts = …``:
``attempts`` is incremented by every claim, so it names the claim, and a process whose lease ran out
(and whose row was recovered and claimed again) cannot overwrite the newer claim's outcome. The same
statements run on SQLite (where writers take turns) and PostgreSQL (where the claim's SELECT also
skips rows another transaction has locked).

Statuses: ``pending`` (waiting for ``next_attempt_at``; ``last_error`` set after a failure),
``sending`` (claimed until ``lease_until``), ``handed_over`` (an email whose end-of-data is being
written: the point of no return), ``sent``, ``unconfirmed`` (the process died after handing over and
before the server's answer was recorded: counted as delivered, listed for a person to check) and
``skipped`` (nobody to send it to, or its webhook is no longer configured; the reason in ``last_error``).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Insert, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from storage.models import OutboxMessage

logger = logging.getLogger(__name__)

OPEN_STATUSES = ("pending", "sending", "handed_over")
CLAIM_CANDIDATES = 10


@dataclass(frozen=True)
class Draft:
    """A notification to queue; ``key`` makes it once-only."""

    key: str
    kind: str
    incident_id: int | None
    channel: str  # email | wecom | dingtalk
    recipients: list[str]
    subject: str
    body_text: str
    body_html: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    message_id: str | None = None
    next_attempt_at: datetime | None = None
    status: str = "pending"
    last_error: str | None = None


def enqueue(session: Session, draft: Draft, now: datetime) -> bool:
    """Queue ``draft`` in the caller's transaction; False when its key was queued before (by anyone)."""
    values: dict[str, Any] = {
        "idempotency_key": draft.key,
        "incident_id": draft.incident_id,
        "kind": draft.kind,
        "channel": draft.channel,
        "recipients": list(draft.recipients),
        "subject": draft.subject,
        "body_text": draft.body_text,
        "body_html": draft.body_html,
        "headers": dict(draft.headers),
        "status": draft.status,
        "attempts": 0,
        "created_at": now,
        "next_attempt_at": draft.next_attempt_at or now,
        "message_id": draft.message_id,
        "last_error": draft.last_error,
    }
    return bool(_changed(session, _insert_ignoring_duplicates(session, values)))


def _insert_ignoring_duplicates(session: Session, values: dict[str, Any]) -> Insert:
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return (
            postgresql.insert(OutboxMessage).values(**values).on_conflict_do_nothing(index_elements=["idempotency_key"])
        )
    if dialect == "sqlite":
        return sqlite.insert(OutboxMessage).values(**values).on_conflict_do_nothing(index_elements=["idempotency_key"])
    raise NotImplementedError(f"outbox needs INSERT … ON CONFLICT; dialect {dialect} is not supported")


def queued_keys(session: Session, keys: Sequence[str]) -> set[str]:
    if not keys:
        return set()
    return set(session.scalars(select(OutboxMessage.idempotency_key).where(OutboxMessage.idempotency_key.in_(keys))))


def announced_grades(session: Session, incident_id: int) -> list[str]:
    """Grades already announced for an incident by an alert or upgrade email (header ``X-Yuqing-Grade``)."""
    rows = session.scalars(
        select(OutboxMessage.headers).where(
            OutboxMessage.incident_id == incident_id,
            OutboxMessage.kind.in_(("alert", "upgrade")),
            OutboxMessage.channel == "email",
        )
    )
    return [str(headers["X-Yuqing-Grade"]) for headers in rows if headers and headers.get("X-Yuqing-Grade")]


def sent_announcements(session: Session, incident_id: int, now: datetime) -> list[OutboxMessage]:
    """The incident's alert and upgrade emails delivered at or before ``now`` (``sent_at`` set), oldest first.

    Rows still pending, failing or unconfirmed have no ``sent_at``: nobody can be asked to sign for them yet.
    """
    return list(
        session.scalars(
            select(OutboxMessage)
            .where(
                OutboxMessage.incident_id == incident_id,
                OutboxMessage.kind.in_(("alert", "upgrade")),
                OutboxMessage.channel == "email",
                OutboxMessage.sent_at.is_not(None),
                OutboxMessage.sent_at <= now,
            )
            .order_by(OutboxMessage.sent_at, OutboxMessage.id)
        )
    )


def recover_expired(session: Session, now: datetime) -> tuple[int, list[OutboxMessage]]:
    """Rows whose claim's lease ran out: a ``sending`` row never reached the point of no return and is
    queued again; a ``handed_over`` row may have been delivered and becomes ``unconfirmed``."""
    requeued = _changed(
        session,
        update(OutboxMessage)
        .where(OutboxMessage.status == "sending", OutboxMessage.lease_until < now)
        .values(
            status="pending",
            next_attempt_at=now,
            lease_until=None,
            last_error="上次投递在交给服务器之前中断（进程退出），已重新排队",
        ),
    )
    stale = list(
        session.scalars(
            select(OutboxMessage).where(OutboxMessage.status == "handed_over", OutboxMessage.lease_until < now)
        )
    )
    unconfirmed: list[OutboxMessage] = []
    for row in stale:
        changed = _changed(
            session,
            update(OutboxMessage)
            .where(
                OutboxMessage.id == row.id,
                OutboxMessage.status == "handed_over",
                OutboxMessage.attempts == row.attempts,
            )
            .values(
                status="unconfirmed",
                lease_until=None,
                last_error="进程在服务器确认前中断：邮件已完整交给服务器，按已送达处理、不重发；请向收件人核实",
            ),
        )
        if changed:
            unconfirmed.append(row)
    return int(requeued or 0), unconfirmed


def claim(
    session: Session, now: datetime, lease_until: datetime, skip_channels: Sequence[str] = ()
) -> OutboxMessage | None:
    """Claim the next due row (status ``sending``, attempts + 1) in the caller's transaction, or None."""
    statement = (
        select(OutboxMessage.id, OutboxMessage.attempts)
        .where(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(CLAIM_CANDIDATES)
        .with_for_update(skip_locked=True)
    )
    if skip_channels:
        statement = statement.where(OutboxMessage.channel.not_in(list(skip_channels)))
    for row_id, attempts in session.execute(statement).all():
        changed = _changed(
            session,
            update(OutboxMessage)
            .where(OutboxMessage.id == row_id, OutboxMessage.status == "pending", OutboxMessage.attempts == attempts)
            .values(status="sending", attempts=attempts + 1, lease_until=lease_until),
        )
        if changed:
            return session.get(OutboxMessage, row_id, populate_existing=True)
    return None


def mark_handed_over(session: Session, row_id: int, attempt: int) -> bool:
    return _guarded(session, row_id, attempt, ("sending",), status="handed_over")


def mark_sent(session: Session, row_id: int, attempt: int, now: datetime, note: str | None = None) -> bool:
    return _guarded(
        session,
        row_id,
        attempt,
        ("sending", "handed_over", "unconfirmed"),
        status="sent",
        sent_at=now,
        lease_until=None,
        last_error=note,
    )


def mark_retry(session: Session, row_id: int, attempt: int, error: str, next_attempt_at: datetime) -> bool:
    return _guarded(
        session,
        row_id,
        attempt,
        ("sending", "handed_over"),
        status="pending",
        next_attempt_at=next_attempt_at,
        lease_until=None,
        last_error=error[:2000],
    )


def mark_unconfirmed(session: Session, row_id: int, attempt: int, error: str) -> bool:
    return _guarded(
        session, row_id, attempt, ("handed_over",), status="unconfirmed", lease_until=None, last_error=error[:2000]
    )


def mark_skipped(session: Session, row_id: int, attempt: int, reason: str) -> bool:
    """A claimed row that can never be delivered (its webhook is no longer configured): ``skipped``, with why."""
    return _guarded(
        session, row_id, attempt, ("sending",), status="skipped", lease_until=None, last_error=reason[:2000]
    )


def _guarded(session: Session, row_id: int, attempt: int, statuses: Sequence[str], **values: Any) -> bool:
    changed = _changed(
        session,
        update(OutboxMessage)
        .where(OutboxMessage.id == row_id, OutboxMessage.attempts == attempt, OutboxMessage.status.in_(statuses))
        .values(**values),
    )
    return bool(changed)


def failing(session: Session, created_before: datetime) -> list[OutboxMessage]:
    """Emails failing since before ``created_before``, and emails whose delivery is unconfirmed."""
    return list(
        session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.channel == "email")
            .where(
                (
                    (OutboxMessage.status == "pending")
                    & (OutboxMessage.attempts > 0)
                    & (OutboxMessage.created_at <= created_before)
                )
                | (OutboxMessage.status == "unconfirmed")
            )
            .order_by(OutboxMessage.id)
        )
    )


def listing(session: Session, include_sent: bool = False, limit: int = 200) -> list[OutboxMessage]:
    statement = select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(limit)
    if not include_sent:
        statement = statement.where(OutboxMessage.status != "sent")
    return list(reversed(session.scalars(statement).all()))


def counts(session: Session) -> dict[str, int]:
    rows = session.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status))
    return {status: int(n) for status, n in rows}


def first_alert(session: Session, incident_id: int, as_of: datetime) -> datetime | None:
    """When the incident's first alert left (its sending, or its queueing when not yet sent by ``as_of``)."""
    row = session.execute(
        select(OutboxMessage.sent_at, OutboxMessage.created_at)
        .where(OutboxMessage.incident_id == incident_id, OutboxMessage.kind == "alert")
        .where(OutboxMessage.created_at <= as_of)
        .order_by(OutboxMessage.created_at, OutboxMessage.id)
        .limit(1)
    ).first()
    if row is None:
        return None
    sent_at, created_at = row
    return sent_at if sent_at is not None and sent_at <= as_of else created_at


def _changed(session: Session, statement: Any) -> int:
    """Run an INSERT or UPDATE; the number of rows it changed."""
    return int(getattr(session.execute(statement), "rowcount", 0) or 0)


def of_incident(session: Session, incident_id: int) -> list[OutboxMessage]:
    """Every notification about one incident, oldest first (the incident page's timeline)."""
    statement = select(OutboxMessage).where(OutboxMessage.incident_id == incident_id)
    return list(session.scalars(statement.order_by(OutboxMessage.created_at, OutboxMessage.id)))


def troubled(session: Session, limit: int = 50) -> list[OutboxMessage]:
    """Deliveries that failed or are unconfirmed, or are being retried, newest first."""
    statement = (
        select(OutboxMessage)
        .where(or_(OutboxMessage.status.in_(("failed", "unconfirmed")), OutboxMessage.last_error.is_not(None)))
        .where(OutboxMessage.status != "sent")
        .order_by(OutboxMessage.id.desc())
        .limit(limit)
    )
    return list(session.scalars(statement))


def last_sent(session: Session, kind: str) -> OutboxMessage | None:
    """The newest notification of ``kind`` (e.g. ``self_test``), whatever its status."""
    statement = select(OutboxMessage).where(OutboxMessage.kind == kind)
    return session.scalar(statement.order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc()).limit(1))
