"""Officers' corrections as training data: annotation records to review, and examples ``yuqing train`` folds in.

A correction is stored by ``incidents.corrections`` (who, when, why, what it replaced); here it becomes an
annotation record (``yuqing corrections export``, ``file = "documents"`` and the document's URL as ``id``) and
a training example (its text, and the tags the document has after the correction: the part the officer did
not correct was accepted as it stood).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from nlp.annotations import CORRECTION_FILE, GUIDE
from nlp.corpus import Example, join_title
from storage import tags as tag_rows

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

logger = logging.getLogger(__name__)


def records(session: Session) -> list[dict[str, Any]]:
    """The latest correction of each corrected document as an annotation record: the document's URL as its
    ``id``, the officer as its annotator, the tags it now has (the part the officer did not correct was
    accepted as it stood), the reason as its note."""
    latest = tag_rows.latest_corrections(session)
    records = []
    for correction, document in tag_rows.corrections(session):
        if latest.get(document.id) is not correction:
            continue
        now = tag_rows.current(session, document.id)
        record: dict[str, Any] = {
            "file": CORRECTION_FILE,
            "id": document.canonical_url,
            "topics": sorted(now.topics or []),
            "sentiment": now.sentiment or correction.sentiment or "neutral",
            "batch": f"corrections-{correction.at:%Y-%m}",
            "annotator": correction.by,
            "guide": GUIDE,
            "at": correction.at.isoformat(),
        }
        if correction.reason:
            record["note"] = correction.reason
        records.append(record)
    return records


def examples(session: Session) -> list[Example]:
    """The corrected documents as training examples: their text, and the tags they have after the correction."""
    latest = tag_rows.latest_corrections(session)
    found = []
    for correction, document in tag_rows.corrections(session):
        if latest.get(document.id) is not correction:
            continue
        now = tag_rows.current(session, document.id)
        topics = now.topics if now.topics is not None else (correction.topics or [])
        sentiment = now.sentiment or correction.sentiment
        if sentiment is None:
            continue  # a topic-only correction of a document never tagged: no sentiment to learn from
        found.append(
            Example(text=join_title(document.title, document.text), topics=frozenset(topics), sentiment=sentiment)
        )
    return found
