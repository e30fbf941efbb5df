"""Tag every stored document that has no tags yet (or, re-tagging, every document): the tag step of
``yuqing tag`` and of the daemon.

The caller loads the tagger once (the daemon keeps it for its lifetime) and passes it in, with a
``ParallelTagger`` for several cores or the plain tagger for one. Each batch is read, tagged outside any
transaction, then saved in one transaction, with the officers' corrections of its documents winning over the
model (``storage.tags.save_tags``). The tagger reads at most ``nlp.tagger.MAX_TAG_CHARS`` of each document.

No poison pills: when the tagger fails on a batch, the batch is split in halves until the documents it fails on
stand alone; each of those is set aside with its reason (``storage.tags.set_aside``), logged and counted, and the
rest are tagged. A batch whose tags cannot be saved is saved one document at a time, the same way. A document set
aside is not offered again (``storage.tags.untagged``) until everything is re-tagged. Failures of the machine rather
than of a document (:data:`FATAL`: memory, the operating system, the project's own errors such as a missing model)
still stop the run, and so does a database that cannot record the setting aside.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from nlp.tagger import MAX_TAG_CHARS, Post, Tags
from storage.db import transaction
from storage.tags import documents_after, latest_corrections, release, save_tags, set_aside, untagged
from yuqing.errors import MonitorError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

logger = logging.getLogger(__name__)

BATCH = 500
# Errors of the machine, not of one document: they stop the run instead of setting documents aside.
FATAL: tuple[type[BaseException], ...] = (MemoryError, OSError, MonitorError)


@dataclass
class TagRun:
    """What one run did: how many documents it tagged, and the (document id, reason) of those it set aside."""

    tagged: int = 0
    set_aside: list[tuple[int, str]] = field(default_factory=list)


@dataclass(frozen=True)
class _Row:
    document_id: int
    post: Post
    was_set_aside: bool


def tag_untagged(
    sessions: sessionmaker[Session],
    tag_many: Callable[[Sequence[Post]], list[Tags]],
    model_version: str,
    clock: Callable[[], datetime],
    batch: int = BATCH,
    *,
    everything: bool = False,
) -> int:
    """Tag the untagged documents (with ``everything``: all documents); return how many were tagged."""
    return tag_documents(sessions, tag_many, model_version, clock, batch, everything=everything).tagged


def tag_documents(
    sessions: sessionmaker[Session],
    tag_many: Callable[[Sequence[Post]], list[Tags]],
    model_version: str,
    clock: Callable[[], datetime],
    batch: int = BATCH,
    *,
    everything: bool = False,
) -> TagRun:
    """Tag the untagged documents (with ``everything``: all documents, those set aside included) in id order,
    ``batch`` at a time, setting aside each one that cannot be tagged."""
    read = documents_after if everything else untagged
    run, last_id = TagRun(), 0
    while True:
        with sessions() as session:
            rows = [
                _Row(
                    d.id,
                    Post(d.text[:MAX_TAG_CHARS], d.title[:MAX_TAG_CHARS], d.published_at),
                    d.quarantined_at is not None,
                )
                for d in read(session, last_id, batch)
            ]
        if not rows:
            return run
        last_id = rows[-1].document_id
        tagged, failed = _tag(tag_many, rows)
        now = clock()
        unsaved = _save(sessions, tagged, model_version, now)
        run.tagged += len(tagged) - len(unsaved)
        failed += unsaved
        if failed:
            with transaction(sessions) as session:
                for document_id, reason in failed:
                    set_aside(session, document_id, reason, now)
            for document_id, reason in failed:
                logger.warning("tag set aside document=%d reason=%s", document_id, reason)
        run.set_aside += failed


def _tag(
    tag_many: Callable[[Sequence[Post]], list[Tags]], rows: list[_Row]
) -> tuple[list[tuple[_Row, Tags]], list[tuple[int, str]]]:
    """The tags of ``rows``, and (id, reason) of each row the tagger fails on alone (found by halving)."""
    try:
        results = tag_many([row.post for row in rows])
    except FATAL:
        raise
    except Exception as exc:
        if len(rows) == 1:
            return [], [(rows[0].document_id, _reason("标注失败", exc))]
        middle = len(rows) // 2
        left, right = _tag(tag_many, rows[:middle]), _tag(tag_many, rows[middle:])
        return left[0] + right[0], left[1] + right[1]
    return list(zip(rows, results, strict=True)), []


def _save(
    sessions: sessionmaker[Session], tagged: list[tuple[_Row, Tags]], model_version: str, now: datetime
) -> list[tuple[int, str]]:
    """Save the tags in one transaction; failing that, one document at a time: (id, reason) of those not saved."""
    if not tagged:
        return []
    try:
        _save_all(sessions, tagged, model_version, now)
        return []
    except FATAL:
        raise
    except Exception as exc:
        if len(tagged) == 1:
            return [(tagged[0][0].document_id, _reason("保存标注失败", exc))]
    failed = []
    for item in tagged:
        try:
            _save_all(sessions, [item], model_version, now)
        except FATAL:
            raise
        except Exception as exc:
            failed.append((item[0].document_id, _reason("保存标注失败", exc)))
    return failed


def _save_all(
    sessions: sessionmaker[Session], tagged: list[tuple[_Row, Tags]], model_version: str, now: datetime
) -> None:
    with transaction(sessions) as session:
        corrected = latest_corrections(session, [row.document_id for row, _tags in tagged])
        for row, tags in tagged:
            save_tags(session, row.document_id, tags, model_version, now, corrected.get(row.document_id))
            if row.was_set_aside:
                release(session, row.document_id)


def _reason(what: str, exc: BaseException) -> str:
    """``标注失败：OverflowError: date value out of range``: what failed, then the error as Python states it."""
    detail = str(exc).strip()
    return f"{what}：{type(exc).__name__}" + (f": {detail}" if detail else "")
