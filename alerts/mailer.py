"""SMTP delivery of one outbox row, with the point of no return made explicit.

Step in the flow: ``alerts.outbox.deliver`` claims a row and calls :func:`send`. The session is
plain smtplib (``none``, ``starttls`` or ``tls``, optional login, the configured timeout), with the
DATA phase written out so that the outbox can record, durably, the instant the message is handed
over: the server accepts a message only when it reads the final ``.`` line, so

1. everything up to and including the message body is sent;
2. ``handover()`` commits status ``handed_over`` (returns False if the claim was lost: the
   connection is then dropped without the final dot, and the server discards the message);
3. the final ``.`` is written; 4. the server's reply is read.

A failure before 3 leaves nothing at the server: the row is retried. A ``250`` marks it sent; a
4xx/5xx reply to the dot is a definite refusal: retried. A lost connection after 3, or a crash, is
*unconfirmed*: the message may have been delivered, so it is not sent again (at most once).
"""

from __future__ import annotations

import logging
import re
import smtplib
import ssl
from collections.abc import Callable
from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr

from alerts.failures import DeliveryFailed, LeaseLost
from storage.models import OutboxMessage
from yuqing.config import Config
from yuqing.formatting import one_line
from yuqing.instants import BEIJING

logger = logging.getLogger(__name__)

UNDISCLOSED = "undisclosed-recipients:;"
_LEADING_DOT = re.compile(rb"(?m)^\.")


def build_message(row: OutboxMessage, config: Config, now: datetime) -> EmailMessage:
    """The MIME message of ``row``: UTF-8 text with an HTML alternative; recipients only in the envelope (Bcc)."""
    message = EmailMessage(policy=policy.SMTP)
    message["Subject"] = one_line(row.subject)
    message["From"] = config.smtp.sender
    message["To"] = UNDISCLOSED
    message["Date"] = format_datetime(now.astimezone(BEIJING))
    message["Message-ID"] = row.message_id or ""
    for name, value in (row.headers or {}).items():
        message[one_line(str(name))] = one_line(str(value))
    message.set_content(row.body_text, charset="utf-8", cte="base64")
    if row.body_html:
        message.add_alternative(row.body_html, subtype="html", charset="utf-8", cte="base64")
    return message


def send(
    row: OutboxMessage,
    config: Config,
    now: datetime,
    handover: Callable[[], bool],
    checkpoint: Callable[[str], None],
) -> str:
    """Deliver ``row``; return the server's answer to the end of data. Raises DeliveryFailed or LeaseLost.

    ``handover`` records the point of no return (the row becomes ``handed_over``) before the final dot is
    written; ``checkpoint`` is called with the name of each step as it is passed."""
    payload = _payload(build_message(row, config, now).as_bytes())
    sender = parseaddr(config.smtp.sender)[1]
    addresses = [parseaddr(r)[1] for r in row.recipients]
    smtp = connect(config)
    in_data = False  # while the server reads DATA, a QUIT would be read as text: drop the connection instead
    try:
        refused = _envelope(smtp, sender, addresses)
        code, reply = smtp.docmd("DATA")
        if code != 354:
            raise DeliveryFailed(f"服务器拒绝 DATA：{code} {_text(reply)}")
        in_data = True
        smtp.send(payload)
        checkpoint("before_handover")
        if not handover():
            raise LeaseLost(f"outbox row {row.id} was recovered by another run")
        checkpoint("after_handover")
        try:
            smtp.send(b".\r\n")
            checkpoint("after_dot")
            code, reply = smtp.getreply()
        except (OSError, smtplib.SMTPException) as exc:
            raise DeliveryFailed(f"邮件已交给服务器，但未收到确认：{exc}", unconfirmed=True) from exc
        in_data = False
        if code != 250:
            raise DeliveryFailed(f"服务器拒收邮件：{code} {_text(reply)}")
        checkpoint("after_reply")
        note = "；部分收件人被拒绝：" + "；".join(f"{a} {r}" for a, r in refused.items()) if refused else ""
        return f"{code} {_text(reply)}{note}"
    except (OSError, smtplib.SMTPException) as exc:
        raise DeliveryFailed(f"SMTP 会话中断：{exc}") from exc
    finally:
        if in_data:
            smtp.close()
        else:
            _close(smtp)


def connect(config: Config) -> smtplib.SMTP:
    """An SMTP session to ``[smtp]``: TLS, STARTTLS or plain, logged in when a username is set."""
    settings = config.smtp
    timeout = settings.timeout.total_seconds()
    smtp: smtplib.SMTP | None = None
    try:
        if settings.security == "tls":
            smtp = smtplib.SMTP_SSL(settings.host, settings.port, timeout=timeout, context=ssl.create_default_context())
        else:
            smtp = smtplib.SMTP(settings.host, settings.port, timeout=timeout)
        smtp.ehlo()
        if settings.security == "starttls":
            smtp.starttls(context=ssl.create_default_context())
            smtp.ehlo()
        if settings.username:
            smtp.login(settings.username, config.smtp_password or "")
        return smtp
    except (OSError, smtplib.SMTPException) as exc:
        if smtp is not None:
            _close(smtp)
        where = f"{settings.host}:{settings.port}（{settings.security}）"
        raise DeliveryFailed(f"无法连接或登录邮件服务器 {where}：{exc}", server_down=True) from exc


def _envelope(smtp: smtplib.SMTP, sender: str, addresses: list[str]) -> dict[str, str]:
    code, reply = smtp.mail(sender)
    if code != 250:
        raise DeliveryFailed(f"服务器拒绝发件人 {sender}：{code} {_text(reply)}")
    refused = {}
    for address in addresses:
        code, reply = smtp.rcpt(address)
        if code not in (250, 251):
            refused[address] = f"{code} {_text(reply)}"
    if refused and len(refused) == len(addresses):
        raise DeliveryFailed("服务器拒绝了全部收件人：" + "；".join(f"{a} {r}" for a, r in refused.items()))
    if refused:
        logger.warning("smtp refused some recipients refused=%s", refused)
    return refused


def _payload(data: bytes) -> bytes:
    """The message as DATA content: CRLF line ends, leading dots doubled, ending in CRLF (without the final dot)."""
    data = re.sub(rb"\r?\n", b"\r\n", data)
    data = _LEADING_DOT.sub(b"..", data)
    return data if data.endswith(b"\r\n") else data + b"\r\n"


def _text(reply: bytes) -> str:
    return reply.decode("utf-8", errors="replace")


def _close(smtp: smtplib.SMTP) -> None:
    try:
        smtp.quit()
    except (OSError, smtplib.SMTPException):
        pass
    finally:
        smtp.close()
