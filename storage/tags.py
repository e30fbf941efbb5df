"""Tags of documents: which documents need tagging, storing what the tagger found, and officers' corrections.

A correction (``corrections``) is the officer's word on a document's topics or sentiment. It is applied to
the stored tags at once (:func:`apply_correction`) and again whenever the document is tagged later
(:func:`save_tags` takes the latest correction), so re-tagging never overwrites it.

A document the tagger cannot process is set aside (:func:`set_aside`: ``documents.quarantined_at`` and
``quarantine_reason``): :func:`untagged` no longer offers it, so it costs one failure, not one per run; re-tagging
everything (``yuqing tag --all``) tries it again, and once its tags are saved :func:`release` clears the mark.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from storage.models import Correction, DetectState, Document, DocumentAnalysis, DocumentTopic

logger = logging.getLogger(__name__)

CORRECTED_SCORE = 1.0  # the score stored with a topic an officer added: not the model's, certain
MAX_REASON_CHARS = 1000


@dataclass(frozen=True)
class CurrentTags:
    """A document's stored topics and sentiment (None: not tagged yet)."""

    topics: list[str] | None
    sentiment: str | None


def untagged(session: Session, after_id: int, limit: int) -> list[Document]:
    """Documents with no analysis yet and not set aside, in id order, starting after ``after_id``."""
    statement = (
        select(Document)
        .outerjoin(DocumentAnalysis, DocumentAnalysis.document_id == Document.id)
        .where(DocumentAnalysis.document_id.is_(None), Document.quarantined_at.is_(None), Document.id > after_id)
        .order_by(Document.id)
        .limit(limit)
    )
    return list(session.scalars(statement))


def documents_after(session: Session, after_id: int, limit: int) -> list[Document]:
    """Every document in id order after ``after_id`` (re-tagging all of them)."""
    return list(session.scalars(select(Document).where(Document.id > after_id).order_by(Document.id).limit(limit)))


def save_tags(
    session: Session,
    document_id: int,
    tags: Any,
    model_version: str,
    now: datetime,
    correction: Correction | None = None,
) -> None:
    """Replace the document's tags with ``tags`` (an ``nlp.tagger.Tags``); the ``correction`` wins where it speaks."""
    session.execute(delete(DocumentTopic).where(DocumentTopic.document_id == document_id))
    session.execute(delete(DocumentAnalysis).where(DocumentAnalysis.document_id == document_id))
    topics = list(tags.topics)
    sentiment = tags.sentiment
    if correction is not None:
        topics = list(correction.topics) if correction.topics is not None else topics
        sentiment = correction.sentiment or sentiment
    session.add(
        DocumentAnalysis(
            document_id=document_id,
            sentiment=sentiment,
            places=tags.places,
            casualties=tags.casualties,
            keywords=tags.keywords,
            occurred_at=tags.occurred_at,
            model_version=model_version,
            tagged_at=now,
        )
    )
    chosen = set(tags.topics)
    session.add_all(
        DocumentTopic(
            document_id=document_id,
            topic=topic,
            score=tags.scores[topic] if topic in chosen else CORRECTED_SCORE,
        )
        for topic in topics
    )


def set_aside(session: Session, document_id: int, reason: str, now: datetime) -> None:
    """Mark the document as one the tagger could not process, with the reason (a Chinese sentence); its stale
    tags, if any, stay."""
    session.execute(
        update(Document)
        .where(Document.id == document_id)
        .values(quarantined_at=now, quarantine_reason=reason[:MAX_REASON_CHARS])
    )


def release(session: Session, document_id: int) -> None:
    """Clear the set-aside mark of a document now tagged after all; detect, which passed over it while it was
    untagged, is sent back to it (its cursor goes back to just before it)."""
    session.execute(
        update(Document).where(Document.id == document_id).values(quarantined_at=None, quarantine_reason=None)
    )
    session.execute(update(DetectState).where(DetectState.low_water >= document_id).values(low_water=document_id - 1))


def current(session: Session, document_id: int) -> CurrentTags:
    analysis = session.get(DocumentAnalysis, document_id)
    if analysis is None:
        return CurrentTags(None, None)
    topics = session.scalars(
        select(DocumentTopic.topic).where(DocumentTopic.document_id == document_id).order_by(DocumentTopic.topic)
    )
    return CurrentTags(list(topics), analysis.sentiment)


def record_correction(
    session: Session,
    document_id: int,
    topics: Sequence[str] | None,
    sentiment: str | None,
    reason: str | None,
    by: str,
    now: datetime,
) -> Correction:
    """Store a correction with what it replaces, and apply it to the stored tags."""
    before = current(session, document_id)
    row = Correction(
        document_id=document_id,
        topics=sorted(topics) if topics is not None else None,
        sentiment=sentiment,
        reason=reason,
        by=by,
        at=now,
        before_topics=before.topics,
        before_sentiment=before.sentiment,
    )
    session.add(row)
    session.flush()
    apply_correction(session, row)
    return row


def apply_correction(session: Session, correction: Correction) -> None:
    """Make the stored tags of the corrected document say what the correction says (untagged: nothing yet)."""
    analysis = session.get(DocumentAnalysis, correction.document_id)
    if analysis is None:
        return
    if correction.sentiment is not None:
        analysis.sentiment = correction.sentiment
    if correction.topics is not None:
        kept = {
            t.topic: t.score
            for t in session.scalars(select(DocumentTopic).where(DocumentTopic.document_id == correction.document_id))
        }
        session.execute(delete(DocumentTopic).where(DocumentTopic.document_id == correction.document_id))
        session.add_all(
            DocumentTopic(document_id=correction.document_id, topic=topic, score=kept.get(topic, CORRECTED_SCORE))
            for topic in correction.topics
        )
    session.flush()


def latest_corrections(session: Session, document_ids: Sequence[int] | None = None) -> dict[int, Correction]:
    """The latest correction of each document (of ``document_ids``, or of every corrected document)."""
    newest = select(Correction.document_id, func.max(Correction.id).label("id")).group_by(Correction.document_id)
    if document_ids is not None:
        if not document_ids:
            return {}
        newest = newest.where(Correction.document_id.in_(list(document_ids)))
    ids = newest.subquery()
    rows = session.scalars(select(Correction).join(ids, ids.c.id == Correction.id))
    return {row.document_id: row for row in rows}


def corrections(session: Session) -> list[tuple[Correction, Document]]:
    """Every correction with its document, oldest first."""
    statement = select(Correction, Document).join(Document, Document.id == Correction.document_id)
    return [(c, d) for c, d in session.execute(statement.order_by(Correction.at, Correction.id))]
