"""The posts of one incident as plain values: what spread, summary and grading read.

Two queries per incident (documents with their source, analysis and membership; then their topics),
whatever the size of the database. Only posts published at or before ``now`` are read, so a replay sees
the incident as it was then.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import Document, DocumentAnalysis, DocumentTopic, IncidentDocument, Source

logger = logging.getLogger(__name__)

# Highest tier first: the title of an incident comes from the earliest report of the highest tier.
TIER_RANK = {"central": 0, "provincial": 1, "official": 2, "local": 3, "self_media": 4}
# Among sources of one tier (or of none), a news report titles an incident before a social post.
KIND_RANK = {"news": 0, "official": 1, "forum": 2, "social": 3}
HEADLINE_CHARS = 40


@dataclass(frozen=True)
class Member:
    document_id: int
    url: str
    title: str
    text: str
    published_at: datetime
    kind: str
    author: str | None
    source: str
    tier: str | None
    reposts: int
    comments: int
    likes: int
    duplicate_of_id: int | None
    sentiment: str | None
    places: list[dict[str, Any]]
    casualties: dict[str, Any]
    occurred_at: datetime | None
    topics: tuple[str, ...]
    by_hand: bool

    @property
    def source_key(self) -> str:
        """Distinct sources: a site by its name; on social media every account is a source of its own."""
        if self.kind == "social" and self.author:
            return f"{self.source}/{self.author}"
        return self.source

    @property
    def tier_rank(self) -> tuple[int, int]:
        return TIER_RANK.get(self.tier or "", len(TIER_RANK)), KIND_RANK.get(self.kind, len(KIND_RANK))

    @property
    def headline(self) -> str:
        return headline(self.title, self.text)


def headline(title: str, text: str) -> str:
    """The title, or for an untitled post (Weibo) the start of its text."""
    if title.strip():
        return title.strip()
    flat = " ".join(text.split())
    return flat if len(flat) <= HEADLINE_CHARS else flat[:HEADLINE_CHARS] + "…"


def load_members(session: Session, incident_id: int, now: datetime) -> list[Member]:
    """The incident's posts published at or before ``now``, oldest first."""
    rows = session.execute(
        select(
            Document.id,
            Document.url,
            Document.title,
            Document.text,
            Document.published_at,
            Document.kind,
            Document.author,
            Source.name,
            Source.tier,
            Document.reposts,
            Document.comments,
            Document.likes,
            Document.duplicate_of_id,
            DocumentAnalysis.sentiment,
            DocumentAnalysis.places,
            DocumentAnalysis.casualties,
            DocumentAnalysis.occurred_at,
            IncidentDocument.by_hand,
        )
        .join(IncidentDocument, IncidentDocument.document_id == Document.id)
        .join(Source, Source.id == Document.source_id)
        .outerjoin(DocumentAnalysis, DocumentAnalysis.document_id == Document.id)
        .where(IncidentDocument.incident_id == incident_id, Document.published_at <= now)
    ).all()
    topics: dict[int, list[str]] = {}
    statement = (
        select(DocumentTopic.document_id, DocumentTopic.topic)
        .join(IncidentDocument, IncidentDocument.document_id == DocumentTopic.document_id)
        .where(IncidentDocument.incident_id == incident_id)
        .order_by(DocumentTopic.document_id, DocumentTopic.score.desc())
    )
    for document_id, topic in session.execute(statement):
        topics.setdefault(document_id, []).append(topic)
    members = [
        Member(
            document_id=row[0],
            url=row[1],
            title=row[2] or "",
            text=row[3],
            published_at=row[4],
            kind=row[5],
            author=row[6],
            source=row[7],
            tier=row[8],
            reposts=row[9] or 0,
            comments=row[10] or 0,
            likes=row[11] or 0,
            duplicate_of_id=row[12],
            sentiment=row[13],
            places=list(row[14] or []),
            casualties=dict(row[15] or {}),
            occurred_at=row[16],
            topics=tuple(topics.get(row[0], ())),
            by_hand=bool(row[17]),
        )
        for row in rows
    ]
    members.sort(key=lambda m: (m.published_at, m.document_id))
    return members
