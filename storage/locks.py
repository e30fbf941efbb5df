"""Advisory locks on PostgreSQL: held on a connection of their own, freed by the server when it closes.

The daemon's one-per-database lock (``yuqing.daemon.lock``) takes one here; the holder's ``application_name``
says who it is, so a second daemon can name the first.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, Engine, text

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Holder:
    """Who holds an advisory lock: its connection's application name, address and start."""

    application_name: str
    client_addr: str | None
    backend_start: datetime | None


def try_advisory(engine: Engine, key: int, application_name: str) -> Connection | None:
    """A connection holding the advisory lock ``key`` (named ``application_name``), or None when another holds it."""
    connection = engine.connect().execution_options(isolation_level="AUTOCOMMIT")
    if connection.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": key}):
        connection.execute(text("SELECT set_config('application_name', :name, false)"), {"name": application_name})
        return connection
    connection.close()
    return None


def release_advisory(connection: Connection, key: int) -> None:
    connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
    connection.close()


def advisory_holder(engine: Engine, key: int) -> Holder | None:
    """Who holds the advisory lock ``key`` now, if anyone."""
    with engine.connect() as connection:
        row = connection.execute(
            text(
                "SELECT a.application_name, a.client_addr, a.backend_start FROM pg_locks l "
                "JOIN pg_stat_activity a ON a.pid = l.pid "
                "WHERE l.locktype = 'advisory' AND l.granted AND l.objid = :key"
            ),
            {"key": key},
        ).first()
    if row is None:
        return None
    address = str(row.client_addr) if row.client_addr is not None else None
    return Holder(str(row.application_name or ""), address, row.backend_start)
