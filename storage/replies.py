"""Replies: a message-board letter's handling, its status (已回复 / 未回复) and the official reply once published."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import Document, Reply
from storage.urls import canonicalize_url

logger = logging.getLogger(__name__)


def reply_status(session: Session, url: str) -> str | None:
    """The stored board status (已回复 / 未回复) of the letter at ``url``, or None when unknown."""
    statement = select(Reply.status).join(Document, Document.id == Reply.document_id)
    return session.scalar(statement.where(Document.canonical_url == canonicalize_url(url)))


def save_reply(
    session: Session,
    url: str,
    status: str,
    unit: str | None,
    text: str | None,
    replied_at: datetime | None,
    now: datetime,
) -> bool:
    """Record a letter's status and reply; True when something changed."""
    document_id = session.scalar(select(Document.id).where(Document.canonical_url == canonicalize_url(url)))
    if document_id is None:
        return False
    reply = session.get(Reply, document_id)
    if reply is None:
        values = {"status": status, "unit": unit, "text": text, "replied_at": replied_at, "updated_at": now}
        session.add(Reply(document_id=document_id, **values))
        return True
    if (reply.status, reply.text) == (status, text):
        return False
    reply.status, reply.unit, reply.text, reply.replied_at, reply.updated_at = status, unit, text, replied_at, now
    return True
