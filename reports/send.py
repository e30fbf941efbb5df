"""Mailing a report: an HTML e-mail with the charts inline and the Word document attached.

Step in the flow: ``yuqing digest --send`` and ``yuqing report --send`` (and the scheduler's jobs) call
:func:`send_report` after the files are written.

Message shape (multipart/mixed): a multipart/alternative of the plain-text lead and a
multipart/related holding the HTML and every chart as an inline PNG (``Content-ID`` = the figure's
name, referenced as ``cid:`` in the HTML); then the .docx as an attachment with its Chinese file name
(RFC 2231). Recipients go in Bcc (the envelope only), as with the alerts. Every header value is one
line (``yuqing.formatting.one_line``): an incident title with ``\r\nBcc:`` in it stays inside the
Subject, as in the alert e-mails.

Reports are sent directly, not through the alerts' durable outbox: the outbox has no attachment
column, and a report can simply be sent again (``--send`` once more) — a failure is reported with
the server's answer and exit status 1. The SMTP session (security, login, timeout) is the alert
mailer's own connection code, so both use ``[smtp]`` the same way.
"""

from __future__ import annotations

import logging
import smtplib
from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr

from alerts.failures import DeliveryFailed
from alerts.mailer import UNDISCLOSED, connect
from reports.document import Report, plain, xml_safe_report
from yuqing.config import Config
from yuqing.errors import MonitorError
from yuqing.formatting import one_line
from yuqing.instants import BEIJING

logger = logging.getLogger(__name__)

DOCX_TYPE = ("application", "vnd.openxmlformats-officedocument.wordprocessingml.document")


class ReportNotSent(MonitorError):
    """The report could not be mailed; the files are written, ``--send`` can be repeated."""

    def __init__(self, message: str, *, recipients: list[str]) -> None:
        super().__init__(message)
        self.recipients = recipients


def recipients_for(report: Report, config: Config, topics: list[str] | None = None) -> list[str]:
    """The digest goes to the duty officers, the leadership and every department mailbox; an evaluation
    to the duty officers, the leadership and the mailboxes of the incident's topics."""
    groups = [*config.recipients.duty, *config.recipients.leadership]
    keys = topics if report.kind == "evaluation" and topics is not None else list(type(config.topics).model_fields)
    for key in keys:
        settings = getattr(config.topics, key, None)
        if settings is not None:
            groups.extend(settings.emails)
    found, seen = [], set()
    for address in groups:
        bare = parseaddr(address)[1].lower()
        if bare and bare not in seen:
            seen.add(bare)
            found.append(address)
    return found


def build_message(report: Report, html: str, docx: bytes, config: Config, now: datetime) -> EmailMessage:
    report = xml_safe_report(report)
    message = EmailMessage(policy=policy.SMTP)
    message["Subject"] = one_line(f"{report.title}｜{report.subtitle}")
    message["From"] = config.smtp.sender
    message["To"] = UNDISCLOSED
    message["Date"] = format_datetime(now.astimezone(BEIJING))
    message["Message-ID"] = make_msgid(domain=parseaddr(config.smtp.sender)[1].partition("@")[2] or "localhost")
    message["X-Yuqing-Kind"] = one_line(report.kind)
    lead = "\n".join(plain(line) for line in report.summary)
    message.set_content(
        f"{report.title}\n{report.subtitle}\n\n{lead}\n\n完整内容见本邮件的网页版本或所附 Word 文档。\n",
        charset="utf-8",
        cte="base64",
    )
    message.add_alternative(html, subtype="html", charset="utf-8", cte="base64")
    html_part = message.get_payload()[1]  # type: ignore[index]
    assert isinstance(html_part, EmailMessage)
    for figure in report.figures():
        html_part.add_related(
            figure.png, "image", "png", cid=f"<{figure.name}>", filename=figure.name, disposition="inline"
        )
    message.add_attachment(docx, *DOCX_TYPE, filename=one_line(f"{report.filename}.docx"))
    return message


def send_report(report: Report, html: str, docx: bytes, config: Config, now: datetime, recipients: list[str]) -> str:
    """Mail the report to ``recipients``; return the server's answer. Raises :class:`ReportNotSent`."""
    if not recipients:
        raise ReportNotSent(
            "没有收件人：请在 config.toml 的 [recipients] 或 [topics.<专题>].emails 中填写邮箱。", recipients=[]
        )
    message = build_message(report, html, docx, config, now)
    sender = parseaddr(config.smtp.sender)[1]
    addresses = [parseaddr(r)[1] for r in recipients]
    try:
        smtp = connect(config)
    except DeliveryFailed as exc:
        raise ReportNotSent(f"报告未发送：{exc}", recipients=recipients) from exc
    try:
        refused = smtp.send_message(message, from_addr=sender, to_addrs=addresses)
    except (OSError, smtplib.SMTPException) as exc:
        raise ReportNotSent(
            f"报告未发送：邮件服务器 {config.smtp.host}:{config.smtp.port} 拒收或中断：{exc}", recipients=recipients
        ) from exc
    finally:
        try:
            smtp.quit()
        except (OSError, smtplib.SMTPException):
            smtp.close()
    logger.info(
        "report sent kind=%s file=%s recipients=%d refused=%d",
        report.kind,
        report.filename,
        len(addresses),
        len(refused),
    )
    if refused:
        return "部分收件人被拒绝：" + "；".join(f"{a} {code}" for a, (code, _) in refused.items())
    return f"已发送给{len(addresses) - len(refused)}位收件人"
