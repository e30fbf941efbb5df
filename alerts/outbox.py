"""Delivering the outbox: recover, escalate, then claim → send → mark, one row at a time.

Step in the flow: the last step of ``alerts tick``. A notification is already a row (queued in the
transaction of the change that caused it, once per idempotency key); delivery moves it on:

    pending ──claim (lease, attempts+1)──▶ sending ──handover──▶ handed_over ──250──▶ sent
       ▲                                   │                      │
       └──── failure: back-off, last_error ┘◀─── 4xx/5xx reply ───┘
    lease expired:  sending → pending (never reached the server)   handed_over → unconfirmed

Crash safety (SIGKILL at any step, then a restart after the lease):

- after the claim, or while the body is being written: the row is ``sending``; the server never read
  the final dot and discarded the message; recovery queues it again → delivered exactly once;
- after ``handed_over`` is committed and the dot written, before or after the server's ``250``: the
  message was delivered; recovery marks it ``unconfirmed`` and does not send it again → exactly once;
- the one instant with no way to know (``handed_over`` committed, process killed before the five bytes
  of the dot leave; or the server refusing the dot while we die) is resolved as *at most once*: the row
  is ``unconfirmed``, listed by ``alerts outbox``, counted in the daily self-test and raised to the
  escalation webhooks, for a person to check. SMTP offers no way to ask a server whether it holds a
  Message-ID, so no design can remove this instant; this one makes it microseconds wide.

Webhook rows have no handover step: a crash after the POST repeats the chat message (at least once).
A webhook row whose robot is no longer in ``[[alerts.webhooks]]`` can never be delivered: it is marked
``skipped`` with the reason, not retried (and does not make the tick fail).
Back-off doubles from ``[alerts].retry_initial`` up to ``retry_max``, computed from stored instants.
Emails failing for longer than ``escalate_after`` (and unconfirmed ones) are raised once to every
webhook with ``escalation = true``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from alerts import mailer, webhooks
from alerts.compose import webhook_draft
from alerts.failures import DeliveryFailed, LeaseLost, TargetGone
from alerts.markdown import escape
from storage import outbox as rows
from storage.db import transaction
from storage.models import OutboxMessage
from yuqing.config import Config
from yuqing.errors import InputError
from yuqing.instants import format_beijing

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

logger = logging.getLogger(__name__)

# The steps of delivering one row, in order: ``checkpoint`` is called with each name as the step is passed.
DELIVERY_STEPS = ("after_claim", "before_handover", "after_handover", "after_dot", "after_reply", "after_mark")
Checkpoint = Callable[[str], None]


def no_checkpoint(_step: str) -> None:
    """The default :data:`Checkpoint`: nothing happens between steps."""


class ReplayClock:
    """``now`` as given (``--now``), advancing with the real time spent since: leases stay honest in a replay."""

    def __init__(self, start: datetime) -> None:
        self.start = start
        self._origin = time.monotonic()

    def __call__(self) -> datetime:
        return self.start + timedelta(seconds=time.monotonic() - self._origin)


# Replays are not production: an instant later than the real time (beyond this much clock skew) neither
# delivers nor queues, or it would send tomorrow's emails today and use up their idempotency keys.
FUTURE_TOLERANCE = timedelta(minutes=2)


def wall_clock() -> datetime:
    """The real time, aware UTC (the one seam the replay tests replace)."""
    return datetime.now(UTC)


def refuse_future(now: datetime) -> None:
    """Raise :class:`InputError` (exit 2) when ``now`` is later than the real time by more than the tolerance."""
    real = wall_clock()
    if now > real + FUTURE_TOLERANCE:
        raise InputError(
            f"时刻 {format_beijing(now)} 晚于当前时间 {format_beijing(real)}（北京时间）："
            "在正式数据库上提前运行会真的发出通知，并用掉这些通知的幂等键，到期时就不会再发送，因此拒绝执行。"
            "提示：要预演将来某一时刻，请加 --replay（只列出将排队和投递的通知，不写发件箱、不投递）；"
            "回放历史请在数据库副本上使用过去的时刻。"
        )


@dataclass
class DeliveryReport:
    sent: int = 0
    failed: int = 0
    unconfirmed: int = 0
    skipped: int = 0
    requeued: int = 0
    escalated: int = 0
    errors: list[str] = field(default_factory=list)


def deliver(
    sessions: sessionmaker[Session],
    config: Config,
    now: datetime,
    clock: Callable[[], datetime] | None = None,
    limit: int = 500,
    checkpoint: Checkpoint = no_checkpoint,
) -> DeliveryReport:
    """Recover expired claims, raise long failures, then deliver every due row (at most ``limit``).

    ``now`` is the instant of the pass (back-off counts from it); ``clock`` (default: ``now`` advancing
    with real time) stamps claims and leases, so a long pass never outlives its leases unnoticed.
    ``checkpoint`` is called with the name of each step of :data:`DELIVERY_STEPS` as it is passed (the crash
    tests stop the process there). A ``now`` later than the real time is refused (:func:`refuse_future`).
    """
    refuse_future(now)
    clock = clock or ReplayClock(now)
    report = DeliveryReport()
    started = now
    with transaction(sessions) as session:
        report.requeued, unconfirmed = rows.recover_expired(session, now)
    report.unconfirmed += len(unconfirmed)
    for lost in unconfirmed:
        logger.warning("outbox row=%d kind=%s unconfirmed after a crash; not resent", lost.id, lost.kind)
    report.escalated = escalate(sessions, config, now)
    down: set[str] = set()
    for _ in range(limit):
        now = clock()
        with transaction(sessions) as session:
            row = rows.claim(session, now, now + config.alerts.lease, sorted(down))
        if row is None:
            break
        checkpoint("after_claim")
        _deliver_one(sessions, config, clock, row, report, down, started, checkpoint)
    logger.info(
        "outbox delivered sent=%d failed=%d unconfirmed=%d skipped=%d requeued=%d escalated=%d",
        report.sent,
        report.failed,
        report.unconfirmed,
        report.skipped,
        report.requeued,
        report.escalated,
    )
    return report


def _deliver_one(
    sessions: sessionmaker[Session],
    config: Config,
    clock: Callable[[], datetime],
    row: OutboxMessage,
    report: DeliveryReport,
    down: set[str],
    started: datetime,
    checkpoint: Checkpoint,
) -> None:
    """Send one claimed row and record the outcome; back-off counts from the pass's start (``started``)."""
    attempt = row.attempts
    try:
        answer = _send(sessions, config, clock, row, checkpoint)
    except LeaseLost:
        logger.warning("outbox row=%d lease lost before handover; left to the run that recovered it", row.id)
        return
    except TargetGone as exc:
        with transaction(sessions) as session:
            rows.mark_skipped(session, row.id, attempt, str(exc))
        report.skipped += 1
        logger.warning("outbox skipped row=%d kind=%s channel=%s reason=%s", row.id, row.kind, row.channel, exc)
        return
    except DeliveryFailed as exc:
        _record_failure(sessions, config, started, row, attempt, exc, report)
        if exc.server_down:
            down.add(row.channel)
        return
    except Exception as exc:  # the job boundary: anything else is recorded on the row and retried
        logger.exception("outbox row=%d delivery crashed", row.id)
        _record_failure(sessions, config, started, row, attempt, DeliveryFailed(f"内部错误：{exc}"), report)
        return
    with transaction(sessions) as session:
        rows.mark_sent(session, row.id, attempt, clock())
    report.sent += 1
    logger.info("outbox sent row=%d kind=%s channel=%s answer=%s", row.id, row.kind, row.channel, answer)
    checkpoint("after_mark")


def _send(
    sessions: sessionmaker[Session],
    config: Config,
    clock: Callable[[], datetime],
    row: OutboxMessage,
    checkpoint: Checkpoint,
) -> str:
    if row.channel == "email":

        def handover() -> bool:
            with transaction(sessions) as session:
                return rows.mark_handed_over(session, row.id, row.attempts)

        return mailer.send(row, config, clock(), handover, checkpoint)
    name = (row.recipients or [""])[0]
    target = config.webhook_target(name)
    if target is None:
        raise TargetGone(f"配置中已没有名为“{name}”的机器人（[[alerts.webhooks]]），本条通知不再发送")
    return webhooks.send(row.channel, target, row.subject, row.body_text, clock(), config.smtp.timeout)


def _record_failure(
    sessions: sessionmaker[Session],
    config: Config,
    now: datetime,
    row: OutboxMessage,
    attempt: int,
    exc: DeliveryFailed,
    report: DeliveryReport,
) -> None:
    with transaction(sessions) as session:
        if exc.unconfirmed:
            rows.mark_unconfirmed(session, row.id, attempt, str(exc))
            report.unconfirmed += 1
        else:
            next_at = now + backoff(attempt, config)
            rows.mark_retry(session, row.id, attempt, str(exc), next_at)
            report.failed += 1
    message = f"通知 {row.id}（{row.kind}，{row.channel}）第 {attempt} 次投递失败：{exc}"
    report.errors.append(message)
    logger.warning("outbox failed row=%d kind=%s attempt=%d error=%s", row.id, row.kind, attempt, exc)


def backoff(attempt: int, config: Config) -> timedelta:
    """Wait before attempt ``attempt + 1``: retry_initial, doubled each time, at most retry_max."""
    delay: timedelta = config.alerts.retry_initial * (2 ** max(attempt - 1, 0))
    return min(delay, config.alerts.retry_max)


def escalate(sessions: sessionmaker[Session], config: Config, now: datetime) -> int:
    """Queue, once per row and webhook, a chat message about emails failing too long or unconfirmed."""
    targets = [w for w in config.alerts.webhooks if w.escalation]
    if not targets:
        return 0
    queued = 0
    with transaction(sessions) as session:
        for row in rows.failing(session, now - config.alerts.escalate_after):
            title, text = _escalation_text(row)
            for webhook in targets:
                draft = webhook_draft(
                    f"escalation:{row.id}:{webhook.name}", row.kind, row.incident_id, webhook, title, text, now
                )
                queued += rows.enqueue(session, draft, now)
    return queued


def _escalation_text(row: OutboxMessage) -> tuple[str, str]:
    if row.status == "unconfirmed":
        title = "预警邮件投递结果未确认"
        what = "投递过程中系统中断，邮件可能未送达，请向收件人核实"
    else:
        title = "预警邮件投递失败"
        what = f"已尝试 {row.attempts} 次仍未送达，下次重试 {format_beijing(row.next_attempt_at)}"
    lines = [  # the subject and the server's error are not ours: escaped as markdown text
        f"**{title}**",
        "",
        f"> {escape(row.subject)}",
        "",
        f"- {escape(what)}",
        f"- 最近错误：{escape((row.last_error or '—')[:300])}",
        f"- 排队时间：{format_beijing(row.created_at)}（北京时间），收件人 {len(row.recipients or [])} 个",
        "- 查看：`yuqing alerts outbox`",
    ]
    return title, "\n".join(lines)
