"""Tag every stored document that has no tags yet (or, re-tagging, every document): the tag step of
``yuqing tag`` and of the daemon.

The caller loads the tagger once (the daemon keeps it for its lifetime) and passes it in, with a
``ParallelTagger`` for several cores or the plain tagger for one. Each batch is read, tagged outside any
transaction, then saved in one transaction, with the officers' corrections of its documents winning over the
model (``storage.tags.save_tags``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from nlp.tagger import Post, Tags
from storage.db import transaction
from storage.tags import documents_after, latest_corrections, save_tags, untagged

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

logger = logging.getLogger(__name__)

BATCH = 500


def tag_untagged(
    sessions: sessionmaker[Session],
    tag_many: Callable[[Sequence[Post]], list[Tags]],
    model_version: str,
    clock: Callable[[], datetime],
    batch: int = BATCH,
    *,
    everything: bool = False,
) -> int:
    """Tag the untagged documents (with ``everything``: all documents) in id order, ``batch`` at a time; return
    how many were tagged."""
    read = documents_after if everything else untagged
    tagged, last_id = 0, 0
    while True:
        with sessions() as session:
            rows = [(d.id, Post(d.text, d.title, d.published_at)) for d in read(session, last_id, batch)]
        if not rows:
            return tagged
        results = tag_many([post for _id, post in rows])
        now = clock()
        with transaction(sessions) as session:
            corrected = latest_corrections(session, [document_id for document_id, _post in rows])
            for (document_id, _post), tags in zip(rows, results, strict=True):
                save_tags(session, document_id, tags, model_version, now, corrected.get(document_id))
        tagged += len(rows)
        last_id = rows[-1][0]
