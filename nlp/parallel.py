"""Tag many posts on every core: a process pool whose workers each hold the tagger.

Workers are forked from the process that loaded the tagger, so they share its model pages instead
of loading it again; each chunk of posts goes to one worker and comes back as ``Tags`` in order.
"""

from __future__ import annotations

import logging
import multiprocessing
from collections.abc import Sequence
from multiprocessing.pool import Pool
from types import TracebackType

from nlp.tagger import Post, Tagger, Tags

logger = logging.getLogger(__name__)

CHUNK = 32

# The tagger of this worker process, set once by the pool's initializer (the multiprocessing idiom).
_worker_tagger: Tagger | None = None


def _adopt(tagger: Tagger) -> None:
    global _worker_tagger
    _worker_tagger = tagger


def _tag_chunk(posts: Sequence[Post]) -> list[Tags]:
    assert _worker_tagger is not None, "pool initializer did not run"
    return _worker_tagger.tag_many(posts, keywords=True)


class ParallelTagger:
    """``tag_many`` over ``workers`` processes; with one worker it tags in this process."""

    def __init__(self, tagger: Tagger, workers: int) -> None:
        self.tagger = tagger
        self.workers = max(1, workers)
        self._pool: Pool | None = None
        if self.workers > 1:
            context = multiprocessing.get_context("fork")
            self._pool = context.Pool(self.workers, initializer=_adopt, initargs=(tagger,))

    def tag_many(self, posts: Sequence[Post]) -> list[Tags]:
        if self._pool is None:
            return self.tagger.tag_many(posts, keywords=True)
        chunks = [posts[i : i + CHUNK] for i in range(0, len(posts), CHUNK)]
        return [tags for chunk in self._pool.map(_tag_chunk, chunks) for tags in chunk]

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()
            self._pool.join()
            self._pool = None

    def __enter__(self) -> ParallelTagger:
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.close()
