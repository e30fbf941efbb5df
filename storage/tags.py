"""Tags of documents: which documents still need tagging, and storing what the tagger found."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from storage.models import Document, DocumentAnalysis, DocumentTopic

logger = logging.getLogger(__name__)


def untagged(session: Session, after_id: int, limit: int) -> list[Document]:
    """Documents with no analysis yet, in id order, starting after ``after_id``."""
    statement = (
        select(Document)
        .outerjoin(DocumentAnalysis, DocumentAnalysis.document_id == Document.id)
        .where(DocumentAnalysis.document_id.is_(None), Document.id > after_id)
        .order_by(Document.id)
        .limit(limit)
    )
    return list(session.scalars(statement))


def save_tags(session: Session, document_id: int, tags: Any, model_version: str, now: datetime) -> None:
    """Replace the document's tags with ``tags`` (an ``nlp.tagger.Tags``)."""
    session.execute(delete(DocumentTopic).where(DocumentTopic.document_id == document_id))
    session.execute(delete(DocumentAnalysis).where(DocumentAnalysis.document_id == document_id))
    session.add(
        DocumentAnalysis(
            document_id=document_id,
            sentiment=tags.sentiment,
            places=tags.places,
            casualties=tags.casualties,
            keywords=tags.keywords,
            occurred_at=tags.occurred_at,
            model_version=model_version,
            tagged_at=now,
        )
    )
    session.add_all(
        DocumentTopic(document_id=document_id, topic=topic, score=tags.scores[topic]) for topic in tags.topics
    )
