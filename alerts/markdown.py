"""Text for the robots' markdown (WeCom, DingTalk): what a title from a post can and cannot become.

Step in the flow: ``alerts.compose`` renders ``templates/webhook.md`` through :data:`environment`, whose
every ``{{ … }}`` passes :func:`escape` unless it was built by :func:`link` or :func:`code`; the escalation
messages of ``alerts.outbox`` escape their values the same way. So a post titled
``](https://phish.example) <font color="warning">…`` is shown as the text it is: it cannot add a link,
close ours, colour a line or start a heading, and the only links in a message are the ones we write.

- :func:`escape`: one line (no line breaks to start a list or a quote), the characters markdown acts on
  replaced by their full-width forms (``[]()*_`~|#<>`` and the backslash → ［］（）＊＿｀～｜＃＜＞＼):
  the robots' markdown does not reliably honour backslash escapes, and full-width punctuation reads
  naturally in Chinese text, while dates and numbers (``2026-11-27``) stay as they are; ``<`` and ``>``
  matter because WeCom honours HTML tags such as ``<font>``;
- :func:`url`: an http(s) address percent-encoded where markdown would read it (spaces, brackets,
  parentheses, backslashes, quotes), or None for any other scheme (``javascript:``);
- :func:`link`: ``[text](url)`` with both made safe, or the escaped text alone when the address is not http(s);
- :func:`code`: a code span, or escaped text when the command itself holds a backtick.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote, urlsplit

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from yuqing.formatting import one_line

FULL_WIDTH = str.maketrans(
    {
        "[": "［",
        "]": "］",
        "(": "（",
        ")": "）",
        "*": "＊",
        "_": "＿",
        "`": "｀",
        "~": "～",
        "|": "｜",
        "#": "＃",
        "\\": "＼",
        "<": "＜",
        ">": "＞",
    }
)
LEADING = re.compile(r"^\s*[-+](?=\s)")  # a list marker at the start of a value
# Left as they are in a link's address: what structures a URL and cannot end or split a markdown link.
URL_SAFE = "/:?#@!$&'*+,;=%~-._"


class Markdown(str):
    """Markdown we wrote (a link, a code span): passed through unescaped."""


def escape(value: Any) -> str:
    """``value`` as literal text in a robot's markdown (see the module docstring)."""
    if isinstance(value, Markdown):
        return value
    text = one_line(str(value)).translate(FULL_WIDTH)
    return LEADING.sub(lambda m: m.group(0).replace("-", "－").replace("+", "＋"), text)


def url(address: str) -> str | None:
    """``address`` fit for a markdown link, or None when it is not an http(s) URL with a host."""
    address = one_line(address)
    try:
        parts = urlsplit(address)
        if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
            return None
        host = parts.netloc if parts.netloc.isascii() else parts.netloc.encode("idna").decode("ascii")
    except (ValueError, UnicodeError):
        return None
    rest = address[address.index("//") + 2 + len(parts.netloc) :]
    return f"{parts.scheme}://{quote(host, safe=URL_SAFE + '[]')}{quote(rest, safe=URL_SAFE)}"


def link(text: Any, address: str) -> Markdown:
    """``[text](address)``, or the text alone when the address cannot be linked."""
    target = url(address)
    label = escape(text)
    return Markdown(f"[{label}]({target})" if target else label)


def code(command: str) -> Markdown:
    """A command as a code span (kept exact for copying), or escaped text if a backtick would end the span."""
    command = one_line(command)
    return Markdown(f"`{command}`" if "`" not in command else escape(command))


def _finalize(value: Any) -> Any:
    return value if isinstance(value, Markdown) else escape(value)


def environment(templates: Any) -> Environment:
    """A Jinja2 environment for markdown templates in ``templates`` that escapes every value by default."""
    env = Environment(
        loader=FileSystemLoader(templates),
        autoescape=False,  # markdown: every value is escaped by ``finalize`` instead, as markdown
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        finalize=_finalize,
    )
    env.globals.update(link=link, code=code)
    return env
