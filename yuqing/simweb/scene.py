"""What the simulated web looks like at one instant: the items published by then, and where they live.

Every request builds one :class:`Scene` from the scenario clock, so a page never shows an item from the
future, and every renderer gets the same view of the world for the whole request.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from yuqing.instants import BEIJING
from yuqing.simweb.corpus import Item

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Scene:
    """The scenario at ``now``: ``items`` is the whole corpus, ordered by offset; only some are visible."""

    start: datetime
    now: datetime
    items: tuple[Item, ...]
    base_url: str

    def published(self, item: Item) -> datetime:
        """When ``item`` appears, in 北京时间."""
        return item.published(self.start)

    def local_now(self) -> datetime:
        """The scenario clock in 北京时间."""
        return self.now.astimezone(BEIJING)

    def is_visible(self, item: Item) -> bool:
        """True once the item has been published."""
        return self.start + item.offset <= self.now

    def visible(self, *channels: str) -> list[Item]:
        """The published items of the given channels, newest first."""
        found = [item for item in self.items if item.channel in channels and self.is_visible(item)]
        return sorted(found, key=lambda item: (item.offset, item.id), reverse=True)

    def lookup(self, channel: str, item_id: str) -> Item | None:
        """The published item of ``channel`` with id ``item_id``, or None."""
        for item in self.items:
            if item.id == item_id and item.channel == channel and self.is_visible(item):
                return item
        return None

    def get(self, item_id: str) -> Item | None:
        """Any item by id, published or not (for reposted originals, which are always earlier)."""
        for item in self.items:
            if item.id == item_id:
                return item
        return None

    def absolute(self, path: str) -> str:
        """An absolute URL on this server for a root-relative ``path``."""
        return self.base_url + path

    def last_modified(self, *channels: str) -> datetime | None:
        """The publication time of the newest visible item of the channels, or None when nothing is out yet."""
        newest = self.visible(*channels)
        return self.published(newest[0]) if newest else None
