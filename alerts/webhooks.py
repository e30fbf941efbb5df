"""Group robots: WeCom (企业微信) and DingTalk (钉钉) webhooks, the optional second channel.

Step in the flow: ``alerts.outbox.deliver`` sends a row whose channel is ``wecom`` or ``dingtalk``
through :func:`send`. Both take a markdown message:

- WeCom: ``{"msgtype": "markdown", "markdown": {"content": …}}`` (content at most 4096 bytes);
- DingTalk: ``{"msgtype": "markdown", "markdown": {"title": …, "text": …}}``; a robot with 加签 needs
  ``timestamp`` (milliseconds) and ``sign`` = URL-encoded base64(HMAC-SHA256(secret, "timestamp\\nsecret"))
  appended to its URL.

Both answer HTTP 200 with ``{"errcode": 0, "errmsg": "ok"}``; any other errcode is a failure.
A webhook POST has no point of no return to record, so a crash between the POST and marking the row
sent repeats the message (at least once): the chat robot is the backup channel, where a repeat is
better than a loss.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote_plus

import requests

from alerts.failures import DeliveryFailed
from yuqing.config import WebhookTarget

logger = logging.getLogger(__name__)


def payload(channel: str, title: str, markdown: str) -> dict[str, Any]:
    if channel == "wecom":
        return {"msgtype": "markdown", "markdown": {"content": markdown}}
    if channel == "dingtalk":
        return {"msgtype": "markdown", "markdown": {"title": title[:64], "text": markdown}}
    raise ValueError(f"unknown webhook channel {channel}")


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """DingTalk's 加签: URL-encoded base64 of HMAC-SHA256 over ``"{timestamp}\\n{secret}"`` keyed by the secret."""
    digest = hmac.new(secret.encode("utf-8"), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return quote_plus(base64.b64encode(digest))


def signed_url(url: str, secret: str | None, now: datetime) -> str:
    if not secret:
        return url
    timestamp = int(now.timestamp() * 1000)
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}timestamp={timestamp}&sign={dingtalk_sign(secret, timestamp)}"


def send(channel: str, target: WebhookTarget, title: str, markdown: str, now: datetime, timeout: timedelta) -> str:
    """POST one message; raise DeliveryFailed unless the robot answers errcode 0."""
    url = signed_url(target.url, target.secret, now) if channel == "dingtalk" else target.url
    try:
        response = requests.post(url, json=payload(channel, title, markdown), timeout=timeout.total_seconds())
    except requests.RequestException as exc:
        raise DeliveryFailed(f"无法连接{_name(channel)}机器人：{type(exc).__name__}", server_down=True) from exc
    if response.status_code != 200:
        raise DeliveryFailed(f"{_name(channel)}机器人返回 HTTP {response.status_code}")
    try:
        answer = response.json()
    except ValueError:
        raise DeliveryFailed(f"{_name(channel)}机器人的回答不是 JSON") from None
    if not isinstance(answer, dict) or answer.get("errcode", 0) != 0:
        raise DeliveryFailed(f"{_name(channel)}机器人拒收：{answer}")
    return f"errcode 0 {answer.get('errmsg', '')}".strip()


def _name(channel: str) -> str:
    return {"wecom": "企业微信", "dingtalk": "钉钉"}.get(channel, channel)
