"""The stable keys of the domain and their Chinese display names (design.md, "Vocabulary").

Every stage stores and exchanges the keys; only rendering turns them into the Chinese labels.
"""

from __future__ import annotations

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


# The kinds of notice the alert outbox carries, as the console lists them.
NOTICE_KINDS: dict[str, str] = {
    "alert": "预警",
    "upgrade": "升级",
    "reminder": "提醒",
    "breach": "超时",
    "response": "回应",
    "blind_spot": "盲区",
    "self_test": "自检",
}
