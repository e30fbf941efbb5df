"""Load and validate ``config.toml``, the project's one configuration file.

Every entry point calls :func:`load` first, before it touches the database or the network, so a
wrong key stops the process (exit status 2) with a message that names the file, the key path,
what was expected and how to fix it. This is also the only module that reads ``os.environ``:
secrets are named in the file (``password_env = "YUQING_SMTP_PASSWORD"``) and resolved here.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import re
import tomllib
from collections.abc import Iterable, Mapping
from datetime import timedelta
from email.utils import parseaddr
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal
from urllib.parse import urlsplit

from apscheduler.triggers.cron import CronTrigger
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    model_validator,
)

from yuqing.errors import ConfigError
from yuqing.vocabulary import DEFAULT_DEPARTMENTS, grade_rank

logger = logging.getLogger(__name__)

DATABASE_URL_ENV = "YUQING_DATABASE_URL"
FAULT_INJECTION_ENV = "YUQING_TEST_CRASH_AT"  # tests only: see alerts/outbox.py
DEFAULT_PATH = Path("config.toml")

_DURATION = re.compile(r"^\s*(\d+)\s*(s|m|h|d)\s*$")
_DURATION_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}
_EMAIL = re.compile(r"^[^@\s<>]+@[A-Za-z0-9.-]+$")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_URL_PASSWORD = re.compile(r"(://[^:/@\s]*:)[^@/\s]+@")


def parse_duration(value: Any) -> timedelta:
    """``"10m"`` -> 10 minutes. Units: s, m, h, d."""
    if isinstance(value, timedelta):
        return value
    match = _DURATION.match(value) if isinstance(value, str) else None
    if not match:
        raise ValueError('应为时长字符串，如 "30s"、"10m"、"2h"、"1d"')
    amount, unit = match.groups()
    return timedelta(**{_DURATION_UNITS[unit]: int(amount)})


def _check_address(value: str) -> str:
    _name, address = parseaddr(value)
    if not _EMAIL.match(address):
        raise ValueError('应为邮箱地址，如 "duty@example.cn" 或 "值班室 <duty@example.cn>"')
    return value


def _check_env_name(value: str) -> str:
    if not _ENV_NAME.match(value):
        raise ValueError("应为环境变量名（字母、数字和下划线），而不是密钥本身")
    return value


def _check_crontab(value: str) -> str:
    try:
        CronTrigger.from_crontab(value, timezone="Asia/Shanghai")
    except ValueError as exc:
        raise ValueError(f'应为 crontab 表达式（分 时 日 月 周），如 "30 8 * * mon"：{exc}') from None
    return value


def _check_regex(value: str) -> str:
    try:
        re.compile(value)
    except re.error as exc:
        raise ValueError(f"不是有效的正则表达式：{exc}") from None
    return value


def _check_redis_url(value: str) -> str:
    check_redis_url(value)
    if urlsplit(value).password:
        raise ValueError(
            "不要把密码写在配置文件里：redis_url 只写不含密码的地址，"
            "把含密码的完整地址放进环境变量，并用 redis_url_env 写明变量名"
        )
    return value


def check_redis_url(url: str) -> None:
    if not re.match(r"^rediss?://[^/?#]", url):
        raise ValueError('应为 Redis 地址，如 "redis://10.0.0.5:6379/0"（TLS 用 "rediss://"）')


def check_database_url(url: str) -> None:
    if not re.match(r"^(sqlite(\+pysqlite)?:///|postgres(ql)?(\+psycopg)?://)", url):
        raise ValueError('应为 "sqlite:///相对或绝对路径" 或 "postgresql://用户@主机/库名"')


Duration = Annotated[timedelta, BeforeValidator(parse_duration)]
Address = Annotated[str, AfterValidator(_check_address)]
EnvName = Annotated[str, AfterValidator(_check_env_name)]
Crontab = Annotated[str, AfterValidator(_check_crontab)]
Regex = Annotated[str, AfterValidator(_check_regex)]
RedisUrl = Annotated[str, AfterValidator(_check_redis_url)]
Grade = Literal["especially_major", "major", "large", "general"]


class Section(BaseModel):
    """A table of config.toml: unknown keys are errors, values are not coerced, nothing mutates."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class DatabaseConfig(Section):
    url: str = "sqlite:///data/yuqing.db"

    @model_validator(mode="after")
    def _known_scheme(self) -> DatabaseConfig:
        check_database_url(self.url)
        return self


class SourceConfig(Section):
    name: str = Field(min_length=1)
    type: Literal["feed", "site", "weibo", "board", "official"]
    url: str = Field(pattern=r"^https?://")
    interval: Duration = timedelta(minutes=10)
    tier: Literal["central", "provincial", "local", "self_media", "official"]
    enabled: bool = True
    silence_after: Duration | None = None
    obey_robots: bool = True
    headers: dict[str, str] = {}
    proxy: str | None = None
    keywords_filter: list[str] = []
    article_pattern: Regex | None = None
    selectors: dict[str, str] = {}
    max_pages: int = Field(default=1, ge=1)
    keywords: list[str] = []
    pages: int = Field(default=1, ge=1)
    cookie_env: EnvName | None = None
    headers_env: EnvName | None = None

    @model_validator(mode="after")
    def _weibo_needs_keywords(self) -> SourceConfig:
        if self.type == "weibo" and not self.keywords:
            raise ValueError('type = "weibo" 的来源必须给出 keywords（搜索关键词列表）')
        return self

    @property
    def silence_limit(self) -> timedelta:
        """How long the source may stay silent before it is a blind spot (default six intervals)."""
        return self.silence_after or self.interval * 6


class TopicConfig(Section):
    department: str = Field(min_length=1)
    emails: list[Address] = []


def _topic(key: str) -> Any:
    return Field(default_factory=lambda: TopicConfig(department=DEFAULT_DEPARTMENTS[key]))


class TopicsConfig(Section):
    placeholder: ClassVar[str] = "<topic>"

    engineering_quality: TopicConfig = _topic("engineering_quality")
    housing_market: TopicConfig = _topic("housing_market")
    expropriation: TopicConfig = _topic("expropriation")
    shantytown: TopicConfig = _topic("shantytown")
    urban_management: TopicConfig = _topic("urban_management")


class RecipientsConfig(Section):
    duty: list[Address] = []
    leadership: list[Address] = []


class AccidentThreshold(Section):
    deaths: int = Field(ge=1)
    serious_injuries: int = Field(ge=1)
    economic_loss_yuan: int = Field(ge=1)


class AccidentConfig(Section):
    placeholder: ClassVar[str] = "<grade>"

    especially_major: AccidentThreshold = AccidentThreshold(
        deaths=30, serious_injuries=100, economic_loss_yuan=100_000_000
    )
    major: AccidentThreshold = AccidentThreshold(deaths=10, serious_injuries=50, economic_loss_yuan=50_000_000)
    large: AccidentThreshold = AccidentThreshold(deaths=3, serious_injuries=10, economic_loss_yuan=10_000_000)

    @model_validator(mode="after")
    def _ordered(self) -> AccidentConfig:
        for field in ("deaths", "serious_injuries", "economic_loss_yuan"):
            em, ma, la = (getattr(t, field) for t in (self.especially_major, self.major, self.large))
            if not em > ma > la:
                raise ValueError(f"{field} 的门槛应满足 especially_major > major > large")
        return self


class OpinionConfig(Section):
    window: Duration = timedelta(hours=2)
    large_sources: int = Field(default=10, ge=1)
    major_sources: int = Field(default=30, ge=1)
    large_posts: int = Field(default=50, ge=1)
    major_posts: int = Field(default=300, ge=1)
    central_media_grade: Grade = "large"
    provincial_sources: int = Field(default=5, ge=1)
    provincial_media_grade: Grade = "large"
    growth_posts: int = Field(default=20, ge=1)
    growth_factor: float = Field(default=4.0, gt=1)
    growth_grade: Grade = "large"
    mass_gathering_grade: Grade = "large"
    mass_gathering_terms: list[str] = ["聚集", "堵路", "维权", "上访", "群体性", "拉横幅", "围堵"]


class GradingConfig(Section):
    accident: AccidentConfig = AccidentConfig()
    opinion: OpinionConfig = OpinionConfig()
    regrade_for: Duration = timedelta(days=30)
    topic_min_grade: dict[str, Grade] = {}

    @model_validator(mode="after")
    def _known_topics(self) -> GradingConfig:
        unknown = sorted(set(self.topic_min_grade) - set(DEFAULT_DEPARTMENTS))
        if unknown:
            known = ", ".join(DEFAULT_DEPARTMENTS)
            raise ValueError(f"topic_min_grade 中的议题 {unknown[0]!r} 未知，应为 {known} 之一")
        return self


class ClocksConfig(Section):
    release: Duration = timedelta(hours=5)
    press_conference: Duration = timedelta(hours=24)
    follow_up: Duration = timedelta(hours=12)
    response: Duration = timedelta(hours=48)
    release_min_grade: Grade = "major"
    response_min_grade: Grade = "large"
    reminders_release: list[Duration] = [timedelta(hours=2), timedelta(hours=1), timedelta(minutes=30)]
    reminders_press_conference: list[Duration] = [timedelta(hours=6), timedelta(hours=2)]
    reminders_response: list[Duration] = [timedelta(hours=12), timedelta(hours=2)]

    @model_validator(mode="after")
    def _response_below_release(self) -> ClocksConfig:
        if grade_rank(self.response_min_grade) > grade_rank(self.release_min_grade):
            raise ValueError("response_min_grade 不应高于 release_min_grade")
        return self


class ScheduleConfig(Section):
    alerts_tick: Duration = timedelta(minutes=1)
    weekly_digest: Crontab = "30 8 * * mon"
    self_test: Crontab = "0 8 * * *"


class SmtpConfig(Section):
    host: str = "localhost"
    port: int = Field(default=25, ge=1, le=65535)
    security: Literal["none", "starttls", "tls"] = "none"
    username: str | None = None
    password_env: EnvName = "YUQING_SMTP_PASSWORD"
    sender: Address = "住建舆情监测 <yuqing@localhost>"
    timeout: Duration = timedelta(seconds=30)


class JurisdictionConfig(Section):
    province: str = "山东省"


class CrawlConfig(Section):
    """How politely and how hard the crawlers fetch (scrapy settings are derived from this)."""

    user_agent: str = Field(default="Mozilla/5.0 (compatible; ZhujianYuqing/0.1; +yuqing@localhost)", min_length=1)
    download_timeout: Duration = timedelta(seconds=30)
    max_page_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)
    retries: int = Field(default=2, ge=0, le=10)
    retry_backoff: Duration = timedelta(seconds=2)
    concurrency_per_domain: int = Field(default=2, ge=1, le=64)
    autothrottle: bool = True
    near_duplicate_window: Duration = timedelta(days=7)
    queue: Literal["memory", "redis"] = "memory"
    redis_url: RedisUrl | None = None
    redis_url_env: EnvName | None = None

    @model_validator(mode="after")
    def _redis_needs_an_address(self) -> CrawlConfig:
        if self.queue == "redis" and not (self.redis_url or self.redis_url_env):
            raise ValueError(
                'queue = "redis" 时必须给出 [crawl].redis_url（如 "redis://10.0.0.5:6379/0"），'
                "或用 [crawl].redis_url_env 写明保存 Redis 地址的环境变量名"
            )
        return self


# --- incidents (研判): grouping, promotion, lifecycle, emergence --------------------------------------


class EmergenceConfig(Section):
    """Mirrors ``incidents.emergence.EmergenceSettings``."""

    baseline_days: int = Field(default=7, ge=1)
    min_count: int = Field(default=3, ge=1)
    min_ratio: float = Field(default=3.0, gt=0)
    p_value: float = Field(default=0.01, gt=0, le=1)
    floor: float = Field(default=0.2, gt=0)


class IncidentsConfig(Section):
    similarity: float = Field(default=0.3, gt=0, le=1)
    window: Duration = timedelta(hours=48)
    promote_posts: int = Field(default=3, ge=1)
    promote_sources: int = Field(default=2, ge=1)
    promote_on_casualties: bool = True
    promote_on_central_media: bool = True
    active_posts: int = Field(default=3, ge=1)
    quiet_after: Duration = timedelta(hours=24)
    quiet_posts: int = Field(default=2, ge=0)
    close_after: Duration = timedelta(hours=72)
    reopen_within: Duration = timedelta(days=30)
    representatives: int = Field(default=5, ge=1)
    emergence: EmergenceConfig = EmergenceConfig()


# --- alerts (预警): routing, quiet hours, delivery, webhooks ----------------------------------------

RecipientGroup = Literal["duty", "leadership", "department"]
_QUIET_HOURS = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)$")


def _check_quiet_hours(value: str) -> str:
    if not _QUIET_HOURS.match(value) or value[:5] == value[6:]:
        raise ValueError('应为北京时间段 "HH:MM-HH:MM"，如 "22:00-07:00"（可跨午夜，起止不能相同）')
    return value


QuietHours = Annotated[str, AfterValidator(_check_quiet_hours)]


class RouteConfig(Section):
    """Who receives each kind of notification: groups duty, leadership, department (the incident's topics)."""

    alert: list[RecipientGroup] = ["duty", "department"]
    upgrade: list[RecipientGroup] = ["duty", "department"]
    reminder: list[RecipientGroup] = ["duty", "department"]
    breach: list[RecipientGroup] = ["duty", "department", "leadership"]
    response: list[RecipientGroup] = ["duty", "department"]
    blind_spot: list[RecipientGroup] = ["duty"]
    self_test: list[RecipientGroup] = ["duty"]


class WebhookConfig(Section):
    """A WeCom (企业微信) or DingTalk (钉钉) group robot; its URL carries the access token."""

    name: str = Field(min_length=1, max_length=100)
    type: Literal["wecom", "dingtalk"]
    url: str | None = Field(default=None, pattern=r"^https?://")
    url_env: EnvName | None = None
    secret_env: EnvName | None = None
    kinds: list[Literal["alert", "upgrade", "reminder", "breach", "response", "blind_spot", "self_test"]] = [
        "alert",
        "upgrade",
        "breach",
    ]
    escalation: bool = True

    @model_validator(mode="after")
    def _one_address(self) -> WebhookConfig:
        if bool(self.url) == bool(self.url_env):
            raise ValueError("url 与 url_env 二选一：机器人地址含访问令牌，建议放在环境变量里并用 url_env 写明变量名")
        if self.secret_env and self.type != "dingtalk":
            raise ValueError('secret_env（加签密钥）只用于 type = "dingtalk"')
        return self


class AlertsConfig(Section):
    min_grade: Grade = "large"
    leadership_grade: Grade = "especially_major"
    auto_accept_release: bool = True
    quiet_hours: QuietHours | None = None
    self_test: bool = True
    top_posts: int = Field(default=5, ge=1, le=20)
    retry_initial: Duration = timedelta(minutes=1)
    retry_max: Duration = timedelta(minutes=30)
    lease: Duration = timedelta(minutes=10)
    escalate_after: Duration = timedelta(minutes=15)
    route: RouteConfig = RouteConfig()
    webhooks: list[WebhookConfig] = []

    @model_validator(mode="after")
    def _unique_webhooks(self) -> AlertsConfig:
        names = [w.name for w in self.webhooks]
        if len(names) != len(set(names)):
            raise ValueError("[[alerts.webhooks]] 的 name 重复；每个机器人的 name 必须唯一")
        return self


@dataclasses.dataclass(frozen=True)
class WebhookTarget:
    """A webhook's address and DingTalk signing secret, resolved from the environment."""

    url: str
    secret: str | None = None


@dataclasses.dataclass(frozen=True)
class SourceSecrets:
    """What a source's ``*_env`` keys name, read from the environment: never written in config.toml."""

    cookie: str | None = None
    proxy: str | None = None
    headers: dict[str, str] = dataclasses.field(default_factory=dict)


class Config(Section):
    """The whole of config.toml, validated, with secrets resolved from the environment."""

    database: DatabaseConfig = DatabaseConfig()
    sources: list[SourceConfig] = []
    topics: TopicsConfig = TopicsConfig()
    recipients: RecipientsConfig = RecipientsConfig()
    grading: GradingConfig = GradingConfig()
    clocks: ClocksConfig = ClocksConfig()
    schedule: ScheduleConfig = ScheduleConfig()
    smtp: SmtpConfig = SmtpConfig()
    jurisdiction: JurisdictionConfig = JurisdictionConfig()
    crawl: CrawlConfig = CrawlConfig()
    incidents: IncidentsConfig = IncidentsConfig()
    alerts: AlertsConfig = AlertsConfig()

    _path: Path = PrivateAttr(default=DEFAULT_PATH)
    _smtp_password: str | None = PrivateAttr(default=None)
    _redis_url: str | None = PrivateAttr(default=None)
    _source_secrets: dict[str, SourceSecrets] = PrivateAttr(default_factory=dict)
    _webhooks: dict[str, WebhookTarget] = PrivateAttr(default_factory=dict)
    _fault_injection: str | None = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _unique_source_names(self) -> Config:
        seen: set[str] = set()
        for source in self.sources:
            if source.name in seen:
                raise ValueError(f'来源名称 "{source.name}" 重复；每个 [[sources]] 的 name 必须唯一')
            seen.add(source.name)
        return self

    @property
    def path(self) -> Path:
        return self._path

    @property
    def smtp_password(self) -> str | None:
        return self._smtp_password

    @property
    def redis_url(self) -> str | None:
        """Where the crawlers share their queue (``[crawl] queue = "redis"``), password included; else None."""
        return self._redis_url

    def webhook_target(self, name: str) -> WebhookTarget | None:
        """URL and secret of the webhook ``name`` ([[alerts.webhooks]]), resolved from the environment."""
        return self._webhooks.get(name)

    @property
    def fault_injection(self) -> str | None:
        """Tests only: ``YUQING_TEST_CRASH_AT`` names a delivery step at which the process kills itself."""
        return self._fault_injection

    def departments(self, topics: Iterable[str]) -> list[str]:
        """The responsible departments of ``topics`` ([topics.<key>] department), each once, in topic order."""
        names: list[str] = []
        for topic in topics:
            settings = getattr(self.topics, topic, None)
            if settings is not None and settings.department not in names:
                names.append(settings.department)
        return names

    def source(self, name: str) -> SourceConfig | None:
        return next((s for s in self.sources if s.name == name), None)

    def source_secrets(self, name: str) -> SourceSecrets:
        """Cookie, proxy and extra headers of source ``name``, resolved from the environment."""
        return self._source_secrets.get(name, SourceSecrets())


def load(path: Path | str = DEFAULT_PATH, environ: Mapping[str, str] | None = None) -> Config:
    """Read, validate and resolve ``path``; raise :class:`ConfigError` with every problem found."""
    path = Path(path)
    environ = os.environ if environ is None else environ
    data = _read_toml(path)
    try:
        config = Config.model_validate(data)
    except ValidationError as exc:
        problems = [_describe(path, err, data) for err in exc.errors()]
        raise ConfigError("\n".join(problems), path=str(path), problems=problems) from None
    config = _apply_environment(config, path, environ)
    config._path = path
    return config


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        message = f"找不到配置文件 {path}。提示：用 --config 指定 config.toml 的路径。"
        raise ConfigError(message, path=str(path)) from None
    except tomllib.TOMLDecodeError as exc:
        message = f"{path}: TOML 语法错误：{exc}。提示：检查引号、方括号和等号。"
        raise ConfigError(message, path=str(path)) from None
    except UnicodeDecodeError:
        message = f"{path}: 文件不是 UTF-8 编码。提示：用 UTF-8 另存配置文件。"
        raise ConfigError(message, path=str(path)) from None


def _apply_environment(config: Config, path: Path, environ: Mapping[str, str]) -> Config:
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
    resolved._fault_injection = environ.get(FAULT_INJECTION_ENV) or None
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
    if proxy and _ENV_NAME.match(proxy):
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


# --- error messages -----------------------------------------------------------------------------

_EXPECTED = {
    "int_type": ("应为整数", "去掉引号，写成 port = 465 这样的数字"),
    "int_from_float": ("应为整数", "去掉小数部分"),
    "float_type": ("应为数字", "去掉引号"),
    "bool_type": ("应为 true 或 false", "小写且不加引号"),
    "string_type": ("应为字符串", '加上引号，如 key = "值"'),
    "list_type": ("应为列表", '用方括号，如 ["a", "b"]'),
    "dict_type": ("应为表", "写成 [表名] 或 { key = value }"),
    "model_type": ("应为表", "写成 [表名] 或 [[表名]]"),
    "missing": ("缺少必填的键", "补上这个键"),
    "extra_forbidden": ("未知的键", None),
    "string_pattern_mismatch": ("格式不对", "网址应以 http:// 或 https:// 开头"),
    "string_too_short": ("不能为空", "填入内容"),
    "greater_than_equal": ("数值太小", None),
    "less_than_equal": ("数值太大", None),
    "literal_error": ("取值不在允许范围内", None),
}


def _describe(path: Path, error: Any, data: Mapping[str, Any]) -> str:
    loc = tuple(error["loc"])
    kind = error["type"]
    key = _key_path(loc, data)
    given = f"，实际为 {error['input']!r}" if kind not in ("missing", "extra_forbidden") else ""
    given = _URL_PASSWORD.sub(r"\1***@", given)  # never echo a password written in a URL
    expected, hint = _EXPECTED.get(kind, (None, None))
    ctx = error.get("ctx") or {}
    if kind == "literal_error":
        expected = f"应为以下之一：{ctx.get('expected', '')}"
        hint = "从列出的取值中选一个"
    elif kind in ("greater_than_equal", "less_than_equal"):
        bound = ctx.get("ge", ctx.get("le"))
        expected = f"应{'≥' if kind == 'greater_than_equal' else '≤'} {bound}"
        hint = "修改数值"
    elif kind == "extra_forbidden":
        allowed = _allowed_keys(loc[:-1])
        hint = "检查拼写；这里可用的键：" + "、".join(allowed) if allowed else "删除这个键"
    elif kind == "value_error" or expected is None:
        expected = str(error["msg"]).removeprefix("Value error, ")
        hint = hint or "按说明修改，或删除该键以使用默认值"
    return f"{path}: {key}: {expected}{given}。提示：{hint}。"


def _key_path(loc: tuple[Any, ...], data: Mapping[str, Any]) -> str:
    """('sources', 2, 'interval') -> '[[sources]] 第 3 项（name = "x"）.interval'."""
    if not loc:
        return "（顶层）"
    if loc[0] == "sources" and len(loc) > 1 and isinstance(loc[1], int):
        entry = (data.get("sources") or [None] * (loc[1] + 1))[loc[1]]
        name = entry.get("name") if isinstance(entry, dict) else None
        head = f"[[sources]] 第 {loc[1] + 1} 项" + (f'（name = "{name}"）' if name else "")
        return head + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc[2:])
    names = [p for p in loc if isinstance(p, str)]
    last = max(i for i, p in enumerate(loc) if isinstance(p, str))
    table = ".".join(str(p) for p in loc[:last])
    key = names[-1] + "".join(f"[{p}]" for p in loc[last + 1 :])
    return f"[{table}].{key}" if table else key


def _allowed_keys(loc: tuple[Any, ...]) -> list[str]:
    model: Any = Config
    for part in loc:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(part)
        if field is None:
            return []
        annotation = field.annotation
        inner = getattr(annotation, "__args__", None)
        model = inner[0] if inner else annotation
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            return []
    return list(model.model_fields)


def key_paths() -> list[str]:
    """Every key config.toml accepts, as dotted paths (``sources[].name``); the README table lists them."""
    return sorted(_walk(Config, ""))


def _walk(model: type[BaseModel], prefix: str) -> list[str]:
    """Key paths under ``model``; tables whose keys are all alike (topics, grades) show once."""
    paths: list[str] = []
    placeholder = getattr(model, "placeholder", None)
    fields = model.model_fields.items()
    if placeholder:
        first = next(iter(model.model_fields.values()))
        fields = [(placeholder, first)]  # type: ignore[assignment]
    for name, field in fields:
        annotation = field.annotation
        args = getattr(annotation, "__args__", None)
        is_list = getattr(annotation, "__origin__", None) is list
        inner = args[0] if is_list and args else annotation
        if isinstance(inner, type) and issubclass(inner, BaseModel):
            paths += _walk(inner, f"{prefix}{name}{'[]' if is_list else ''}.")
        else:
            paths.append(prefix + name)
    return paths
