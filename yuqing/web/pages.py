"""The console's pages and actions (blueprint ``console``).

Reading pages are open to every logged-in account. Actions are POSTs under ``/incidents/<id>/``; each checks
the account's role on the server (``yuqing.web.permissions``), calls the same stage function as the CLI, and
appends an audit entry with the before and after values. A refused action answers 403 and is audited too.
A stage's ``InputError`` (a bad URL, a time before the incident began…) is shown to the officer in Chinese
and changes nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from flask import Blueprint, Response, abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response as BaseResponse

from alerts.clocks import Clock, clocks_of
from alerts.respond import record
from incidents.actions import merge, set_grade, split
from incidents.corrections import check_sentiment, correct
from incidents.jurisdiction import home_province
from incidents.render import view
from reports import docx, html
from reports.data import last_complete_week, parse_week
from reports.digest import build_digest
from reports.evaluation import build_evaluation
from storage import acknowledgements as ack_rows
from storage import audit
from storage import incidents as incident_rows
from storage import outbox as outbox_rows
from storage import responses as response_rows
from storage.db import transaction
from storage.models import Account, Incident
from storage.sources import source_health
from yuqing.config import Config
from yuqing.errors import InputError
from yuqing.instants import BEIJING, format_beijing
from yuqing.runtime import Runtime
from yuqing.vocabulary import CLOCKS, LISTED_STATUSES, NOTICE_KINDS, OUTBOX_STATUSES, RESPONSES, TOPICS
from yuqing.web import accounts as account_service
from yuqing.web.desk import desk_rows, side
from yuqing.web.permissions import may_act, may_comment, may_manage_accounts

logger = logging.getLogger(__name__)

console = Blueprint("console", __name__)
POSTS_SHOWN = 200
REPORT_WEEKS = 8
# The report HTML carries its own inline styles and data: images and no script: shown under a stricter policy.
REPORT_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'; base-uri 'none'"


def runtime() -> Runtime:
    found: Runtime = current_app.extensions["yuqing.runtime"]
    return found


def config() -> Config:
    return runtime().config


def me() -> Account:
    account: Account = current_user.account
    return account


def now() -> datetime:
    moment: datetime = g.now
    return moment


@console.before_request
@login_required
def _logged_in() -> None:
    """Every page of the console needs a login (``/healthz`` and ``/login`` are outside the blueprint)."""


# --- the desk ----------------------------------------------------------------------------------------


DESK_LABELS = {"CLOCKS": CLOCKS, "NOTICE_KINDS": NOTICE_KINDS, "OUTBOX_STATUSES": OUTBOX_STATUSES}


def _rows(seen_at: datetime | None) -> dict[str, Any]:
    settings = config()
    with runtime().sessions() as session:
        rows = desk_rows(session, settings, now(), seen_at, lambda i: may_act(me(), i.topics or [], settings))
    return {"rows": rows, "now": now(), "seen_at": seen_at, **DESK_LABELS}


def _side() -> dict[str, Any]:
    with runtime().sessions() as session:
        found = side(session, config(), now())
        for message in [*found.troubled, *([found.self_test] if found.self_test else [])]:
            session.expunge(message)
    return {"side": found, **DESK_LABELS}


@console.get("/")
def desk() -> str:
    seen_at = me().desk_seen_at
    context = {**_rows(seen_at), **_side()}
    with transaction(runtime().sessions) as session:
        account = session.get(Account, me().id)
        if account is not None:
            account.desk_seen_at = now()
    return render_template("desk.html", **context)


@console.get("/desk/incidents")
def desk_incidents() -> str:
    return render_template("_desk_rows.html", **_rows(me().desk_seen_at))


@console.get("/desk/side")
def desk_side() -> str:
    return render_template("_desk_side.html", **_side())


# --- an incident -------------------------------------------------------------------------------------


def _incident_or_404(session: Any, incident_id: int) -> Incident:
    incident = incident_rows.get(session, incident_id)
    if incident is None or incident.status not in (*LISTED_STATUSES, "merged", "dismissed"):
        abort(404)
    return incident


@console.get("/incidents/<int:incident_id>")
def incident_page(incident_id: int) -> Any:
    settings = config()
    with runtime().sessions() as session:
        incident = _incident_or_404(session, incident_id)
        if incident.status == "merged":
            into = (incident.profile or {}).get("merged_into")
            flash(f"事件 {incident_id} 已并入事件 {into}。")
            return redirect(url_for("console.incident_page", incident_id=into), code=303)
        shown = view(session, incident, now(), settings)
        context = {
            "v": shown,
            "incident": incident,
            "posts": list(reversed(shown.members))[:POSTS_SHOWN],
            "notifications": outbox_rows.of_incident(session, incident_id),
            "events": response_rows.events_of(session, incident_id),
            "acknowledged": ack_rows.latest(session, incident_id, now()),
            "comments": ack_rows.comments(session, incident_id),
            "record": audit.entries(session, incident_id=incident_id, limit=200),
            "may_act": may_act(me(), incident.topics or [], settings),
            "may_comment": may_comment(me()),
            "departments": settings.departments(incident.topics or []),
            "chart": _chart(shown.spread.hours),
            "now": now(),
            "CLOCKS": CLOCKS,
            "RESPONSES": RESPONSES,
            "NOTICE_KINDS": NOTICE_KINDS,
            "OUTBOX_STATUSES": OUTBOX_STATUSES,
        }
        return render_template("incident.html", **context)


def _chart(hours: Sequence[Any], width: int = 640, height: int = 120) -> dict[str, Any]:
    """Bars of posts per hour, as SVG geometry (no script, no inline style)."""
    if not hours:
        return {"bars": [], "width": width, "height": height, "peak": 0}
    peak = max(h.posts for h in hours) or 1
    step = width / len(hours)
    bars = [
        {
            "x": round(i * step, 1),
            "width": max(1.0, round(step - 1, 1)),
            "height": round((height - 16) * h.posts / peak, 1),
            "y": round(height - 14 - (height - 16) * h.posts / peak, 1),
            "label": f"{format_beijing(h.start)} 起一小时：{h.posts} 条，{h.sources} 个来源",
        }
        for i, h in enumerate(hours)
    ]
    return {"bars": bars, "width": width, "height": height, "peak": peak}


def _act(
    incident_id: int, action: str, do: Callable[[Incident], tuple[dict[str, Any] | None, dict[str, Any] | None, str]]
) -> BaseResponse:
    """Check the account may act on the incident, run ``do`` (→ before, after, message), audit, redirect back."""
    settings = config()
    with runtime().sessions() as session:
        incident = _incident_or_404(session, incident_id)
        topics = list(incident.topics or [])
        session.expunge(incident)
    if not may_act(me(), topics, settings):
        _refuse(incident_id, action)
    back = url_for("console.desk") if request.form.get("back") == "desk" else None
    try:
        before, after, message = do(incident)
    except InputError as error:
        flash(str(error), "error")
        return redirect(back or url_for("console.incident_page", incident_id=incident_id), code=303)
    with transaction(runtime().sessions) as session:
        audit.append(session, now(), me().username, action, f"incident:{incident_id}", incident_id, before, after)
    logger.info("console %s incident=%d by=%s", action, incident_id, me().username)
    flash(message)
    return redirect(back or url_for("console.incident_page", incident_id=incident_id), code=303)


def _refuse(incident_id: int | None, action: str) -> None:
    with transaction(runtime().sessions) as session:
        audit.append(
            session,
            now(),
            me().username,
            "forbidden",
            f"incident:{incident_id}" if incident_id is not None else request.path,
            incident_id,
            after={"action": action, "role": me().role, "department": me().department},
        )
    logger.warning("console forbidden action=%s incident=%s by=%s", action, incident_id, me().username)
    abort(403)


def _clock_states(incident_id: int) -> dict[str, str]:
    with runtime().sessions() as session:
        incident = incident_rows.get(session, incident_id)
        if incident is None:
            return {}
        clocks: list[Clock] = clocks_of(incident, response_rows.events_of(session, incident_id), config(), now())
    return {c.kind: c.state for c in clocks}


def _home() -> str:
    return home_province(config().jurisdiction.province)


def _form(name: str) -> str:
    return (request.form.get(name) or "").strip()


def _instant(text: str) -> datetime | None:
    """A ``datetime-local`` value (北京时间, no zone) or ISO 8601 with a zone; empty → None."""
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise InputError(f"时间 {text!r} 无法识别，应为 2026-11-25 10:30 这样的北京时间。") from None
    return (value if value.tzinfo else value.replace(tzinfo=BEIJING)).astimezone(now().tzinfo)


@console.post("/incidents/<int:incident_id>/acknowledge")
def acknowledge(incident_id: int) -> BaseResponse:
    def do(_incident: Incident) -> tuple[None, dict[str, Any], str]:
        with transaction(runtime().sessions) as session:
            ack_rows.acknowledge(session, incident_id, me().username, now())
        return None, {"at": now().isoformat()}, f"已签收事件 {incident_id}（{format_beijing(now())}）。"

    return _act(incident_id, "acknowledge", do)


@console.post("/incidents/<int:incident_id>/respond")
def respond(incident_id: int) -> BaseResponse:
    kind = _form("kind")

    def do(_incident: Incident) -> tuple[dict[str, Any], dict[str, Any], str]:
        if kind not in ("release", "follow_up", "press_conference"):
            raise InputError(f"回应类型 {kind!r} 无效，应为权威发布、续报或新闻发布会。")
        url = _form("url") or None
        if kind != "press_conference" and url is None:
            raise InputError(f"记录{RESPONSES[kind]}须填写发布链接。")
        at = _instant(_form("at"))
        before = _clock_states(incident_id)
        done = record(
            runtime().sessions,
            config(),
            incident_id,
            kind,
            now(),
            url=url,
            at=at,
            channel=_form("channel") or None,
            place=_form("place") or None,
        )
        after = {
            "kind": kind,
            "url": url,
            "at": done.event.at.isoformat(),
            "clocks": {c.kind: c.state for c in done.clocks},
        }
        return {"clocks": before}, after, f"已记录{RESPONSES[kind]}（{format_beijing(done.event.at)}）。"

    return _act(incident_id, "respond", do)


@console.post("/incidents/<int:incident_id>/revoke")
def revoke(incident_id: int) -> BaseResponse:
    kind = _form("kind")

    def do(_incident: Incident) -> tuple[dict[str, Any], dict[str, Any], str]:
        if kind not in ("release", "follow_up", "press_conference", "proposal"):
            raise InputError(f"回应类型 {kind!r} 无效。")
        before = _clock_states(incident_id)
        done = record(runtime().sessions, config(), incident_id, kind, now(), url=_form("url") or None, revoke=True)
        after = {"kind": kind, "url": _form("url") or None, "clocks": {c.kind: c.state for c in done.clocks}}
        return {"clocks": before}, after, f"已撤销{RESPONSES.get(kind, kind)}。"

    return _act(incident_id, "revoke", do)


@console.post("/incidents/<int:incident_id>/grade")
def grade(incident_id: int) -> BaseResponse:
    def do(incident: Incident) -> tuple[dict[str, Any], dict[str, Any], str]:
        with transaction(runtime().sessions) as session:
            set_grade(session, str(incident_id), _form("grade"), _form("reason"), now(), config(), _home())
            after_grade = incident_rows.get(session, incident_id)
            new = after_grade.grade if after_grade else None
        return {"grade": incident.grade}, {"grade": new, "reason": _form("reason")}, "已手工定级。"

    return _act(incident_id, "grade", do)


@console.post("/incidents/<int:incident_id>/merge")
def merge_into(incident_id: int) -> BaseResponse:
    other = _form("other")

    def do(_incident: Incident) -> tuple[dict[str, Any], dict[str, Any], str]:
        with transaction(runtime().sessions) as session:
            source = incident_rows.get(session, int(other)) if other.isdigit() else None
            if source is not None and not may_act(me(), source.topics or [], config()):
                raise PermissionError
            merge(session, str(incident_id), other, now(), config(), _home())
        return {"incident": incident_id, "other": other}, {"into": incident_id}, f"已将事件 {other} 并入本事件。"

    try:
        return _act(incident_id, "merge", do)
    except PermissionError:
        _refuse(int(other), "merge")
        raise


@console.post("/incidents/<int:incident_id>/split")
def split_out(incident_id: int) -> BaseResponse:
    documents = [d for d in request.form.getlist("documents") if d.strip()]

    def do(_incident: Incident) -> tuple[dict[str, Any], dict[str, Any], str]:
        with transaction(runtime().sessions) as session:
            created = split(session, str(incident_id), documents, now(), config(), _home())
            created_id = created.id
        return (
            {"documents": documents},
            {"new_incident": created_id},
            f"已拆出 {len(documents)} 条，组成事件 {created_id}。",
        )

    return _act(incident_id, "split", do)


@console.post("/incidents/<int:incident_id>/correct")
def correct_post(incident_id: int) -> BaseResponse:
    document = _form("document")

    def do(_incident: Incident) -> tuple[dict[str, Any], dict[str, Any], str]:
        chosen = request.form.getlist("topics")
        unknown = [t for t in chosen if t not in TOPICS and t != "none"]
        if unknown:
            raise InputError(f"未知的议题 {unknown[0]!r}。")
        topics = [] if "none" in chosen else chosen
        sentiment = check_sentiment(_form("sentiment") or None)
        with transaction(runtime().sessions) as session:
            if document not in {str(i) for i in incident_rows.member_ids(session, incident_id)}:
                raise InputError(f"文档 {document} 不属于事件 {incident_id}。")
            done = correct(
                session, document, topics, sentiment, _form("reason") or None, me().username, now(), config(), _home()
            )
        before = {"document": document, "topics": done.before.topics, "sentiment": done.before.sentiment}
        after = {"document": document, "topics": done.after.topics, "sentiment": done.after.sentiment}
        return before, after, f"已更正文档 {document} 的标注。"

    return _act(incident_id, "correct", do)


@console.post("/incidents/<int:incident_id>/comment")
def comment(incident_id: int) -> BaseResponse:
    text = _form("text")
    with runtime().sessions() as session:
        _incident_or_404(session, incident_id)
    if not may_comment(me()):
        _refuse(incident_id, "comment")
    if not text:
        flash("批注内容不能为空。", "error")
    elif len(text) > 2000:
        flash("批注过长：不超过 2000 字。", "error")
    else:
        with transaction(runtime().sessions) as session:
            ack_rows.add_comment(session, incident_id, me().username, now(), text)
            audit.append(
                session, now(), me().username, "comment", f"incident:{incident_id}", incident_id, after={"text": text}
            )
        flash("已添加批注。")
    return redirect(url_for("console.incident_page", incident_id=incident_id), code=303)


@console.get("/incidents/<int:incident_id>/evaluation")
def evaluation_html(incident_id: int) -> BaseResponse:
    return _report_page(_evaluation(incident_id))


@console.get("/incidents/<int:incident_id>/evaluation.docx")
def evaluation_docx(incident_id: int) -> BaseResponse:
    return _report_docx(_evaluation(incident_id))


def _evaluation(incident_id: int) -> Any:
    with runtime().sessions() as session:
        incident = _incident_or_404(session, incident_id)
        if incident.status not in LISTED_STATUSES:
            abort(404)
        return build_evaluation(session, incident, now(), config())


def _report_page(report: Any) -> BaseResponse:
    """A report (evaluation, digest) as its own HTML page, under the stricter policy (no script at all)."""
    response = Response(html.render(report, images="data"), mimetype="text/html")
    response.headers["Content-Security-Policy"] = REPORT_POLICY
    return response


def _report_docx(report: Any) -> BaseResponse:
    """A report as the Word document offices file, downloaded under its own name."""
    from urllib.parse import quote

    response = Response(
        docx.render(report), mimetype="application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    response.headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(report.filename)}.docx"
    return response


# --- reports, sources, record, accounts -----------------------------------------------------------------


@console.get("/reports")
def reports_page() -> str:
    latest = last_complete_week(now())
    weeks = [latest]
    for _ in range(REPORT_WEEKS - 1):
        weeks.append(weeks[-1].previous())
    with runtime().sessions() as session:
        incidents = sorted(incident_rows.listed(session, now()), key=lambda i: i.first_reported_at, reverse=True)
        for incident in incidents:
            session.expunge(incident)
    return render_template("reports.html", weeks=weeks, incidents=incidents[:100])


@console.get("/reports/digest/<week>")
def digest_html(week: str) -> BaseResponse:
    return _report_page(_digest(week))


@console.get("/reports/digest/<week>.docx")
def digest_docx(week: str) -> BaseResponse:
    return _report_docx(_digest(week))


def _digest(label: str) -> Any:
    try:
        week = parse_week(label)
    except InputError:
        abort(404)
    with runtime().sessions() as session:
        return build_digest(session, week, config())


@console.get("/sources")
def sources_page() -> str:
    settings = config()
    with runtime().sessions() as session:
        health = source_health(session, [s.name for s in settings.sources], now())
    rows = [(s, health.get(s.name)) for s in settings.sources]
    return render_template("sources.html", rows=rows, now=now())


@console.get("/audit")
def audit_page() -> str:
    with runtime().sessions() as session:
        entries = audit.entries(session, since=now() - timedelta(days=7), limit=500)
    return render_template("audit.html", entries=list(reversed(entries)))


@console.get("/accounts")
def accounts_page() -> str:
    if not may_manage_accounts(me()):
        _refuse(None, "accounts")
    return render_template("accounts.html", accounts=account_service.listing(runtime().sessions))


@console.post("/accounts")
def accounts_add() -> BaseResponse:
    if not may_manage_accounts(me()):
        _refuse(None, "account_add")
    try:
        account_service.add(
            runtime().sessions,
            config(),
            _form("username"),
            _form("role"),
            _form("department") or None,
            request.form.get("password") or "",
            now(),
            me().username,
        )
        flash(f"已新建账户 {_form('username')}。")
    except InputError as error:
        flash(str(error), "error")
    return redirect(url_for("console.accounts_page"), code=303)


@console.post("/accounts/<username>/<change>")
def accounts_change(username: str, change: str) -> BaseResponse:
    if not may_manage_accounts(me()):
        _refuse(None, f"account_{change}")
    try:
        if change in ("disable", "enable"):
            if username == me().username:
                raise InputError("不能停用自己的账户。")
            account_service.set_disabled(runtime().sessions, username, change == "disable", now(), me().username)
            flash(f"账户 {username} 已{'停用' if change == 'disable' else '启用'}。")
        elif change == "password":
            account_service.reset_password(
                runtime().sessions, username, request.form.get("password") or "", now(), me().username
            )
            flash(f"已重设账户 {username} 的密码。")
        else:
            abort(404)
    except InputError as error:
        flash(str(error), "error")
    return redirect(url_for("console.accounts_page"), code=303)
