"""The posts of one incident as plain values: what spread, summary and grading read.

Read through ``storage.incidents.members`` (two queries per incident, whatever the size of the database).
Only posts published at or before ``now`` are read, so a replay sees the incident as it was then.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from storage import incidents as incident_rows

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

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
    return to_members(incident_rows.members(session, incident_id, now))


def load_members_of(session: Session, incident_ids: Sequence[int], now: datetime) -> dict[int, list[Member]]:
    """:func:`load_members` of several incidents, read at once."""
    return {
        incident_id: to_members(rows)
        for incident_id, rows in incident_rows.members_of(session, incident_ids, now).items()
    }


def to_members(rows: Iterable[dict[str, Any]]) -> list[Member]:
    members = [
        Member(
            **{
                **row,
                "title": row["title"] or "",
                "reposts": row["reposts"] or 0,
                "comments": row["comments"] or 0,
                "likes": row["likes"] or 0,
                "places": list(row["places"] or []),
                "casualties": dict(row["casualties"] or {}),
                "by_hand": bool(row["by_hand"]),
            }
        )
        for row in rows
    ]
    members.sort(key=lambda m: (m.published_at, m.document_id))
    return members
