"""Canonical URLs: the same article behind differently decorated links is one document."""

from __future__ import annotations

import pytest

from storage.urls import canonicalize_url


@pytest.mark.parametrize(
    ("given", "canonical"),
    [
        ("HTTP://News.Example.CN/a/1.html", "http://news.example.cn/a/1.html"),
        ("https://news.example.cn:443/a/1.html", "https://news.example.cn/a/1.html"),
        ("http://news.example.cn:80/a", "http://news.example.cn/a"),
        ("http://news.example.cn:8080/a", "http://news.example.cn:8080/a"),
        ("https://news.example.cn/a/1.html#comments", "https://news.example.cn/a/1.html"),
        ("https://news.example.cn/a?utm_source=wx&utm_medium=share&id=7", "https://news.example.cn/a?id=7"),
        ("https://news.example.cn/a?spm=a2c4.1&from=timeline&id=7", "https://news.example.cn/a?id=7"),
        ("https://news.example.cn/a?UTM_Campaign=x&id=7", "https://news.example.cn/a?id=7"),
        ("https://news.example.cn/a?b=2&a=1", "https://news.example.cn/a?a=1&b=2"),
        ("https://news.example.cn/a?id=7&isappinstalled=0&scene=1", "https://news.example.cn/a?id=7"),
        ("https://news.example.cn", "https://news.example.cn/"),
        ("  https://news.example.cn/a  ", "https://news.example.cn/a"),
        ("https://news.example.cn/新闻/1.html", "https://news.example.cn/%E6%96%B0%E9%97%BB/1.html"),
        ("https://news.example.cn/%E6%96%B0%E9%97%BB/1.html", "https://news.example.cn/%E6%96%B0%E9%97%BB/1.html"),
        ("https://news.example.cn/a?q=%E5%A1%94%E5%90%8A", "https://news.example.cn/a?q=%E5%A1%94%E5%90%8A"),
        ("https://news.example.cn/a?empty=&id=1", "https://news.example.cn/a?empty=&id=1"),
        ("https://news.example.cn./a", "https://news.example.cn/a"),
    ],
)
def test_canonical_forms(given: str, canonical: str) -> None:
    assert canonicalize_url(given) == canonical


@pytest.mark.parametrize("bad", ["ftp://example.cn/a", "/relative/path", "news.example.cn/a", "https://", ""])
def test_non_http_urls_are_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="http:// 或 https://"):
        canonicalize_url(bad)
