"""Articles come out of Chinese news and government pages with title, text, time, author and source line."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from crawlers.clean import decode_html
from crawlers.dates import is_future
from crawlers.extract import Article, extract_article

NOW = datetime(2026, 11, 27, 1, 0, tzinfo=UTC)
PAGES = Path(__file__).parent / "pages"
URL = "https://news.example.cn/2026/11/25/a.html"


def bj(*args: int) -> datetime:
    return datetime(*args, tzinfo=timezone(timedelta(hours=8))).astimezone(UTC)


def load(name: str) -> str:
    text, _ = decode_html((PAGES / name).read_bytes(), None)
    return text


def extract(name: str, selectors: dict[str, str] | None = None) -> Article:
    article = extract_article(load(name), URL, NOW, selectors)
    assert article is not None
    return article


def test_provincial_news_page() -> None:
    article = extract("qilu_news.html")
    assert article.title == "济南某小区外墙保温层脱落 住建部门连夜排查"
    assert article.published_at == bj(2026, 11, 25, 10, 20, 31)
    assert article.author == "王明"
    assert article.source_line == "2026-11-25 10:20:31 来源:齐鲁网·闪电新闻 作者:王明"
    assert article.text.startswith("闪电新闻11月25日讯 25日凌晨")
    assert article.text.endswith("居民发现异常应及时向物业或住建部门反映。")
    assert article.text.count("\n") == 3
    for boilerplate in ("相关新闻", "当前位置", "版权所有", "分享到", "责任编辑", "青岛开展老旧小区改造"):
        assert boilerplate not in article.text


def test_table_layout_news_page() -> None:
    article = extract("dazhong_news.html")
    assert article.title == "青岛市启动既有住宅加装电梯集中办理月"
    assert article.published_at == bj(2026, 11, 24, 16, 5)
    assert article.author == "李华"
    assert article.source_line is not None and "来源: 大众日报" in article.source_line
    assert "集中办理活动" in article.text
    assert "热点推荐" not in article.text
    assert "大众网首页" not in article.text


def test_government_release_page() -> None:
    article = extract("gov_release.html")
    assert article.title == "关于开展全省城镇房屋安全隐患排查整治的通知"
    assert article.published_at == bj(2026, 11, 23, 15, 30)  # the PubDate meta beats the date-only info line
    assert article.author == "房屋安全处"
    assert article.source_line is not None
    assert "来源:山东省住房和城乡建设厅" in article.source_line
    assert article.text.startswith("各市住房城乡建设局:")
    assert "三、报送时间" in article.text
    for boilerplate in ("主办单位", "网站标识码", "政府网站找错", "浏览次数", "您现在的位置"):
        assert boilerplate not in article.text


def test_gb2312_government_table_page() -> None:
    article = extract("gov_table_gbk.html")
    assert article.title == "淄博市住房和城乡建设局关于燃气安全的公告"
    assert article.published_at == bj(2026, 11, 20, 9, 30)
    assert article.source_line is not None and "信息来源:淄博市住房和城乡建设局" in article.source_line
    assert article.text.startswith("进入冬季供暖期以来")
    assert article.text.endswith("特此公告。")
    assert "网站首页" not in article.text
    assert "版权所有" not in article.text


def test_meta_tags_title_time_and_author() -> None:
    article = extract("meta_article.html")
    assert article.title == "烟台：海滨老旧小区完成雨污分流改造"  # display title keeps its full-width colon
    assert article.published_at == bj(2026, 11, 26, 7, 45)
    assert article.author == "刘洋"
    assert "雨污分流改造工程全部完工" in article.text


def test_list_page_has_no_body() -> None:
    assert extract_article(load("no_body.html"), URL, NOW) is None


@pytest.mark.parametrize(
    "html",
    ["", "<html></html>", "<html><body><p>404 页面不存在</p></body></html>", "<html><body>   </body></html>"],
)
def test_empty_pages_have_no_body(html: str) -> None:
    assert extract_article(html, URL, NOW) is None


def test_title_from_title_tag_minus_site_suffix() -> None:
    html = (
        "<html><head><title>潍坊市开展城镇燃气安全专项检查_要闻_大众网</title></head><body>"
        "<div><p>潍坊市住房和城乡建设局近日组织开展城镇燃气安全专项检查，重点检查餐饮场所和老旧管网。</p></div>"
        "</body></html>"
    )
    article = extract_article(html, URL, NOW)
    assert article is not None
    assert article.title == "潍坊市开展城镇燃气安全专项检查"
    assert article.published_at is None
    assert article.author is None
    assert article.source_line is None


def test_future_time_is_kept_for_the_pipeline_to_flag() -> None:
    html = (
        '<html><head><title>通知</title><meta name="PubDate" content="2026-12-30 10:00"></head><body>'
        "<p>临沂市住房和城乡建设局将于年底前完成全部老旧小区燃气管道更新改造工作，请各区县抓紧推进。</p>"
        "</body></html>"
    )
    article = extract_article(html, URL, NOW)
    assert article is not None and article.published_at is not None
    assert is_future(article.published_at, NOW)


CSS = {
    "title": "div.biaoti",
    "content": "#zoom p",
    "published_at": "div.laiyuan::text",
    "author": "div.laiyuan",
}
XPATH = {
    "title": "//div[@class='biaoti']/text()",
    "content": "//div[@id='zoom']",
    "published_at": "(//div[@class='laiyuan'])[1]",
}


@pytest.mark.parametrize("selectors", [CSS, XPATH], ids=["css", "xpath"])
def test_selectors(selectors: dict[str, str]) -> None:
    article = extract("dazhong_news.html", selectors)
    assert article.title == "青岛市启动既有住宅加装电梯集中办理月"
    assert article.published_at == bj(2026, 11, 24, 16, 5)
    lines = article.text.split("\n")
    assert lines[0] == "本报记者 李华 通讯员 张强"
    assert len(lines) == 4
    assert "热点推荐" not in article.text


def test_selector_attribute_and_fallback_for_missing_fields() -> None:
    selectors = {"content": "div.detail-content", "published_at": "meta[name=PubDate]::attr(content)"}
    article = extract("gov_release.html", selectors)
    assert article.published_at == bj(2026, 11, 23, 15, 30)
    assert article.title == "关于开展全省城镇房屋安全隐患排查整治的通知"  # no title selector: generic rules
    assert article.text.split("\n")[-1] == "2026年11月23日"


def test_selector_matching_nothing_falls_back_to_generic(caplog: pytest.LogCaptureFixture) -> None:
    article = extract("qilu_news.html", {"content": "div.no-such-class"})
    assert "外墙保温层发生大面积脱落" in article.text
    assert "selector matched nothing" in caplog.text


def test_selected_content_without_body_text_gives_none() -> None:
    assert extract_article(load("no_body.html"), URL, NOW, {"content": "ul.list"}) is None


def test_release_time_beats_the_date_it_was_written() -> None:
    """A government page's index table states 成文日期 before the 发布时间 line; the release time is what counts."""
    html = (
        "<html><head><title>关于进一步加强建筑起重机械安全管理的通知_山东省住房和城乡建设厅</title></head><body>"
        "<table><tr><td>成文日期：</td><td>2026-11-20</td><td>主题分类：</td><td>城乡建设</td></tr></table>"
        "<h1>关于进一步加强建筑起重机械安全管理的通知</h1>"
        "<div class='info'>发布时间：2026-11-25 16:40 信息来源：省住房城乡建设厅</div>"
        "<div id='zoom'><p>各市住房城乡建设局：近期，我省发生一起建筑起重机械倒塌事故，造成重大人员伤亡。"
        "为深刻汲取事故教训，现就进一步加强建筑起重机械安全管理有关事项通知如下。</p>"
        "<p>一、全面开展起重机械安全隐患排查，对安装、顶升、附着和拆卸作业实行旁站监督。</p></div>"
        "</body></html>"
    )
    article = extract_article(html, "https://zjt.example.cn/official/art/2026/11/25/1.html", NOW)
    assert article is not None
    assert article.published_at == bj(2026, 11, 25, 16, 40)
