"""The console in a real Chromium (Debian's ``chromium``, driven by Playwright) against the console served by
waitress on loopback: what a duty officer does with a mouse, and what a forged request gets."""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from storage.models import AuditEntry
from tests.web.conftest import PASSWORD, XSS_TITLE, Console
from yuqing.simweb.loopback import free_port

SCREENSHOTS = os.environ.get("YUQING_SCREENSHOTS")  # a folder: the desk and an incident page as PNG, to look at
CHROMIUM = os.environ.get("YUQING_TEST_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not Path(CHROMIUM).exists() and not os.environ.get("YUQING_REQUIRE_BROWSER"),
        reason="Debian's chromium is not installed (.ci/run installs it)",
    ),
]


@pytest.fixture
def served(console: Console) -> Iterator[str]:
    import waitress

    port = free_port()
    server: Any = waitress.create_server(console.app, host="127.0.0.1", port=port, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}"
    server.close()
    thread.join(timeout=5)


@pytest.fixture
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield launched
        launched.close()


def page_of(browser: Any, base: str) -> Any:
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN", base_url=base)
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.dialogs = dialogs
    return page


def log_in(page: Any, username: str, password: str = PASSWORD) -> None:
    page.goto("/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")


def audit(console: Console, action: str) -> list[AuditEntry]:
    with console.runtime.sessions() as session:
        return list(session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def test_desk_countdown_acknowledge_and_release(console: Console, served: str, browser: Any) -> None:
    page = page_of(browser, served)
    log_in(page, "duty1")
    row = page.locator("tr", has_text="塔吊倒塌").first
    assert "重大" in row.inner_text()
    countdown = row.locator(".clock").first
    countdown.wait_for()
    page.wait_for_function("document.querySelector('.clock').textContent.includes('剩余')")
    assert "发布权威信息：剩余" in countdown.inner_text()
    if SCREENSHOTS:
        page.screenshot(path=str(Path(SCREENSHOTS) / "desk.png"))

    row.get_by_role("button", name="签收").click()
    page.wait_for_load_state()
    assert "已签收事件" in page.locator(".flash").inner_text()
    assert "duty1 已签收" in page.locator("tr", has_text="塔吊倒塌").first.inner_text()

    page.click(f"a[href='/incidents/{console.crane}']")
    page.select_option("select[name=kind]", "release")
    page.fill("input[name=url]", "https://zjt.shandong.gov.cn/art/2026/11/25/art_9.html")
    page.get_by_role("button", name="记录", exact=True).click()
    page.wait_for_load_state()
    assert "已按时完成" in page.locator(".incident header .clocks").inner_text()
    assert "记录回应" in page.locator("ul.record").inner_text()
    assert [e.account for e in audit(console, "respond")] == ["duty1"]
    assert page.dialogs == []
    if SCREENSHOTS:
        page.screenshot(path=str(Path(SCREENSHOTS) / "incident.png"), full_page=True)


def test_a_department_cannot_act_on_another_departments_incident(console: Console, served: str, browser: Any) -> None:
    page = page_of(browser, served)
    log_in(page, "housing")
    page.goto(f"/incidents/{console.crane}")
    assert page.get_by_role("button", name="签收").count() == 0  # not offered…
    token = page.locator("input[name=csrf_token]").first.get_attribute("value")
    forged = page.request.post(f"/incidents/{console.crane}/acknowledge", form={"csrf_token": token})
    assert forged.status == 403  # …and refused when forged
    assert [(e.account, e.incident_id) for e in audit(console, "forbidden")] == [("housing", console.crane)]


def test_five_wrong_passwords_lock_the_account(console: Console, served: str, browser: Any) -> None:
    page = page_of(browser, served)
    for _ in range(5):
        log_in(page, "duty1", "wrong-password-1")
    assert "已锁定" in page.locator(".flash.error").inner_text()
    log_in(page, "duty1")
    assert "已锁定" in page.locator(".flash.error").inner_text()
    assert len(audit(console, "login_failed")) == 6 and len(audit(console, "account_locked")) == 1


def test_a_hostile_title_renders_as_text(console: Console, served: str, browser: Any) -> None:
    page = page_of(browser, served)
    log_in(page, "duty1")
    page.goto(f"/incidents/{console.crane}")
    assert page.get_by_text(XSS_TITLE, exact=True).count() == 1
    assert page.locator("td.post img").count() == 0
    page.wait_for_timeout(300)  # give a planted handler its chance to fire
    assert page.dialogs == []


def test_a_form_posted_without_its_csrf_token_is_refused(console: Console, served: str, browser: Any) -> None:
    page = page_of(browser, served)
    log_in(page, "duty1")
    response = page.request.post(f"/incidents/{console.crane}/acknowledge", form={})
    assert response.status == 400 and "校验码" in response.text()
    assert audit(console, "acknowledge") == []
