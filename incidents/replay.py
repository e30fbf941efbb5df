"""Scoring a replay: how the incidents the detect job formed compare with the grouping a person wrote down.

A replay is a stream of posts with an answer: for each post, the thread (one named thing, one matter; or one
event) it belongs to, or none. ``bench/replay.py`` plays real replays (``bench/replays/``) and the team's own
fortnight through ingest, the tagger and ``detect --now``; this module scores what it placed.

- **Pairwise** precision, recall and F1 over the pairs of posts of which at least one belongs to a thread:
  expected together when both are in the same thread, found together when both are in the same incident.
  Posts in no thread may group among themselves as they like; they count only against a thread. A *weak*
  post (one that names its thread's matter only in a hashtag) may be with its thread or not: it is never
  expected, and counts only when placed with another thread.
- **Per thread**: how many incidents hold its posts (a split), the share of its posts in the incident that
  holds most of them (recall), that incident's share of posts from the thread (purity), and the thread's
  posts in no incident at all (left out).
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from collections.abc import Hashable, Mapping, Set
from dataclasses import dataclass

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ThreadScore:
    thread: str
    posts: int
    incidents: int  # incidents holding at least one of its posts
    recall: float  # share of its posts in its main incident
    purity: float  # share of its main incident's posts that are its own
    left_out: int  # its posts in no incident
    main_incident: int | None


@dataclass(frozen=True)
class ReplayScore:
    precision: float
    recall: float
    f1: float
    threads: list[ThreadScore]

    @property
    def left_out(self) -> int:
        return sum(t.left_out for t in self.threads)


def score(
    answer: Mapping[Hashable, str | None], placed: Mapping[Hashable, int], weak: Set[Hashable] = frozenset()
) -> ReplayScore:
    """Score ``placed`` (post → incident id; posts in no incident absent) against ``answer`` (post → thread);
    ``weak`` posts belong to their thread but are not required in it."""
    posts = sorted(answer, key=str)
    in_thread = [p for p in posts if answer[p] is not None and p not in weak]
    expected = found = hits = 0
    for i, a in enumerate(posts):
        for b in posts[i + 1 :]:
            if answer[a] is None and answer[b] is None:
                continue
            same_thread = answer[a] is not None and answer[a] == answer[b]
            same_incident = a in placed and b in placed and placed[a] == placed[b]
            if a in weak or b in weak:
                found += same_incident and not same_thread
                continue
            expected += same_thread
            found += same_incident
            hits += same_thread and same_incident
    precision = hits / found if found else (1.0 if not expected else 0.0)
    recall = hits / expected if expected else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    sizes = Counter(placed.values())
    own: Counter[tuple[str, int]] = Counter(
        (str(answer[p]), placed[p]) for p in posts if answer[p] is not None and p in placed
    )
    by_thread: dict[str, list[Hashable]] = defaultdict(list)
    for post in in_thread:
        by_thread[str(answer[post])].append(post)
    threads = []
    for thread, members in sorted(by_thread.items()):
        holders = Counter(placed[p] for p in members if p in placed)
        main, count = holders.most_common(1)[0] if holders else (None, 0)
        threads.append(
            ThreadScore(
                thread=thread,
                posts=len(members),
                incidents=len(holders),
                recall=count / len(members),
                purity=own[(thread, main)] / sizes[main] if main is not None else 0.0,
                left_out=sum(1 for p in members if p not in placed),
                main_incident=main,
            )
        )
    return ReplayScore(precision, recall, f1, threads)
