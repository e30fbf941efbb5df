"""The composition root's objects: the validated config, the engine and the session factory, built once.

The command line (``yuqing.cli``), the daemon (``scheduler.py``) and the console get their parts from
:func:`build`, so the three run the stages on the same objects. Logging is set up here, once, by whichever
entry point runs (:func:`configure_logging`); library code only asks for its logger.
"""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING

from storage.db import make_engine, session_factory
from yuqing.config import Config

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session, sessionmaker

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
