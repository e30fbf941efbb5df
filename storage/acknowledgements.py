"""Acknowledgements (签收) of an incident's alerts, and comments on incidents."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.models import Acknowledgement, Comment


def acknowledge(session: Session, incident_id: int, account: str, at: datetime) -> Acknowledgement:
    row = Acknowledgement(incident_id=incident_id, account=account, at=at)
    session.add(row)
    session.flush()
    return row


def latest(session: Session, incident_id: int, now: datetime) -> Acknowledgement | None:
    """The incident's latest acknowledgement at or before ``now``."""
    return session.scalar(
        select(Acknowledgement)
        .where(Acknowledgement.incident_id == incident_id, Acknowledgement.at <= now)
        .order_by(Acknowledgement.at.desc(), Acknowledgement.id.desc())
        .limit(1)
    )


def latest_of(session: Session, incident_ids: Sequence[int], now: datetime) -> dict[int, Acknowledgement]:
    """:func:`latest` for several incidents in one query."""
    if not incident_ids:
        return {}
    newest = (
        select(Acknowledgement.incident_id, func.max(Acknowledgement.at).label("at"))
        .where(Acknowledgement.incident_id.in_(incident_ids), Acknowledgement.at <= now)
        .group_by(Acknowledgement.incident_id)
        .subquery()
    )
    rows = session.scalars(
        select(Acknowledgement).join(
            newest, (newest.c.incident_id == Acknowledgement.incident_id) & (newest.c.at == Acknowledgement.at)
        )
    )
    return {row.incident_id: row for row in rows}


def add_comment(session: Session, incident_id: int, account: str, at: datetime, text: str) -> Comment:
    row = Comment(incident_id=incident_id, account=account, at=at, text=text)
    session.add(row)
    session.flush()
    return row


def comments(session: Session, incident_id: int) -> list[Comment]:
    return list(
        session.scalars(select(Comment).where(Comment.incident_id == incident_id).order_by(Comment.at, Comment.id))
    )
