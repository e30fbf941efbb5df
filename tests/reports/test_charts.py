"""Charts render to PNGs of the right size, in the shipped CJK font, with no missing glyph.

pytest turns warnings into errors, so matplotlib's "Glyph … missing from font(s)" warning would fail
any of these tests; ``test_missing_glyphs_are_caught`` shows that the warning does fire for a font
without Chinese.
"""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import matplotlib
import pytest
from matplotlib import font_manager
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image

from reports import charts, fonts
from reports.charts import (
    DayNegative,
    DayVolume,
    HourlyCount,
    IncidentSpan,
    IncidentTimeline,
    TimelineEvent,
)

WEEK = [date(2026, 11, 23) + timedelta(days=i) for i in range(7)]
MONDAY = datetime(2026, 11, 22, 16, 0, tzinfo=UTC)  # 11月23日 00:00 北京时间
START = datetime(2026, 11, 26, 19, 12, tzinfo=UTC)  # 11月27日 03:12 北京时间


def volumes() -> list[DayVolume]:
    return [
        DayVolume(day, {"engineering_quality": 120 + 40 * i, "housing_market": 300, "expropriation": 45, "other": 12})
        for i, day in enumerate(WEEK)
    ]


def timeline() -> IncidentTimeline:
    counts = [3, 8, 25, 60, 140, 210, 180, 150, 120, 90, 70, 60, 40, 35, 30, 22, 18, 15, 12, 10, 8, 6, 5, 4]
    hourly = [HourlyCount(START.replace(minute=0) + timedelta(hours=h), n) for h, n in enumerate(counts)]
    events = [
        TimelineEvent("first_report", START),
        TimelineEvent("detection", START + timedelta(minutes=25)),
        TimelineEvent("alert", START + timedelta(minutes=31)),
        TimelineEvent("release", START + timedelta(hours=4, minutes=10)),
        TimelineEvent("peak", START.replace(minute=30) + timedelta(hours=5)),
        TimelineEvent("press_conference", START + timedelta(hours=20)),
        TimelineEvent("close", START + timedelta(hours=23)),
    ]
    return IncidentTimeline("历城区在建工地脚手架坍塌事故", hourly, events, charts.major_incident_deadlines(START))


RENDERERS = {
    "daily_volume": lambda: charts.daily_volume_chart(volumes()),
    "topic_share": lambda: charts.topic_share_chart({"engineering_quality": 1260, "housing_market": 1890, "other": 40}),
    "negative_share": lambda: charts.negative_share_chart(
        [DayNegative(d, 50 + 9 * i, 600) for i, d in enumerate(WEEK)]
    ),
    "incidents": lambda: charts.incidents_chart(
        [
            IncidentSpan(
                "历城区在建工地脚手架坍塌事故",
                "major",
                MONDAY + timedelta(hours=30),
                None,
                MONDAY + timedelta(hours=34),
            ),
            IncidentSpan(
                "青岛某楼盘业主集中维权要求退房", "large", MONDAY - timedelta(days=2), MONDAY + timedelta(days=2)
            ),
        ],
        since=MONDAY,
        until=MONDAY + timedelta(days=7),
    ),
    "incident_timeline": lambda: charts.incident_timeline_chart(timeline()),
    "empty": lambda: charts.daily_volume_chart([]),
}


def test_font_is_the_shipped_noto_sans_sc() -> None:
    import pylopdf_fonts_zh_cn

    path = fonts.cjk_font()
    assert path == Path(pylopdf_fonts_zh_cn.sans_path())
    assert fonts.font_family() == "Noto Sans SC"
    assert fonts._covers(path, "舆情周报应对效果评估：北京时间11月27日（续报）…")


def test_matplotlib_resolves_the_family_to_the_font_file() -> None:
    family = fonts.chart_rc()["font.family"]
    assert isinstance(family, list)
    resolved = font_manager.findfont(font_manager.FontProperties(family=family[0]), fallback_to_default=False)
    assert Path(resolved) == fonts.cjk_font()


@pytest.mark.parametrize("name", list(RENDERERS))
def test_chart_renders_a_png(name: str) -> None:
    png = RENDERERS[name]()
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    image = Image.open(io.BytesIO(png))
    width, height = image.size
    assert width == 1200 and 600 <= height <= 1200
    assert len(png) > 10_000  # text and marks, not a blank canvas


def test_chart_text_is_drawn_in_the_cjk_font(monkeypatch: pytest.MonkeyPatch) -> None:
    """The Agg renderer lays out chart text with the CJK font first (DejaVu only backs it up)."""
    from matplotlib.backends import backend_agg

    chains: list[tuple[str, ...]] = []
    original = backend_agg.get_font

    def spy(paths: object, *args: object, **kwargs: object) -> object:
        chains.append(tuple(str(p) for p in paths) if isinstance(paths, list | tuple) else (str(paths),))
        return original(paths, *args, **kwargs)

    monkeypatch.setattr(backend_agg, "get_font", spy)
    charts.incident_timeline_chart(timeline())
    assert chains
    assert all(chain[0] == str(fonts.cjk_font()) for chain in chains)


def test_missing_glyphs_are_caught() -> None:
    """The control: the same kind of label in a Latin-only font raises the warning our tests would fail on."""
    with matplotlib.rc_context({"font.family": ["DejaVu Sans"]}):
        fig = Figure()
        FigureCanvasAgg(fig)
        fig.add_subplot().set_title("舆情周报")
        with pytest.warns(UserWarning, match="missing from font"):
            fig.savefig(io.BytesIO(), format="png")


def test_charts_leave_global_settings_alone() -> None:
    before = list(matplotlib.rcParams["font.family"])
    charts.topic_share_chart({"shantytown": 3})
    assert matplotlib.rcParams["font.family"] == before


def test_unknown_keys_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown keys"):
        charts.topic_share_chart({"weather": 3})
    with pytest.raises(ValueError, match="unknown keys"):
        charts.incidents_chart([IncidentSpan("某事件", "huge", MONDAY)], since=MONDAY, until=MONDAY + timedelta(days=1))
    bad = IncidentTimeline("某事件", [HourlyCount(START, 1)], [TimelineEvent("lunch", START)])
    with pytest.raises(ValueError, match="unknown timeline event kind"):
        charts.incident_timeline_chart(bad)


def test_naive_datetimes_are_refused() -> None:
    naive = datetime(2026, 11, 27, 3, 0)
    with pytest.raises(ValueError, match="naive datetime"):
        charts.incident_timeline_chart(
            IncidentTimeline("某事件", [HourlyCount(naive, 1)], [TimelineEvent("release", naive)])
        )


def test_major_incident_deadlines() -> None:
    release, press = charts.major_incident_deadlines(START)
    assert (release.due - START, press.due - START) == (timedelta(hours=5), timedelta(hours=24))
    assert release.label == "权威信息时限（5小时）"


def test_negative_share_of_an_empty_day() -> None:
    assert DayNegative(WEEK[0], 0, 0).share is None
    assert DayNegative(WEEK[0], 3, 12).share == 0.25


def test_font_missing_explains_the_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fonts, "_candidates", lambda: iter([Path("/nonexistent/font.otf")]))
    fonts.cjk_font.cache_clear()
    try:
        with pytest.raises(fonts.FontMissing, match="pip install") as raised:
            fonts.cjk_font()
        assert raised.value.tried == ["/nonexistent/font.otf"]
    finally:
        fonts.cjk_font.cache_clear()
