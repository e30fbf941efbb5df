"""A post's surface: what it rides on or wraps itself in, as opposed to what it says.

Real Weibo posts file themselves under trending hashtags (``#某地新增确诊13例#``) that have nothing to do with
their matter, quote the chain they were reposted through (``//@某人:``), and end in link and video stubs
(``O网页链接``, ``L某某的微博视频``) and a location stamp (``2濮阳``: where the poster was); news reposts lead
with a 【source bracket】. Grouping compares what a post says, so it reads :func:`body` (the hashtags
out); a title shown to a person is :func:`clean_title`.
"""

from __future__ import annotations

import re

HASHTAG = re.compile(r"#[^#\n]{1,40}#")
_BRACKET_LEAD = re.compile(r"^\s*【([^【】]{2,60})】")
# A headline a Weibo post relays after a word of its own (这个太给力了！【某某：……】): set off from the poster's
# words (after the start, a space or a punctuation mark, and not running on with a comma, as a quoted phrase in
# a sentence does), eight characters or more with six Chinese ones, so that a tag (【转】) or a price (【159元】)
# is not taken for one.
_BRACKET_RELAYED = re.compile(r"(?:^|(?<=[\s。！？!?：:，,…~]))【([^【】]{8,60})】(?![，,、])")
_BRACKET_PART = re.compile(r"(【[^【】]{0,60}】)")
_DATELINE = re.compile(r"\d{1,2}月\d{1,2}日(?:电|讯)$")  # 【新华社北京1月26日电】 says who and when, not what
_HAN = re.compile(r"[\u4e00-\u9fff]")
HEADLINE_SEARCH = 80  # how far into a post a relayed headline is looked for
_BRACKETS = re.compile(r"【[^【】]{0,60}】|\[[^\[\]]{1,8}\]")  # source brackets, [表情] codes
_REPOST_MARK = re.compile(r"//\s*@[^:：\s]{1,30}[:：]")
# A Weibo location stamp ("2濮阳", "2蚌埠·五河县"): where the poster was, not what the post speaks of.
_GEOTAG = re.compile(
    r"(?:^|(?<=\s))2(?![人名个栋层座处起次号户家辆台万元])[\u4e00-\u9fff]{2,8}(?:·[\u4e00-\u9fff]{1,10})?(?=\s|$|\?)"
)
_MENTION = re.compile(r"@[\w\-\u4e00-\u9fff]{2,30}")
_STUBS = re.compile(
    r"(?:\b[OL])?[^\s，。！？]{0,20}的微博视频|O网页链接|网页链接|展开全文c?|转发微博|原图|"
    r"https?://\S+|(?:收起|查看)(?:全文|图片)"
)
# Emoji and pictographs, dingbats, variation selectors and the zero-width joiner.
_EMOJI = re.compile("[\U0001f000-\U0001faff\u2600-\u27bf\u2b00-\u2bff\ufe0f\u200d]+")
_SPACE = re.compile(r"\s+")
_EDGE_PUNCTUATION = " ，。、；：:,.!！?？~～—-…|｜/"
TITLE_CHARS = 40


def hashtags(text: str) -> list[str]:
    """The hashtags of ``text`` without their ``#`` marks, in order."""
    return [tag[1:-1].strip() for tag in HASHTAG.findall(text)]


def body(text: str) -> str:
    """``text`` without its hashtags, repost marks (``//@某人:``; the words relayed stay, they are what the post
    passes on), mentions and link stubs: what it says."""
    text = _REPOST_MARK.sub(" ", text)
    text = _GEOTAG.sub(" ", text)
    text = HASHTAG.sub(" ", text)
    text = _MENTION.sub(" ", text)
    text = _STUBS.sub(" ", text)
    return _SPACE.sub(" ", text).strip()


def clean_title(title: str, text: str = "", limit: int = TITLE_CHARS) -> str:
    """A title a person would write: the headline the post carries (:func:`carried_headline`), else its first
    sentence; without hashtags, emoji, source brackets, mentions, link stubs or "转发微博". Empty when nothing is
    left."""
    found = carried_headline(title, text)
    if found:
        return _cut(found, limit)
    cleaned = _clean(text) if text.strip() else ""
    return _cut(_first_sentence(cleaned), limit) if cleaned else ""


def carried_headline(title: str, text: str = "") -> str:
    """What a post carries as its headline, cleaned: its title (or the 【bracketed headline】 the title leads
    with), else the 【headline】 its text leads with or relays; empty when it has none (a comment)."""
    if title.strip():
        found = _bracket_lead(title) or _clean(title)
        if found:
            return found
    if not text.strip():
        return ""
    return _bracket_lead(text) or relayed_headline(text)


def relayed_headline(text: str) -> str:
    """The 【headline】 a post relays within its first ``HEADLINE_SEARCH`` characters (hashtags aside), cleaned;
    empty when it relays none."""
    for found in _BRACKET_RELAYED.finditer(_outside_hashtags(text)[:HEADLINE_SEARCH]):
        cleaned = _clean(found.group(1))
        if len(_HAN.findall(cleaned)) >= 6 and not _DATELINE.search(cleaned):
            return cleaned
    return ""


def _bracket_lead(text: str) -> str:
    lead = _BRACKET_LEAD.match(_outside_hashtags(text).strip())
    cleaned = _clean(lead.group(1)) if lead else ""
    return cleaned if len(cleaned) >= 4 and not _DATELINE.search(cleaned) else ""


def _outside_hashtags(text: str) -> str:
    """``text`` without the hashtags it is filed under; a hashtag inside a 【headline】 keeps its words, which are
    the headline's subject (【#某省延迟复工# 不得早于2月20日】)."""
    parts = _BRACKET_PART.split(text)
    return "".join(part.replace("#", " ") if index % 2 else HASHTAG.sub(" ", part) for index, part in enumerate(parts))


def _clean(text: str) -> str:
    text = body(text)
    text = _BRACKETS.sub(" ", text)
    text = _EMOJI.sub("", text)
    return _SPACE.sub(" ", text).strip(_EDGE_PUNCTUATION + " ")


def _first_sentence(text: str) -> str:
    for mark in "。！？!?\n":
        head, found, _rest = text.partition(mark)
        if found and len(head) >= 8:
            text = head
    return text.strip(_EDGE_PUNCTUATION)


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit].rstrip(_EDGE_PUNCTUATION) + "…"
