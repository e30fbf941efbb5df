"""Load and validate ``config.toml``, the project's one configuration file.

Every entry point calls :func:`load` first, before it touches the database or the network, so a
wrong key stops the process (exit status 2) with a message that names the file, the key path,
what was expected and how to fix it. The package holds the schema (``schema``), the resolution of
secrets from the environment (``environment``, the only reader of ``os.environ``) and the wording of
errors (``messages``); this module reads the file and puts them together.
"""

from __future__ import annotations

import logging
import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from yuqing.config.environment import apply_environment
from yuqing.config.messages import describe, key_paths
from yuqing.config.schema import (
    DATABASE_URL_ENV,
    DEFAULT_PATH,
    AlertsConfig,
    ClocksConfig,
    Config,
    CrawlConfig,
    GradingConfig,
    IncidentsConfig,
    SourceConfig,
    SourceSecrets,
    WebhookTarget,
    parse_duration,
)
from yuqing.errors import ConfigError

__all__ = [
    "DATABASE_URL_ENV",
    "DEFAULT_PATH",
    "AlertsConfig",
    "ClocksConfig",
    "Config",
    "CrawlConfig",
    "GradingConfig",
    "IncidentsConfig",
    "SourceConfig",
    "SourceSecrets",
    "WebhookTarget",
    "key_paths",
    "load",
    "parse_duration",
]

logger = logging.getLogger(__name__)


def load(path: Path | str = DEFAULT_PATH, environ: Mapping[str, str] | None = None) -> Config:
    """Read, validate and resolve ``path``; raise :class:`ConfigError` with every problem found."""
    path = Path(path)
    environ = os.environ if environ is None else environ
    data = _read_toml(path)
    try:
        config = Config.model_validate(data)
    except ValidationError as exc:
        problems = [describe(path, err, data) for err in exc.errors()]
        raise ConfigError("\n".join(problems), path=str(path), problems=problems) from None
    config = apply_environment(config, path, environ)
    config._path = path
    return config


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        message = f"找不到配置文件 {path}。提示：用 --config 指定 config.toml 的路径。"
        raise ConfigError(message, path=str(path)) from None
    except IsADirectoryError:
        message = f"配置文件 {path} 是一个目录，不是文件。提示：用 --config 指定 config.toml 文件本身的路径。"
        raise ConfigError(message, path=str(path)) from None
    except PermissionError:
        message = f"无法读取配置文件 {path}：权限不足。提示：检查文件权限，或以有权读取它的用户运行。"
        raise ConfigError(message, path=str(path)) from None
    except OSError as exc:
        message = f"无法读取配置文件 {path}：{exc.strerror or exc}。提示：用 --config 指定可读的 config.toml。"
        raise ConfigError(message, path=str(path)) from None
    except tomllib.TOMLDecodeError as exc:
        message = f"{path}: TOML 语法错误：{exc}。提示：检查引号、方括号和等号。"
        raise ConfigError(message, path=str(path)) from None
    except UnicodeDecodeError:
        message = f"{path}: 文件不是 UTF-8 编码。提示：用 UTF-8 另存配置文件。"
        raise ConfigError(message, path=str(path)) from None
