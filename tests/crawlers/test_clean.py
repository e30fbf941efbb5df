"""Pages decode to real Chinese whatever their charset claims, and text is normalised for storage."""

from __future__ import annotations

import pytest

from crawlers.clean import decode_html, looks_like_mojibake, normalize_text, normalize_title

BODY = (
    "济南市住房和城乡建设局发布通知，全面排查老旧小区燃气管道与电梯安全隐患。"
    "市民如发现楼体裂缝、墙皮脱落等情况，可拨打热线反映，相关部门将在二十四小时内到场核查处置。"
)
TRADITIONAL = "臺北市都市發展局公布老舊公寓耐震補強計畫，鼓勵住戶申請補助並於年底前完成結構安全評估。"
RARE = "𠮷野家在鄞州开设新店，店名取自𡈼字的古写法，店主说这是为了纪念祖辈。"  # needs GB18030 four-byte codes


def page(text: str, meta: str = "") -> str:
    head = f'<meta charset="{meta}">' if meta else ""
    return f"<!DOCTYPE html><html><head>{head}<title>住建</title></head><body><p>{text}</p></body></html>"


def test_gbk_declared_in_header() -> None:
    text, codec = decode_html(page(BODY, "gbk").encode("gbk"), "GBK")
    assert BODY in text
    assert codec == "gb18030"


def test_gb2312_declared_by_http_equiv_meta_only() -> None:
    html = (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312">'
        f"</head><body>{BODY}</body></html>"
    )
    text, codec = decode_html(html.encode("gb2312"), None)
    assert BODY in text
    assert codec == "gb18030"


def test_gb18030_page_declared_as_utf8() -> None:
    body = page(BODY + RARE, "utf-8").encode("gb18030")
    text, codec = decode_html(body, "utf-8")
    assert BODY in text
    assert RARE in text
    assert codec == "gb18030"


def test_gbk_characters_beyond_gb2312_declared_gb2312() -> None:
    extended = "镕基、喆、堃、昇：这些字不在GB2312里，却常见于人名。" + BODY
    text, _ = decode_html(page(extended, "gb2312").encode("gbk"), "gb2312")
    assert extended in text


def test_big5_page() -> None:
    text, codec = decode_html(page(TRADITIONAL, "big5").encode("big5"), "big5")
    assert TRADITIONAL in text
    assert codec in ("cp950", "big5hkscs")


def test_big5_page_with_wrong_gbk_meta() -> None:
    text, _ = decode_html(page(TRADITIONAL * 3, "gbk").encode("big5"), None)
    assert TRADITIONAL in text


def test_utf8_page_without_any_charset() -> None:
    text, codec = decode_html(page(BODY).encode("utf-8"), None)
    assert BODY in text
    assert codec == "utf-8"


def test_gbk_page_without_any_charset() -> None:
    text, codec = decode_html(page(BODY * 2).encode("gbk"), None)
    assert BODY in text
    assert codec == "gb18030"


def test_utf8_page_with_wrong_gbk_meta() -> None:
    text, codec = decode_html(page(BODY, "gb2312").encode("utf-8"), "gb2312")
    assert BODY in text
    assert codec == "utf-8"


def test_gbk_page_with_wrong_utf8_meta_and_latin1_header() -> None:
    text, codec = decode_html(page(BODY, "utf-8").encode("gbk"), "ISO-8859-1")
    assert BODY in text
    assert codec == "gb18030"
    assert not looks_like_mojibake(text)


def test_utf8_bom_wins() -> None:
    text, codec = decode_html(b"\xef\xbb\xbf" + page(BODY, "gbk").encode("utf-8"), "gbk")
    assert BODY in text
    assert codec == "utf-8-sig"


def test_unknown_charset_label_is_ignored() -> None:
    text, _ = decode_html(page(BODY, "x-no-such-charset").encode("gbk"), "x-no-such-charset")
    assert BODY in text


def test_ascii_page_with_latin1_header() -> None:
    text, _ = decode_html(b"<html><body>Hello &amp; welcome</body></html>", "iso-8859-1")
    assert "Hello &amp; welcome" in text


def test_xml_declaration_encoding() -> None:
    feed = f'<?xml version="1.0" encoding="gb2312"?><rss><channel><title>{BODY}</title></channel></rss>'
    text, codec = decode_html(feed.encode("gb2312"), None)
    assert BODY in text
    assert codec == "gb18030"


@pytest.mark.parametrize(
    "text",
    [
        "Ã¥",
        BODY.encode("utf-8").decode("latin-1"),
        BODY.encode("utf-8").decode("cp1252", errors="replace"),
        BODY.encode("gbk").decode("utf-8", errors="replace"),
        TRADITIONAL.encode("big5").decode("gb18030"),
    ],
)
def test_mojibake_is_recognised(text: str) -> None:
    assert looks_like_mojibake(text)


@pytest.mark.parametrize(
    "text",
    [BODY, TRADITIONAL, RARE, "", "Café crème, naïve résumé", "温度约为20℃，α系数为0.3", "Hello, world"],
)
def test_clean_text_is_not_mojibake(text: str) -> None:
    assert not looks_like_mojibake(text)


def test_normalize_unescapes_entities() -> None:
    assert normalize_text("住建&amp;城管&nbsp;联合执法&lt;通报&gt; &#x4F4F;&#24314;") == "住建&城管 联合执法<通报> 住建"


def test_normalize_full_width_ascii_to_half_width() -> None:
    assert normalize_text("ＡＢＣ１２３　ｘｙｚ！") == "ABC123 xyz!"


def test_normalize_removes_zero_width_characters() -> None:
    assert normalize_text("住\u200b建\u200c厅\u200d发\ufeff布\u2060通\u00ad知") == "住建厅发布通知"


def test_normalize_folds_spaces_and_keeps_paragraphs() -> None:
    raw = "  第一段\t\t文字   继续 \r\n\r\n\n   第二段\u3000\u3000文字\r第三段\n\n"
    assert normalize_text(raw) == "第一段 文字 继续\n第二段 文字\n第三段"


def test_normalize_drops_control_characters() -> None:
    assert normalize_text("通知\x00内容\x07结束") == "通知 内容 结束"


def test_normalize_title_is_one_line() -> None:
    assert normalize_title("  关于开展&quot;安全月&quot;活动的\n通知　") == '关于开展"安全月"活动的 通知'


def test_normalize_is_idempotent() -> None:
    once = normalize_text("ＡＢＣ &amp;amp; 住\u200b建\n\n  厅")
    assert normalize_text(once) == normalize_text(normalize_text(once))
