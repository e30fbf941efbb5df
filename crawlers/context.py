"""What every component of one source's crawl shares: the config, the source, ``now`` and the database.

Built once per scrapy ``Crawler`` from its settings (``MONITOR_CONFIG``, ``CRAWL_SOURCE``, ``CRAWL_NOW``) the
first time a component's ``from_crawler`` asks for it, and kept on that crawler; its engine (and Redis client)
are closed when the spider closes.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from scrapy import signals

from crawlers.shared import SharedRound
from storage.db import make_engine, session_factory, transaction
from storage.sources import ensure_source
from yuqing import config as config_module
from yuqing.config import Config, SourceConfig, SourceSecrets
from yuqing.instants import parse_instant

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session, sessionmaker

logger = logging.getLogger(__name__)

KIND_BY_TYPE = {"feed": "news", "site": "news", "weibo": "social", "board": "forum", "official": "official"}


@dataclass(frozen=True)
class CrawlContext:
    config: Config
    source: SourceConfig
    secrets: SourceSecrets
    now: datetime
    engine: Engine
    sessions: sessionmaker[Session]
    source_id: int
    shared: SharedRound | None = None  # with [crawl] queue = "redis": what the source's other crawlers see

    @property
    def kind(self) -> str:
        return KIND_BY_TYPE[self.source.type]

    @classmethod
    def of(cls, crawler: Crawler) -> CrawlContext:
        """The context of ``crawler``, built on first use."""
        context: CrawlContext | None = getattr(crawler, "yuqing_context", None)
        if context is None:
            context = cls._build(crawler)
            crawler.yuqing_context = context  # type: ignore[attr-defined]
            crawler.signals.connect(context._dispose, signal=signals.spider_closed)
        return context

    @classmethod
    def _build(cls, crawler: Crawler) -> CrawlContext:
        settings = crawler.settings
        config = config_module.load(settings["MONITOR_CONFIG"])
        source = config.source(settings["CRAWL_SOURCE"])
        if source is None:
            raise ValueError(f"unknown source {settings['CRAWL_SOURCE']!r}")
        now = parse_instant(settings["CRAWL_NOW"])
        engine = make_engine(config.database.url)
        sessions = session_factory(engine)
        with transaction(sessions) as session:
            known = {"type": source.type, "tier": source.tier, "url": source.url}
            source_id = ensure_source(session, source.name, now, **known)
        secrets = config.source_secrets(source.name)
        shared = SharedRound.from_settings(settings) if config.crawl.queue == "redis" else None
        return cls(config, source, secrets, now, engine, sessions, source_id, shared)

    def _dispose(self) -> None:
        self.engine.dispose()
        if self.shared is not None:
            self.shared.close()
