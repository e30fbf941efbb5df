"""The schema of ``config.toml``: one frozen pydantic model per table, every key with its type and default.

Unknown keys are errors, values are not coerced, nothing mutates once loaded (``extra="forbid"``,
``strict``, ``frozen``). Secrets are not keys: a key names the environment variable that holds one, and
``yuqing.config.environment`` resolves it into the private attributes of :class:`Config`.
"""

from __future__ import annotations

import dataclasses
import logging
import re
from collections.abc import Iterable
from datetime import timedelta
from email.utils import parseaddr
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, PrivateAttr, model_validator

from yuqing.vocabulary import DEFAULT_DEPARTMENTS, grade_rank

logger = logging.getLogger(__name__)

DATABASE_URL_ENV = "YUQING_DATABASE_URL"
DEFAULT_PATH = Path("config.toml")

_DURATION = re.compile(r"^\s*(\d+)\s*(s|m|h|d)\s*$")
_DURATION_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}
_EMAIL = re.compile(r"^[^@\s<>]+@[A-Za-z0-9.-]+$")
ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
URL_PASSWORD = re.compile(r"(://[^:/@\s]*:)[^@/\s]+@")


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
    if not ENV_NAME.match(value):
        raise ValueError("应为环境变量名（字母、数字和下划线），而不是密钥本身")
    return value


def _check_crontab(value: str) -> str:
    from apscheduler.triggers.cron import CronTrigger  # only when a crontab is written in the file

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


def _at_least(minimum: timedelta, text: str) -> AfterValidator:
    def check(value: timedelta) -> timedelta:
        if value < minimum:
            raise ValueError(f'不能短于 {text}（写成 "{text}" 或更长）')
        return value

    return AfterValidator(check)


# Durations that must not be zero: a zero lease, retry, tick, interval, timeout or deadline makes the daemon spin
# or every clock breach at once.
Seconds = Annotated[Duration, _at_least(timedelta(seconds=1), "1s")]
Minutes = Annotated[Duration, _at_least(timedelta(minutes=1), "1m")]
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
    # A weibo source without ``url`` searches the mobile API; a site root (a URL ending in "/", or with no
    # path) means that site's search endpoint (``crawlers.spiders.weibo`` adds the query to it).
    WEIBO_SEARCH_API: ClassVar[str] = "https://m.weibo.cn/api/container/getIndex"
    WEIBO_SEARCH_PATH: ClassVar[str] = "api/container/getIndex"

    name: str = Field(min_length=1)
    type: Literal["feed", "site", "weibo", "board", "official"]
    url: str = Field(pattern=r"^https?://")  # required, except for weibo (see _weibo_search_url)
    interval: Seconds = timedelta(minutes=10)
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

    @model_validator(mode="before")
    @classmethod
    def _weibo_search_url(cls, data: Any) -> Any:
        """A weibo source's ``url``: the search API when omitted; a site root becomes its search endpoint."""
        if not isinstance(data, dict) or data.get("type") != "weibo":
            return data
        url = data.get("url", cls.WEIBO_SEARCH_API)
        if isinstance(url, str) and re.match(r"^https?://", url):
            parts = urlsplit(url)
            if not parts.query and not parts.fragment and (not parts.path or parts.path.endswith("/")):
                url = f"{parts.scheme}://{parts.netloc}{parts.path or '/'}{cls.WEIBO_SEARCH_PATH}"
        return {**data, "url": url}

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
    release: Minutes = timedelta(hours=5)
    press_conference: Minutes = timedelta(hours=24)
    follow_up: Minutes = timedelta(hours=12)
    response: Minutes = timedelta(hours=48)
    release_min_grade: Grade = "major"
    response_min_grade: Grade = "large"
    reminders_release: list[Duration] = [timedelta(hours=2), timedelta(hours=1), timedelta(minutes=30)]
    reminders_press_conference: list[Duration] = [timedelta(hours=6), timedelta(hours=2)]
    reminders_response: list[Duration] = [timedelta(hours=12), timedelta(hours=2)]
    acknowledge: Minutes = timedelta(minutes=15)

    @model_validator(mode="after")
    def _response_below_release(self) -> ClocksConfig:
        if grade_rank(self.response_min_grade) > grade_rank(self.release_min_grade):
            raise ValueError("response_min_grade 不应高于 release_min_grade")
        return self


class ScheduleConfig(Section):
    alerts_tick: Seconds = timedelta(minutes=1)
    weekly_digest: Crontab = "30 8 * * mon"
    self_test: Crontab = "0 8 * * *"


class SmtpConfig(Section):
    host: str = "localhost"
    port: int = Field(default=25, ge=1, le=65535)
    security: Literal["none", "starttls", "tls"] = "none"
    username: str | None = None
    password_env: EnvName = "YUQING_SMTP_PASSWORD"
    sender: Address = "住建舆情监测 <yuqing@localhost>"
    timeout: Seconds = timedelta(seconds=30)


class JurisdictionConfig(Section):
    province: str = "山东省"


class CrawlConfig(Section):
    """How politely and how hard the crawlers fetch (scrapy settings are derived from this)."""

    user_agent: str = Field(default="Mozilla/5.0 (compatible; ZhujianYuqing/0.1; +yuqing@localhost)", min_length=1)
    download_timeout: Seconds = timedelta(seconds=30)
    max_page_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)
    retries: int = Field(default=2, ge=0, le=10)
    retry_backoff: Duration = timedelta(seconds=2)
    concurrency_per_domain: int = Field(default=2, ge=1, le=64)
    autothrottle: bool = True
    near_duplicate_window: Duration = timedelta(days=7)
    max_text_chars: int = Field(default=200_000, ge=1_000, le=10_000_000)
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
    thread_within: Duration = timedelta(days=1825)  # five years: a thread that sleeps for years is still one
    representatives: int = Field(default=5, ge=1)
    emergence: EmergenceConfig = EmergenceConfig()


# --- alerts (预警): routing, quiet hours, delivery, webhooks ----------------------------------------

RecipientGroup = Literal["duty", "leadership", "department"]
NoticeKindName = Literal[
    "alert", "upgrade", "reminder", "breach", "unacknowledged", "escalation", "response", "blind_spot", "self_test"
]
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
    unacknowledged: list[RecipientGroup] = ["duty", "department"]
    escalation: list[RecipientGroup] = ["duty", "leadership"]
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
    kinds: list[NoticeKindName] = [
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
    retry_initial: Seconds = timedelta(minutes=1)
    retry_max: Seconds = timedelta(minutes=30)
    lease: Seconds = timedelta(minutes=10)
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


class WebConfig(Section):
    """The duty console (``yuqing web``)."""

    base_url: str = Field(default="http://127.0.0.1:8080", pattern=r"^https?://[^/\s]+(/[^\s]*)?$")
    secret_env: EnvName = "YUQING_WEB_SECRET"
    session_lifetime: Minutes = timedelta(hours=12)
    lockout_failures: int = Field(default=5, ge=1, le=100)
    lockout_for: Minutes = timedelta(minutes=15)


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
    web: WebConfig = WebConfig()

    _path: Path = PrivateAttr(default=DEFAULT_PATH)
    _smtp_password: str | None = PrivateAttr(default=None)
    _redis_url: str | None = PrivateAttr(default=None)
    _source_secrets: dict[str, SourceSecrets] = PrivateAttr(default_factory=dict)
    _webhooks: dict[str, WebhookTarget] = PrivateAttr(default_factory=dict)

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
