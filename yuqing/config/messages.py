"""The wording of configuration errors, and the list of every key: what a person reads about ``config.toml``.

Each pydantic error becomes one Chinese sentence naming the file, the key path (``[[sources]] 第 3 项
（name = "x"）.interval``), what was expected, what was given (passwords in URLs masked) and a hint.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from yuqing.config.schema import URL_PASSWORD, Config

logger = logging.getLogger(__name__)

_EXPECTED = {
    "int_type": ("应为整数", "去掉引号，写成 port = 465 这样的数字"),
    "int_from_float": ("应为整数", "去掉小数部分"),
    "float_type": ("应为数字", "去掉引号"),
    "bool_type": ("应为 true 或 false", "小写且不加引号"),
    "string_type": ("应为字符串", '加上引号，如 key = "值"'),
    "list_type": ("应为列表", '用方括号，如 ["a", "b"]'),
    "dict_type": ("应为表", "写成 [表名] 或 { key = value }"),
    "model_type": ("应为表", "写成 [表名] 或 [[表名]]"),
    "missing": ("缺少必填的键", "补上这个键"),
    "extra_forbidden": ("未知的键", None),
    "string_pattern_mismatch": ("格式不对", "网址应以 http:// 或 https:// 开头"),
    "string_too_short": ("不能为空", "填入内容"),
    "greater_than_equal": ("数值太小", None),
    "less_than_equal": ("数值太大", None),
    "literal_error": ("取值不在允许范围内", None),
}


def describe(path: Path, error: Any, data: Mapping[str, Any]) -> str:
    loc = tuple(error["loc"])
    kind = error["type"]
    key = _key_path(loc, data)
    given = f"，实际为 {error['input']!r}" if kind not in ("missing", "extra_forbidden") else ""
    given = URL_PASSWORD.sub(r"\1***@", given)  # never echo a password written in a URL
    expected, hint = _EXPECTED.get(kind, (None, None))
    ctx = error.get("ctx") or {}
    if kind == "literal_error":
        expected = f"应为以下之一：{ctx.get('expected', '')}"
        hint = "从列出的取值中选一个"
    elif kind in ("greater_than_equal", "less_than_equal"):
        bound = ctx.get("ge", ctx.get("le"))
        expected = f"应{'≥' if kind == 'greater_than_equal' else '≤'} {bound}"
        hint = "修改数值"
    elif kind == "extra_forbidden":
        allowed = _allowed_keys(loc[:-1])
        hint = "检查拼写；这里可用的键：" + "、".join(allowed) if allowed else "删除这个键"
    elif kind == "value_error" or expected is None:
        expected = str(error["msg"]).removeprefix("Value error, ")
        hint = hint or "按说明修改，或删除该键以使用默认值"
    return f"{path}: {key}: {expected}{given}。提示：{hint}。"


def _key_path(loc: tuple[Any, ...], data: Mapping[str, Any]) -> str:
    """('sources', 2, 'interval') -> '[[sources]] 第 3 项（name = "x"）.interval'."""
    if not loc:
        return "（顶层）"
    if loc[0] == "sources" and len(loc) > 1 and isinstance(loc[1], int):
        entry = (data.get("sources") or [None] * (loc[1] + 1))[loc[1]]
        name = entry.get("name") if isinstance(entry, dict) else None
        head = f"[[sources]] 第 {loc[1] + 1} 项" + (f'（name = "{name}"）' if name else "")
        return head + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc[2:])
    names = [p for p in loc if isinstance(p, str)]
    last = max(i for i, p in enumerate(loc) if isinstance(p, str))
    table = ".".join(str(p) for p in loc[:last])
    key = names[-1] + "".join(f"[{p}]" for p in loc[last + 1 :])
    return f"[{table}].{key}" if table else key


def _allowed_keys(loc: tuple[Any, ...]) -> list[str]:
    model: Any = Config
    for part in loc:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(part)
        if field is None:
            return []
        annotation = field.annotation
        inner = getattr(annotation, "__args__", None)
        model = inner[0] if inner else annotation
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            return []
    return list(model.model_fields)


def key_paths() -> list[str]:
    """Every key config.toml accepts, as dotted paths (``sources[].name``); the README table lists them."""
    return sorted(_walk(Config, ""))


def _walk(model: type[BaseModel], prefix: str) -> list[str]:
    """Key paths under ``model``; tables whose keys are all alike (topics, grades) show once."""
    paths: list[str] = []
    placeholder = getattr(model, "placeholder", None)
    fields = model.model_fields.items()
    if placeholder:
        first = next(iter(model.model_fields.values()))
        fields = [(placeholder, first)]  # type: ignore[assignment]
    for name, field in fields:
        annotation = field.annotation
        args = getattr(annotation, "__args__", None)
        is_list = getattr(annotation, "__origin__", None) is list
        inner = args[0] if is_list and args else annotation
        if isinstance(inner, type) and issubclass(inner, BaseModel):
            paths += _walk(inner, f"{prefix}{name}{'[]' if is_list else ''}.")
        else:
            paths.append(prefix + name)
    return paths
