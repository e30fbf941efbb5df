"""A console on a real database: incidents placed and graded by the real detect, accounts with argon2 hashes,
and a clock the test moves (the app reads ``now`` from it, never the wall clock)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine

from tests.incidents.builders import HOUR, NOW, World
from yuqing import config as config_module
from yuqing.runtime import Runtime
from yuqing.web import accounts, create_app

PASSWORD = "correct-horse-9"
XSS_TITLE = "<img src=x onerror=alert(1)>"
COLLAPSE = [
    ("济南市历城区一在建工地塔吊倒塌 造成10人死亡", "济南市历城区某在建住宅工地塔吊倒塌，造成10人死亡、3人受伤。"),
    ("历城塔吊倒塌事故已致10人遇难", "济南历城区塔吊倒塌事故已造成10人死亡，区住建局责令全面停工。"),
    (XSS_TITLE, "济南历城塔吊倒塌现场 <script>alert('x')</script> 10人死亡"),
]
NOISE = [
    ("青岛市李沧区一小区物业乱收费引发业主不满", "青岛市李沧区某小区物业多收停车费，业主反映无人处理。"),
    ("李沧区小区物业乱收费 业主多次投诉", "青岛李沧区某小区物业乱收费，业主投诉到街道。"),
    ("青岛李沧物业乱收费问题持续", "青岛市李沧区某小区物业乱收费，业主再次反映。"),
]


@dataclass
class Clock:
    now: datetime

    def __call__(self) -> datetime:
        return self.now

    def advance(self, by: timedelta) -> None:
        self.now += by


@dataclass
class Console:
    app: Flask
    runtime: Runtime
    clock: Clock
    crane: int  # a 重大 incident: engineering quality (质量安全监管处)
    fees: int  # a housing-market incident (房地产市场监管处)
    world: World
    ids: dict[str, list[int]] = field(default_factory=dict)

    def client(self) -> FlaskClient:
        return self.app.test_client()


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "the page has a CSRF token"
    return found.group(1)


def login(client: FlaskClient, username: str, password: str = PASSWORD) -> tuple[int, str]:
    token = csrf_of(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"username": username, "password": password, "csrf_token": token})
    return response.status_code, response.get_data(as_text=True)


def post(client: FlaskClient, path: str, data: dict[str, object] | None = None, page: str = "/") -> tuple[int, str]:
    """POST a form the way the page does: with the token of a page the account can see."""
    token = csrf_of(client.get(page).get_data(as_text=True))
    response = client.post(path, data={**(data or {}), "csrf_token": token})
    return response.status_code, response.get_data(as_text=True)


@pytest.fixture
def console(engine: Engine, database_url: str) -> Iterator[Console]:
    config = config_module.Config.model_validate({"database": {"url": database_url}})
    world = World(engine, config)
    crane = [
        world.post(t, x, NOW + i * HOUR / 2, source=s)
        for i, ((t, x), s) in enumerate(zip(COLLAPSE, ("齐鲁晚报网", "大众网", "济南日报"), strict=True))
    ]
    fees = [
        world.post(t, x, NOW + i * HOUR, source=s, topics=("housing_market",))
        for i, ((t, x), s) in enumerate(zip(NOISE, ("半岛网", "青岛新闻网", "大众网"), strict=True))
    ]
    world.detect(NOW + 2 * HOUR)
    runtime = Runtime(config)
    clock = Clock(NOW + 2 * HOUR)
    app = create_app(runtime, clock)
    app.config["TESTING"] = True
    for name, role, department in (
        ("duty1", "duty", None),
        ("housing", "department", "房地产市场监管处"),
        ("quality", "department", "工程质量安全监管处"),
        ("leader", "leadership", None),
        ("admin1", "admin", None),
    ):
        accounts.add(runtime.sessions, config, name, role, department, PASSWORD, clock.now, "测试")
    found = Console(
        app=app,
        runtime=runtime,
        clock=clock,
        crane=world.incident_of(crane[0]).id,
        fees=world.incident_of(fees[0]).id,
        world=world,
        ids={"crane": crane, "fees": fees},
    )
    yield found
    runtime.dispose()
