"""The stable keys of the domain and their Chinese display names (design.md, "Vocabulary").

Every stage stores and exchanges the keys; only rendering turns them into the Chinese labels.
"""

from __future__ import annotations

from typing import NamedTuple

TOPICS: dict[str, str] = {
    "engineering_quality": "工程质量安全",
    "housing_market": "房地产市场",
    "expropriation": "房屋征收补偿",
    "shantytown": "棚户区改造",
    "urban_management": "城市管理",
}

DEFAULT_DEPARTMENTS: dict[str, str] = {
    "engineering_quality": "工程质量安全监管处",
    "housing_market": "房地产市场监管处",
    "expropriation": "房地产市场监管处",
    "shantytown": "住房保障处",
    "urban_management": "城市管理局 / 执法监察总队",
}

SENTIMENTS: dict[str, str] = {"negative": "负面", "neutral": "中性", "positive": "正面"}

# Highest first; the order is the ranking used by grading and alert thresholds.
GRADES: dict[str, str] = {
    "especially_major": "特别重大",
    "major": "重大",
    "large": "较大",
    "general": "一般",
}

DOCUMENT_KINDS: dict[str, str] = {
    "news": "新闻",
    "social": "社交媒体",
    "forum": "留言板/论坛",
    "official": "官方发布",
}

SOURCE_TYPES: dict[str, str] = {
    "feed": "RSS/Atom 订阅",
    "site": "新闻网站",
    "weibo": "微博搜索",
    "board": "留言板",
    "official": "官方发布",
}

SOURCE_TIERS: dict[str, str] = {
    "central": "中央媒体",
    "provincial": "省级媒体",
    "local": "地方媒体",
    "self_media": "自媒体",
    "official": "官方",
}


def grade_rank(grade: str) -> int:
    """0 for 一般 up to 3 for 特别重大, so grades compare with ``<``."""
    return len(GRADES) - 1 - list(GRADES).index(grade)


class NoticeKind(NamedTuple):
    label: str  # short, for listings: ``alerts outbox``, the demo, the console
    title: str  # the heading a notification carries itself: 【舆情预警】…


# The kinds of notice the alert outbox carries.
NOTICE_KINDS: dict[str, NoticeKind] = {
    "alert": NoticeKind("预警", "舆情预警"),
    "upgrade": NoticeKind("升级", "等级上调"),
    "reminder": NoticeKind("提醒", "时限提醒"),
    "breach": NoticeKind("超时", "超时未回应"),
    "unacknowledged": NoticeKind("未签收", "预警未签收（再次提醒）"),
    "escalation": NoticeKind("上报", "预警未签收，报告领导"),
    "response": NoticeKind("回应", "回应已记录"),
    "blind_spot": NoticeKind("盲区", "监测盲区"),
    "self_test": NoticeKind("自检", "通道自检"),
}


def notice_label(kind: str) -> str:
    """The short label of a notice kind (the kind itself for one this table does not know, e.g. ``digest``)."""
    found = NOTICE_KINDS.get(kind)
    return found.label if found else kind


# An incident's life (incidents.lifecycle): candidates are not shown; merged incidents live on in another.
INCIDENT_STATUSES: dict[str, str] = {
    "candidate": "候选",
    "open": "新发",
    "active": "活跃",
    "quiet": "平息",
    "closed": "结束",
    "merged": "已合并",
    "dismissed": "已撤销（误报）",
}
LIVE_STATUSES = ("open", "active", "quiet")  # promoted and not closed: their clocks run
LISTED_STATUSES = (*LIVE_STATUSES, "closed")  # promoted: listed, reported, evaluated

# The clocks of design.md's rules, and the responses that stop them.
CLOCKS: dict[str, str] = {
    "release": "发布权威信息",
    "press_conference": "召开新闻发布会",
    "follow_up": "持续发布（续报）",
    "response": "回应关切",
}
RESPONSE_KINDS = ("release", "follow_up", "press_conference")  # what stops a clock (proposals do not)
RESPONSES: dict[str, str] = {
    "release": "权威信息发布",
    "follow_up": "续报",
    "press_conference": "新闻发布会",
    "proposal": "候选权威发布（待确认）",
}

# Casualty and loss figures (design.md's thresholds), with the unit each is counted in.
CASUALTIES: dict[str, tuple[str, str]] = {
    "deaths": ("死亡", "人"),
    "serious_injuries": ("重伤", "人"),
    "injuries": ("受伤", "人"),
    "missing": ("失联", "人"),
    "economic_loss_yuan": ("直接经济损失", "元"),
}

# A notification's way through the outbox (storage.outbox).
OUTBOX_STATUSES: dict[str, str] = {
    "pending": "待发送",
    "sending": "发送中",
    "handed_over": "已交服务器待确认",
    "unconfirmed": "投递结果未确认",
    "sent": "已发送",
    "skipped": "无收件人未发送",
}

# Console accounts (yuqing web, yuqing users): what each role may do is in yuqing/web/permissions.py.
ACCOUNT_ROLES: dict[str, str] = {
    "duty": "值班员",
    "department": "处室",
    "leadership": "领导",
    "admin": "管理员",
}

# What the audit log records (yuqing audit, the console's record).
AUDIT_ACTIONS: dict[str, str] = {
    "login": "登录",
    "login_failed": "登录失败",
    "account_locked": "账户锁定",
    "logout": "退出",
    "forbidden": "越权操作被拒绝",
    "acknowledge": "签收",
    "respond": "记录回应",
    "revoke": "撤销回应",
    "grade": "手工定级",
    "merge": "合并事件",
    "split": "拆分事件",
    "correct": "更正标注",
    "comment": "批注",
    "account_add": "新建账户",
    "account_disable": "停用账户",
    "account_enable": "启用账户",
    "account_password": "重设密码",
}
