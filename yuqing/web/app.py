"""The console's Flask application: security settings, log-in and log-out, and the pages' blueprint.

``create_app(runtime, clock)`` takes the runtime every entry point builds (config, engine, sessions) and a
clock (``now()``, aware UTC; tests inject a fixed one). Sessions are Flask's signed cookies (HttpOnly,
SameSite=Lax, Secure when ``[web] base_url`` is https) carrying the account id and the login instant; a
session older than ``[web] session_lifetime`` is refused on the server whatever the cookie says. Failed
logins are counted in the database and lock the account for ``[web] lockout_for`` after
``[web] lockout_failures`` in a row; each failure and each lock-out is audited.
"""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, Response, flash, g, redirect, render_template, request, session, url_for
from flask_login import LoginManager, current_user, login_required, login_user, logout_user
from flask_wtf.csrf import CSRFError, CSRFProtect

from storage import accounts as account_rows
from storage import audit
from storage.db import transaction
from storage.models import Account
from yuqing.instants import format_beijing, to_beijing
from yuqing.runtime import Runtime
from yuqing.vocabulary import ACCOUNT_ROLES, AUDIT_ACTIONS, GRADES, INCIDENT_STATUSES, SENTIMENTS, TOPICS
from yuqing.web.passwords import DUMMY_HASH, verify

logger = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


class User:
    """What Flask-Login keeps for the request: the account row, read fresh for every request."""

    def __init__(self, account: Account) -> None:
        self.account = account

    is_authenticated = True
    is_active = True
    is_anonymous = False

    def get_id(self) -> str:
        return str(self.account.id)


def create_app(runtime: Runtime, clock: Callable[[], datetime] | None = None) -> Flask:
    config = runtime.config
    app = Flask(__name__, template_folder=str(HERE / "templates"), static_folder=str(HERE / "static"))
    secret = os.environ.get(config.web.secret_env)
    if not secret:
        logger.warning(
            "web secret %s not set: a random one for this run (sessions end on restart)", config.web.secret_env
        )
        secret = secrets.token_hex(32)
    https = urlsplit(config.web.base_url).scheme == "https"
    app.config.update(
        SECRET_KEY=secret,
        SESSION_COOKIE_NAME="yuqing_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=https,
        PERMANENT_SESSION_LIFETIME=config.web.session_lifetime,
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the session, which expires on its own
        WTF_CSRF_SSL_STRICT=https,
        MAX_CONTENT_LENGTH=1024 * 1024,
    )
    app.extensions["yuqing.runtime"] = runtime
    app.extensions["yuqing.clock"] = clock or (lambda: datetime.now(UTC))
    CSRFProtect(app)
    login = LoginManager(app)
    login.login_view = "login_page"
    login.login_message = "请先登录。"
    login.session_protection = "basic"

    @login.user_loader
    def load_user(account_id: str) -> User | None:
        started = session.get("login_at")
        if started is None or now() - datetime.fromisoformat(started) > config.web.session_lifetime:
            return None
        with runtime.sessions() as db:
            account = account_rows.get(db, int(account_id)) if account_id.isdigit() else None
            if account is None or account.disabled:
                return None
            db.expunge(account)
        return User(account)

    @app.before_request
    def _request_clock() -> None:
        g.now = now()

    @app.after_request
    def _headers(response: Response) -> Response:
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)  # reports set a stricter one
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "same-origin"
        if request.endpoint != "static":
            response.headers["Cache-Control"] = "no-store"
        return response

    @app.errorhandler(CSRFError)
    def _csrf(error: CSRFError) -> tuple[str, int]:
        return render_template(
            "error.html", title="请求被拒绝", message="表单已过期或缺少校验码，请刷新页面后重试。"
        ), 400

    @app.errorhandler(403)
    def _forbidden(_error: Any) -> tuple[str, int]:
        return render_template("error.html", title="无权操作", message="您的角色无权对此事件执行该操作。"), 403

    @app.errorhandler(404)
    def _missing(_error: Any) -> tuple[str, int]:
        return render_template("error.html", title="找不到页面", message="您要找的页面或事件不存在。"), 404

    @app.errorhandler(500)
    def _broken(_error: Any) -> tuple[str, int]:
        return render_template("error.html", title="出错了", message="服务器处理请求时出错，已记录日志。"), 500

    @app.get("/healthz")
    def healthz() -> Response:
        return Response("ok", mimetype="text/plain")

    @app.route("/login", methods=["GET", "POST"])
    def login_page() -> Any:
        if request.method == "GET":
            return render_template("login.html")
        username = (request.form.get("username") or "").strip()
        password = request.form.get("password") or ""
        moment = now()
        with transaction(runtime.sessions) as db:
            account = account_rows.find(db, username) if username else None
            if account is None:
                verify(DUMMY_HASH, password)
                audit.append(db, moment, None, "login_failed", f"account:{username[:60]}", after={"reason": "未知账户"})
                return _refused("用户名或密码不正确。")
            if account.disabled:
                audit.append(
                    db, moment, username, "login_failed", f"account:{username}", after={"reason": "账户已停用"}
                )
                return _refused("该账户已停用，请联系管理员。")
            if account.locked_until is not None and account.locked_until > moment:
                audit.append(
                    db, moment, username, "login_failed", f"account:{username}", after={"reason": "账户已锁定"}
                )
                return _refused(
                    f"连续登录失败次数过多，账户已锁定至 {format_beijing(account.locked_until)}（北京时间）。"
                )
            if not verify(account.password_hash, password):
                locked = account_rows.record_failure(
                    db, account, moment, config.web.lockout_failures, moment + config.web.lockout_for
                )
                audit.append(db, moment, username, "login_failed", f"account:{username}", after={"reason": "密码错误"})
                if locked:
                    audit.append(
                        db,
                        moment,
                        username,
                        "account_locked",
                        f"account:{username}",
                        after={"until": account.locked_until.isoformat() if account.locked_until else None},
                    )
                    return _refused(
                        f"连续 {config.web.lockout_failures} 次登录失败，账户已锁定 "
                        f"{int(config.web.lockout_for.total_seconds() // 60)} 分钟。"
                    )
                return _refused("用户名或密码不正确。")
            account_rows.record_success(db, account, moment)
            audit.append(db, moment, username, "login", f"account:{username}")
            db.flush()
            db.expunge(account)
        session.clear()
        session.permanent = True
        session["login_at"] = moment.isoformat()
        login_user(User(account))
        target = request.args.get("next") or ""
        if not target.startswith("/") or target.startswith("//"):
            target = url_for("console.desk")
        return redirect(target, code=303)

    def _refused(message: str) -> tuple[str, int]:
        return render_template("login.html", error=message, username=request.form.get("username", "")), 401

    @app.post("/logout")
    @login_required
    def logout() -> Any:
        with transaction(runtime.sessions) as db:
            name = current_user.account.username
            audit.append(db, now(), name, "logout", f"account:{name}")
        logout_user()
        session.clear()
        flash("已退出登录。")
        return redirect(url_for("login_page"), code=303)

    def now() -> datetime:
        moment: datetime = app.extensions["yuqing.clock"]()
        return moment

    @app.context_processor
    def _labels() -> dict[str, Any]:
        return {
            "GRADES": GRADES,
            "TOPICS": TOPICS,
            "SENTIMENTS": SENTIMENTS,
            "STATUSES": INCIDENT_STATUSES,
            "ROLES": ACCOUNT_ROLES,
            "AUDIT_ACTIONS": AUDIT_ACTIONS,
            "beijing": format_beijing,
            "iso": lambda t: to_beijing(t).isoformat() if t else "",
            "me": current_user.account if current_user and current_user.is_authenticated else None,
        }

    from yuqing.web.pages import console
    from yuqing.web.record import describe

    app.add_template_filter(describe, "record")

    app.register_blueprint(console)
    return app
