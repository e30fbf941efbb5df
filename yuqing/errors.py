"""The project's exceptions, raised by one stage and handled at the job or command boundary.

    MonitorError                  base of everything we raise on purpose
    ├── ConfigError               config.toml is missing, malformed or inconsistent (exit 2)
    ├── InputError                a user-supplied value (a line, an id, an instant) is wrong (exit 2)
    ├── ModelNotReady             the trained model is missing or unreadable (exit 1)
    ├── DatabaseNotReady          the database has not been created or migrated yet (exit 1)
    └── DaemonRunning             another daemon already runs against this database (exit 2)

Messages are Chinese sentences meant for the duty officer; context travels as keyword-only
attributes so callers and tests never have to parse the text.
"""

from __future__ import annotations


class MonitorError(Exception):
    """Base class for errors the project raises deliberately."""

    exit_code = 1


class ConfigError(MonitorError):
    """config.toml cannot be used; ``problems`` lists one message per key."""

    exit_code = 2

    def __init__(self, message: str, *, path: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.path = path
        self.problems = problems or [message]


class InputError(MonitorError):
    """A value given on the command line or in an input file is wrong."""

    exit_code = 2


class ModelNotReady(MonitorError):
    """The model files are missing or unreadable; ``yuqing train`` rebuilds them."""


class DatabaseNotReady(MonitorError):
    """The schema is missing or older than the code; ``yuqing init-db`` fixes it."""

    def __init__(self, message: str, *, url: str) -> None:
        super().__init__(message)
        self.url = url


class DaemonRunning(MonitorError):
    """Another ``yuqing run`` holds the database's daemon lock; ``holder`` says who (pid, host, since)."""

    exit_code = 2

    def __init__(self, message: str, *, holder: str) -> None:
        super().__init__(message)
        self.holder = holder
