"""The unit of work that flows from a spider through the pipelines: one post, as found on the page.

Step 2 of a post's path. A spider fills what it found and leaves the rest empty; the validate stage decides
whether that is enough (a missing time is a reason to drop, never a reason to invent one).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass
class Reply:
    """A message-board letter's status and the official answer, once published."""

    status: str
    unit: str | None = None
    text: str | None = None
    replied_at: datetime | None = None


@dataclass
class PostItem:
    """One post: an article, a Weibo post, a letter or a release."""

    source: str
    kind: str
    url: str
    title: str = ""
    text: str = ""
    published_at: datetime | None = None
    author: str | None = None
    metrics: dict[str, int] = field(default_factory=dict)
    reply: Reply | None = None
    #: what the time looked like on the page, for the log line when it cannot be read
    time_text: str | None = None
    #: the post this one reposts (a Weibo ``retweeted_status``): it is linked to that original directly
    original_url: str | None = None
    #: set by the near-duplicate stage
    fingerprint: int | None = None
    duplicate_of: int | None = None
