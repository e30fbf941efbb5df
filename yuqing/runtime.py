"""The composition root's objects: the validated config, the engine and the session factory, built once.

The command line (``yuqing.cli``), the daemon (``scheduler.py``) and the console get their parts from
:func:`build`, so the three run the stages on the same objects. The engine is made on first use: a command
that never touches the database (``yuqing classify``) does not even import SQLAlchemy. Logging is set up
here, once, by whichever entry point runs (:func:`configure_logging`); library code only asks for its logger.
"""

from __future__ import annotations

import logging
import sys
from functools import cached_property
from typing import TYPE_CHECKING

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


class Runtime:
    """The long-lived objects every stage receives: ``config``, and the database's ``engine`` and ``sessions``."""

    def __init__(self, config: Config) -> None:
        self.config = config

    @cached_property
    def engine(self) -> Engine:
        from storage.db import make_engine

        return make_engine(self.config.database.url)

    @cached_property
    def sessions(self) -> sessionmaker[Session]:
        from storage.db import session_factory

        return session_factory(self.engine)

    def ready(self) -> None:
        """Raise :class:`~yuqing.errors.DatabaseNotReady` unless the schema is at the code's revision."""
        from storage.db import ensure_ready

        ensure_ready(self.engine)

    def dispose(self) -> None:
        """Close the engine's connections, if it was ever made."""
        if "engine" in self.__dict__:
            self.engine.dispose()


def build(config: Config) -> Runtime:
    return Runtime(config)
