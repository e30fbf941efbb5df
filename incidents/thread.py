"""A recurring issue as the duty officer reads it: the letters of one incident about one named thing.

Citizens write about one estate for months (a run of letters with pauses); grouping keeps such a run in one
incident (``thread_within``), and this module says what it is: "关于某某小区的第12封来信（5个月内）", with the
letters in order. Pure functions of the incident's members.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from incidents.members import Member
from nlp.names import find_names

LETTER_KIND = "forum"
MIN_LETTERS = 2
DAYS_PER_MONTH = 30.44


@dataclass(frozen=True)
class Thread:
    name: str | None  # the named thing most letters speak of
    letters: tuple[Member, ...]  # oldest first

    @property
    def months(self) -> int:
        """Calendar span of the letters in whole months, at least 1."""
        span = self.letters[-1].published_at - self.letters[0].published_at
        return max(1, math.ceil(span.days / DAYS_PER_MONTH))

    @property
    def span(self) -> str:
        """The span in words: 5个月 up to a year, then 3年 or 3年6个月 (a thread may sleep for years)."""
        years, months = divmod(self.months, 12)
        if not years:
            return f"{months}个月"
        return f"{years}年{months}个月" if months else f"{years}年"

    def headline(self) -> str:
        about = f"关于“{self.name}”" if self.name else "同一事项"
        return f"{about}的第{len(self.letters)}封来信（{self.span}内）"


def thread_of(members: Sequence[Member]) -> Thread | None:
    """The incident's letters as a thread, when it holds at least two; None otherwise."""
    written = [m for m in members if m.kind == LETTER_KIND]
    letters = tuple(sorted(written, key=lambda m: (m.published_at, m.document_id)))
    if len(letters) < MIN_LETTERS:
        return None
    named: Counter[str] = Counter()
    for letter in letters:  # each letter counts a name once; on a tie, the name met first (most_common is stable)
        named.update(list(dict.fromkeys(find_names(f"{letter.title}。{letter.text}"))))
    name = named.most_common(1)[0][0] if named else None
    return Thread(name=name, letters=letters)
