"""The CJK font that charts are drawn with, so Chinese labels never render as empty boxes.

Step in the flow: ``reports.charts`` asks ``font_family()`` for the family to draw with before it
renders any figure.

The font is Noto Sans SC (SIL Open Font License 1.1), which the ``pylopdf-fonts-zh-cn`` package
ships as a plain OpenType file; it is a declared dependency, so ``pip install -e .`` is all a fresh
machine needs. If that package is missing, a system font that covers Simplified Chinese is used
instead (Debian's ``fonts-noto-cjk`` or ``fonts-wqy-zenhei``, for example); if there is none either,
``FontMissing`` says how to get one.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from matplotlib import font_manager, ft2font, rcParams

from yuqing.errors import MonitorError

if TYPE_CHECKING:
    from matplotlib.typing import RcKeyType

logger = logging.getLogger(__name__)

# Characters every chart label needs; a font that lacks any of them is not used.
PROBE = "舆情周报应对效果评估北京时间月日工程质量安全房地产市场征收补偿棚户区改造城市管理负面占比峰值发布会"

# System fonts worth trying, best first (matched against the family name matplotlib reads).
SYSTEM_FAMILIES = (
    "Noto Sans SC",
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "Noto Serif CJK SC",
    "AR PL UMing CN",
    "Droid Sans Fallback",
)


class FontMissing(MonitorError):
    """No font that covers Simplified Chinese could be found; charts would show boxes."""

    def __init__(self, message: str, *, tried: list[str]) -> None:
        super().__init__(message)
        self.tried = tried


@functools.cache
def cjk_font() -> Path:
    """The file of the CJK font charts use: the shipped Noto Sans SC, else a system font."""
    tried: list[str] = []
    for path in _candidates():
        tried.append(str(path))
        if _covers(path, PROBE):
            logger.debug("cjk font path=%s", path)
            return path
    raise FontMissing(
        "找不到可显示简体中文的字体，图表中的汉字会显示为方框。请执行 `pip install -e .`（安装 pylopdf-fonts-zh-cn），"
        "或安装系统字体 fonts-noto-cjk。",
        tried=tried,
    )


@functools.cache
def font_family() -> str:
    """The family name of ``cjk_font()``, registered with matplotlib's font manager."""
    path = cjk_font()
    font_manager.fontManager.addfont(str(path))
    return font_manager.FontProperties(fname=str(path)).get_name()


def chart_rc() -> dict[RcKeyType, Any]:
    """The rcParams that make matplotlib draw text in the CJK font (for ``matplotlib.rc_context``)."""
    return {
        # DejaVu Sans (bundled with matplotlib) only backs up symbols the CJK font lacks.
        "font.family": [font_family(), "DejaVu Sans"],
        "axes.unicode_minus": False,  # U+2212 is not in every CJK font; a hyphen-minus is
        "text.parse_math": False,  # titles come from posts: "$100涨到$200" is text, not mathtext
    }


def configure_matplotlib() -> None:
    """Make the CJK font matplotlib's default for this process (scripts and notebooks).

    ``reports.charts`` does not need this: it applies ``chart_rc()`` around each figure only.
    """
    rcParams.update(chart_rc())


def _candidates() -> Iterator[Path]:
    try:
        import pylopdf_fonts_zh_cn
    except ImportError:
        logger.warning("package pylopdf-fonts-zh-cn is not installed; looking for a system CJK font")
    else:
        yield Path(pylopdf_fonts_zh_cn.sans_path())
    by_family = {entry.name: Path(entry.fname) for entry in font_manager.fontManager.ttflist}
    for family in SYSTEM_FAMILIES:
        if family in by_family:
            yield by_family[family]
    for name in font_manager.findSystemFonts():
        path = Path(name)
        if any(hint in path.name.lower() for hint in ("cjk", "wqy", "han", "sc", "zh")):
            yield path


def _covers(path: Path, text: str) -> bool:
    try:
        charmap = ft2font.FT2Font(str(path)).get_charmap()
    except (OSError, RuntimeError) as exc:
        logger.debug("unreadable font path=%s error=%s", path, exc)
        return False
    return all(ord(ch) in charmap for ch in text)
