"""The audit log: append one entry, read entries. There is no function that edits or deletes one."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import AuditEntry


def append(
    session: Session,
    at: datetime,
    account: str | None,
    action: str,
    target: str | None = None,
    incident_id: int | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEntry:
    entry = AuditEntry(
        at=at, account=account, action=action, target=target, incident_id=incident_id, before=before, after=after
    )
    session.add(entry)
    session.flush()
    return entry


def entries(
    session: Session, since: datetime | None = None, incident_id: int | None = None, limit: int | None = None
) -> list[AuditEntry]:
    """Entries oldest first (``since`` inclusive); with ``limit``, the newest ``limit`` of them."""
    statement = select(AuditEntry)
    if since is not None:
        statement = statement.where(AuditEntry.at >= since)
    if incident_id is not None:
        statement = statement.where(AuditEntry.incident_id == incident_id)
    if limit is not None:
        newest = list(session.scalars(statement.order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit)))
        return newest[::-1]
    return list(session.scalars(statement.order_by(AuditEntry.at, AuditEntry.id)))
