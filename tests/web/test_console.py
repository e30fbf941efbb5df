"""The console through Flask's test client: log-in and lock-out, roles enforced on the server, every action on
the record, escaping, CSRF, headers and session expiry, and the ``users`` / ``audit`` commands."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from sqlalchemy import select

from storage.models import Account, AuditEntry, IncidentEvent
from tests.web.conftest import PASSWORD, XSS_TITLE, Console, csrf_of, login, post
from yuqing.cli import main


def audit_rows(console: Console, action: str | None = None) -> list[AuditEntry]:
    with console.runtime.sessions() as session:
        statement = select(AuditEntry).order_by(AuditEntry.id)
        if action:
            statement = statement.where(AuditEntry.action == action)
        return list(session.scalars(statement))


def test_healthz_needs_no_login_and_says_nothing_else(console: Console) -> None:
    response = console.client().get("/healthz")
    assert response.status_code == 200 and response.get_data(as_text=True) == "ok"


def test_every_page_needs_a_login(console: Console) -> None:
    client = console.client()
    for path in ("/", f"/incidents/{console.crane}", "/reports", "/sources", "/audit", "/desk/incidents"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"], path


def test_log_in_see_the_major_incident_with_its_countdown(console: Console) -> None:
    client = console.client()
    status, _ = login(client, "duty1")
    assert status == 303
    desk = client.get("/").get_data(as_text=True)
    assert "重大" in desk and "塔吊倒塌" in desk
    assert 'data-deadline="' in desk and "发布权威信息" in desk
    # nearest deadline first: the 重大 incident (5 h clock) comes before the one without a clock
    assert desk.index(f'href="/incidents/{console.crane}"') < desk.index(f'href="/incidents/{console.fees}"')
    assert [e.account for e in audit_rows(console, "login")] == ["duty1"]


def test_wrong_password_is_refused_and_audited_without_the_password(console: Console) -> None:
    client = console.client()
    status, page = login(client, "duty1", "not-the-password")
    assert status == 401 and "用户名或密码不正确" in page
    entries = audit_rows(console, "login_failed")
    assert [e.account for e in entries] == ["duty1"]
    assert "not-the-password" not in repr([(e.before, e.after, e.target) for e in entries])


def test_five_wrong_passwords_lock_the_account_across_a_restart(console: Console) -> None:
    client = console.client()
    for _ in range(4):
        assert login(client, "duty1", "wrong-password-x")[0] == 401
    status, page = login(client, "duty1", "wrong-password-x")
    assert status == 401 and "已锁定" in page
    assert len(audit_rows(console, "account_locked")) == 1
    # the right password is refused while locked, also by a freshly started console (counted in the database)
    from yuqing.web import create_app

    restarted = create_app(console.runtime, console.clock).test_client()
    status, page = login(restarted, "duty1", PASSWORD)
    assert status == 401 and "已锁定" in page
    console.clock.advance(timedelta(minutes=16))
    assert login(restarted, "duty1", PASSWORD)[0] == 303


def test_acknowledge_and_record_a_release_stop_the_clock_on_the_record(console: Console) -> None:
    client = console.client()
    login(client, "duty1")
    status, _ = post(client, f"/incidents/{console.crane}/acknowledge")
    assert status == 303
    assert "duty1 已签收" in client.get("/").get_data(as_text=True)

    release = "https://zjt.shandong.gov.cn/art/2026/11/25/art_1.html"
    status, _ = post(client, f"/incidents/{console.crane}/respond", {"kind": "release", "url": release})
    assert status == 303
    page = client.get(f"/incidents/{console.crane}").get_data(as_text=True)
    assert "发布权威信息：已按时完成" in page and release in page
    entry = audit_rows(console, "respond")[-1]
    assert entry.account == "duty1" and entry.incident_id == console.crane
    assert entry.before == {
        "clocks": {"release": "running", "press_conference": "running", "follow_up": "not_applicable"}
    }
    assert entry.after is not None and entry.after["clocks"]["release"] == "met" and entry.after["url"] == release
    assert "记录回应" in page  # the incident page shows its part of the record
    with console.runtime.sessions() as session:
        assert session.scalars(select(IncidentEvent.url)).all() == [release]


def test_a_bad_release_url_is_explained_and_changes_nothing(console: Console) -> None:
    client = console.client()
    login(client, "duty1")
    post(client, f"/incidents/{console.crane}/respond", {"kind": "release", "url": "zjt.shandong.gov.cn/x"})
    page = client.get(f"/incidents/{console.crane}").get_data(as_text=True)
    assert "无效" in page and "http" in page
    assert audit_rows(console, "respond") == []


def test_a_department_acts_on_its_own_incident_only(console: Console) -> None:
    client = console.client()
    login(client, "housing")
    status, _ = post(client, f"/incidents/{console.fees}/acknowledge")
    assert status == 303
    # a forged request for another department's incident: 403 and on the record
    status, page = post(client, f"/incidents/{console.crane}/acknowledge")
    assert status == 403 and "无权" in page
    refused = audit_rows(console, "forbidden")
    assert [(e.account, e.incident_id, (e.after or {}).get("action")) for e in refused] == [
        ("housing", console.crane, "acknowledge")
    ]
    # and the page does not offer it
    assert "签收</button>" not in client.get(f"/incidents/{console.crane}").get_data(as_text=True)


def test_leadership_comments_and_acts_on_nothing(console: Console) -> None:
    client = console.client()
    login(client, "leader")
    status, _ = post(client, f"/incidents/{console.crane}/comment", {"text": "请尽快发布权威信息"})
    assert status == 303
    assert "请尽快发布权威信息" in client.get(f"/incidents/{console.crane}").get_data(as_text=True)
    for action, data in (
        ("acknowledge", {}),
        ("grade", {"grade": "general", "reason": "x"}),
        ("respond", {"kind": "release", "url": "https://a.cn/x"}),
    ):
        assert post(client, f"/incidents/{console.crane}/{action}", data)[0] == 403
    assert len(audit_rows(console, "forbidden")) == 3
    assert post(client, "/accounts", {"username": "x1", "role": "duty", "password": PASSWORD})[0] == 403


def test_hand_grade_correction_merge_and_split_go_through_the_stage_functions(console: Console) -> None:
    client = console.client()
    login(client, "duty1")
    post(client, f"/incidents/{console.fees}/grade", {"grade": "large", "reason": "业主聚集风险"})
    grade = audit_rows(console, "grade")[-1]
    assert grade.before == {"grade": "general"} and grade.after == {"grade": "large", "reason": "业主聚集风险"}

    document = console.ids["fees"][2]
    post(
        client,
        f"/incidents/{console.fees}/correct",
        {"document": str(document), "topics": ["housing_market", "urban_management"], "sentiment": "neutral"},
    )
    corrected = audit_rows(console, "correct")[-1]
    assert corrected.after == {
        "document": str(document),
        "topics": ["housing_market", "urban_management"],
        "sentiment": "neutral",
    }

    status, _ = post(client, f"/incidents/{console.fees}/split", {"documents": [str(document)]})
    assert status == 303
    new = (audit_rows(console, "split")[-1].after or {})["new_incident"]
    post(client, f"/incidents/{console.fees}/merge", {"other": str(new)})
    assert (audit_rows(console, "merge")[-1].after or {}) == {"into": console.fees}
    assert console.world.incident_of(document).id == console.fees


def test_text_from_posts_is_escaped(console: Console) -> None:
    client = console.client()
    login(client, "duty1")
    page = client.get(f"/incidents/{console.crane}").get_data(as_text=True)
    assert XSS_TITLE not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "<script>alert" not in page


def test_a_form_without_its_csrf_token_is_refused(console: Console) -> None:
    client = console.client()
    login(client, "duty1")
    response = client.post(f"/incidents/{console.crane}/acknowledge", data={})
    assert response.status_code == 400 and "校验码" in response.get_data(as_text=True)
    response = client.post("/login", data={"username": "duty1", "password": PASSWORD})
    assert response.status_code == 400
    assert audit_rows(console, "acknowledge") == []


def test_security_headers_and_cookie(console: Console) -> None:
    client = console.client()
    response = client.get("/login")
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy.split("style-src")[0]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"
    token = csrf_of(response.get_data(as_text=True))
    response = client.post("/login", data={"username": "duty1", "password": PASSWORD, "csrf_token": token})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    assert "<script>" not in client.get("/").get_data(as_text=True).split("</head>")[1]  # no inline script


def test_a_session_expires_after_its_lifetime(console: Console) -> None:
    client = console.client()
    login(client, "duty1")
    assert client.get("/").status_code == 200
    console.clock.advance(timedelta(hours=12, minutes=1))
    response = client.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_disabled_account_is_out_at_once(console: Console) -> None:
    client = console.client()
    login(client, "duty1")
    admin = console.client()
    login(admin, "admin1")
    assert post(admin, "/accounts/duty1/disable", page="/accounts")[0] == 303
    assert client.get("/").status_code == 302
    assert login(console.client(), "duty1")[0] == 401


def test_evaluation_as_html_and_word(console: Console) -> None:
    client = console.client()
    login(client, "leader")
    response = client.get(f"/incidents/{console.crane}/evaluation.docx")
    assert response.status_code == 200 and response.data[:2] == b"PK"
    assert "attachment" in response.headers["Content-Disposition"]
    html = client.get(f"/incidents/{console.crane}/evaluation")
    assert html.status_code == 200 and "应对效果评估" in html.get_data(as_text=True)
    assert "script-src" not in html.headers["Content-Security-Policy"]  # no script at all on a report


def test_unknown_incident_is_404_in_chinese(console: Console) -> None:
    client = console.client()
    login(client, "duty1")
    response = client.get("/incidents/99999")
    assert response.status_code == 404 and "不存在" in response.get_data(as_text=True)
    assert post(client, "/incidents/99999/acknowledge")[0] == 404


def test_users_and_audit_commands(console: Console, write_config, monkeypatch: pytest.MonkeyPatch, capsys) -> None:  # type: ignore[no-untyped-def]
    path = write_config(f'[database]\nurl = "{console.runtime.config.database.url}"\n')
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert main(["--config", str(path), "users", "add", "wang", "--role", "duty"]) == 2
    assert "至少 10 个字符" in capsys.readouterr().err
    monkeypatch.setattr("sys.stdin", io.StringIO("a-long-password\n"))
    assert main(["--config", str(path), "users", "add", "wang", "--role", "department"]) == 2
    assert "--department" in capsys.readouterr().err
    monkeypatch.setattr("sys.stdin", io.StringIO("a-long-password\n"))
    assert main(["--config", str(path), "users", "add", "wang", "--role", "duty"]) == 0
    with console.runtime.sessions() as session:
        account = session.scalar(select(Account).where(Account.username == "wang"))
        assert account is not None and account.password_hash.startswith("$argon2id$")
    assert main(["--config", str(path), "users", "disable", "wang"]) == 0
    assert main(["--config", str(path), "users", "list"]) == 0
    listing = capsys.readouterr().out
    assert "wang\t值班员\t—\t已停用" in listing
    assert main(["--config", str(path), "audit"]) == 0
    out = capsys.readouterr().out
    assert "命令行\t新建账户\taccount:wang" in out and "命令行\t停用账户\taccount:wang" in out
    assert "a-long-password" not in out


def test_make_console_opens_the_demo_as_of_its_last_instant() -> None:
    from pathlib import Path

    from yuqing.simweb.corpus import DEFAULT_START
    from yuqing.simweb.demo import STEPS

    makefile = (Path(__file__).resolve().parents[2] / "Makefile").read_text(encoding="utf-8")
    assert f"web --now {(DEFAULT_START + STEPS[-1]).isoformat()}" in makefile


def test_documents_set_aside_by_the_tagger_are_shown_on_the_desk_and_by_status(
    console: Console, write_config, capsys
) -> None:  # type: ignore[no-untyped-def]
    from storage import tags as tag_rows
    from storage.db import transaction

    document = console.ids["fees"][0]
    with transaction(console.runtime.sessions) as session:
        tag_rows.set_aside(session, document, "标注失败：测试写入的原因", console.clock.now)
    client = console.client()
    login(client, "duty1")
    side = client.get("/desk/side").get_data(as_text=True)
    assert "1 篇标注失败" in side and f"文档 {document}" in side and "测试写入的原因" in side
    path = write_config(f'[database]\nurl = "{console.runtime.config.database.url}"\n')
    assert main(["--config", str(path), "status", "--now", console.clock.now.isoformat()]) == 0
    out = capsys.readouterr().out
    assert "【搁置的文档】" in out and f"文档 {document}" in out and "测试写入的原因" in out
