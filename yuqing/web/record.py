"""The audit log's before/after values as a person reads them: Chinese names, 北京时间, labels not keys."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from yuqing.instants import format_beijing
from yuqing.vocabulary import ACCOUNT_ROLES, CLOCKS, GRADES, RESPONSES, SENTIMENTS, TOPICS

FIELDS = {
    "at": "时间",
    "until": "锁定至",
    "kind": "类型",
    "url": "链接",
    "clocks": "时限",
    "grade": "等级",
    "reason": "理由",
    "topics": "议题",
    "sentiment": "情感",
    "document": "文档",
    "documents": "文档",
    "text": "内容",
    "into": "并入事件",
    "incident": "事件",
    "other": "另一事件",
    "new_incident": "新事件",
    "action": "操作",
    "role": "角色",
    "department": "处室",
    "disabled": "停用",
}
CLOCK_STATES = {"running": "计时中", "met": "已完成", "breached": "已超时", "not_applicable": "不适用"}


def describe(values: dict[str, Any] | None) -> str:
    if not values:
        return "—"
    return "；".join(f"{FIELDS.get(key, key)}：{_value(key, value)}" for key, value in values.items())


def _value(key: str, value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    if key == "clocks" and isinstance(value, dict):
        return "，".join(f"{CLOCKS.get(k, k)}{CLOCK_STATES.get(v, v)}" for k, v in value.items())
    if key == "topics" and isinstance(value, list):
        return "、".join(str(TOPICS.get(t, t)) for t in value) or "无（不相关）"
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    table = {"grade": GRADES, "kind": RESPONSES, "sentiment": SENTIMENTS, "role": ACCOUNT_ROLES}.get(key)
    if table is not None:
        return table.get(str(value), str(value))
    if isinstance(value, str) and key in ("at", "until"):
        try:
            return format_beijing(datetime.fromisoformat(value))
        except ValueError:
            return value
    return str(value)
