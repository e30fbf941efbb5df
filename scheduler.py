"""The composition root: logging, Config, engine and sessions are built here, once, and passed down.

``cli.py`` builds its objects through :func:`build`, so the command line and the daemon run the
stages on exactly the same parts. The daemon's jobs are registered here as the stages land.
"""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from config import Config
from storage.db import make_engine, session_factory

logger = logging.getLogger(__name__)

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def configure_logging(level: str = "INFO") -> None:
    """One handler on stderr for the whole process; called by entry points only."""
    logging.basicConfig(level=level.upper(), format=LOG_FORMAT, stream=sys.stderr, force=True)
    for noisy in ("alembic", "jieba"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


@dataclass(frozen=True)
class Runtime:
    """The long-lived objects every stage receives."""

    config: Config
    engine: Engine
    sessions: sessionmaker[Session]


def build(config: Config) -> Runtime:
    engine = make_engine(config.database.url)
    return Runtime(config=config, engine=engine, sessions=session_factory(engine))
