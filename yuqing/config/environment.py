"""Resolving what ``config.toml`` names but does not hold: the environment's secrets and the database URL.

``YUQING_DATABASE_URL`` overrides ``[database].url``; a relative SQLite path is anchored at the file's
folder; the SMTP password, a Redis URL with its password, each source's cookie, proxy and secret headers,
each webhook's URL and signing secret are read from the variables the file names. This module and
``yuqing.config.load`` are the only readers of ``os.environ``.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping
from pathlib import Path

from yuqing.config.schema import (
    DATABASE_URL_ENV,
    ENV_NAME,
    Config,
    CrawlConfig,
    DatabaseConfig,
    SourceConfig,
    SourceSecrets,
    WebhookConfig,
    WebhookTarget,
    check_database_url,
    check_redis_url,
)
from yuqing.errors import ConfigError

logger = logging.getLogger(__name__)


def apply_environment(config: Config, path: Path, environ: Mapping[str, str]) -> Config:
    """Apply ``YUQING_DATABASE_URL``, anchor relative SQLite paths, and fetch the SMTP secret."""
    url = environ.get(DATABASE_URL_ENV) or ""
    if url:
        try:
            check_database_url(url)
        except ValueError as exc:
            message = f"环境变量 {DATABASE_URL_ENV}: {exc}。提示：修正或删除该环境变量。"
            raise ConfigError(message, path=str(path)) from None
    else:
        url = _anchor_sqlite(config.database.url, path.parent)
    resolved = config.model_copy(update={"database": DatabaseConfig(url=url)})
    if config.smtp.username:
        secret = environ.get(config.smtp.password_env)
        if not secret:
            message = (
                f"{path}: [smtp].password_env: 应为已设置的环境变量名，但环境变量 "
                f"{config.smtp.password_env} 未设置。提示：export {config.smtp.password_env}=… "
                "后再运行，或删除 [smtp].username 以不登录发送。"
            )
            raise ConfigError(message, path=str(path))
        resolved._smtp_password = secret
    resolved._source_secrets = {s.name: _source_secrets(s, path, environ) for s in config.sources}
    if config.crawl.queue == "redis":
        resolved._redis_url = _redis_url(config.crawl, path, environ)
    resolved._webhooks = {w.name: _webhook_target(w, path, environ) for w in config.alerts.webhooks}
    return resolved


def _webhook_target(webhook: WebhookConfig, path: Path, environ: Mapping[str, str]) -> WebhookTarget:
    where = f'{path}: [[alerts.webhooks]]（name = "{webhook.name}"）'
    url = webhook.url or environ.get(webhook.url_env or "") or ""
    if not re.match(r"^https?://", url):
        message = (
            f"{where}.url_env: 环境变量 {webhook.url_env} 未设置或不是 http(s) 地址。"
            f"提示：export {webhook.url_env}=机器人的 Webhook 地址 后再运行。"
        )
        raise ConfigError(message, path=str(path))
    secret = environ.get(webhook.secret_env) if webhook.secret_env else None
    if webhook.secret_env and not secret:
        name = webhook.secret_env
        message = f"{where}.secret_env: 环境变量 {name} 未设置。提示：export {name}=SEC… 后再运行。"
        raise ConfigError(message, path=str(path))
    return WebhookTarget(url=url, secret=secret)


def _redis_url(crawl: CrawlConfig, path: Path, environ: Mapping[str, str]) -> str:
    """``[crawl].redis_url``, or the URL (password and all) in the variable ``redis_url_env`` names, which wins."""
    name = crawl.redis_url_env
    url = (environ.get(name) or "") if name else ""
    if not url:
        if crawl.redis_url:
            return crawl.redis_url
        message = (
            f"{path}: [crawl].redis_url_env: 应为已设置的环境变量名，但环境变量 {name} 未设置。"
            f"提示：export {name}=redis://:密码@主机:6379/0 后再运行，或在 [crawl].redis_url 写出不含密码的地址。"
        )
        raise ConfigError(message, path=str(path))
    try:
        check_redis_url(url)
    except ValueError as exc:
        message = f"{path}: [crawl].redis_url_env: 环境变量 {name} 的内容不对：{exc}。提示：修正该环境变量。"
        raise ConfigError(message, path=str(path)) from None
    return url


def _source_secrets(source: SourceConfig, path: Path, environ: Mapping[str, str]) -> SourceSecrets:
    """A source's cookie, proxy and secret headers. ``proxy`` is a URL, or the name of a variable holding one."""
    proxy = source.proxy
    if proxy and ENV_NAME.match(proxy):
        proxy = environ.get(proxy) or None
    headers: dict[str, str] = {}
    if source.headers_env and environ.get(source.headers_env):
        headers = _parse_headers(environ[source.headers_env], source, path)
    cookie = environ.get(source.cookie_env) or None if source.cookie_env else None
    return SourceSecrets(cookie=cookie, proxy=proxy, headers=headers)


def _parse_headers(raw: str, source: SourceConfig, path: Path) -> dict[str, str]:
    """``{"Name": "value"}`` (JSON) or ``Name: value`` lines."""
    raw = raw.strip()
    if raw.startswith("{"):
        try:
            data = json.loads(raw)
        except json.JSONDecodeError:
            data = None
        if isinstance(data, dict) and all(isinstance(v, str) for v in data.values()):
            return {str(k): v for k, v in data.items()}
    elif all(":" in line for line in raw.splitlines() if line.strip()):
        pairs = (line.split(":", 1) for line in raw.splitlines() if line.strip())
        return {name.strip(): value.strip() for name, value in pairs}
    message = (
        f'{path}: [[sources]]（name = "{source.name}"）.headers_env: 环境变量 {source.headers_env} 的内容无法识别。'
        '提示：写成 JSON 对象 {"Name": "值"}，或每行一个 "Name: 值"。'
    )
    raise ConfigError(message, path=str(path))


def _anchor_sqlite(url: str, base: Path) -> str:
    """A relative SQLite path in the file is relative to the file, not to the working directory."""
    match = re.match(r"^(sqlite(?:\+pysqlite)?:///)(.*)$", url)
    if not match or not match.group(2) or match.group(2) == ":memory:":
        return url
    prefix, file = match.groups()
    if Path(file).is_absolute():
        return url
    return prefix + str((base / file).resolve())
