"""De-identification of everything the reports write out or mail (政务公开 item 23).

Step in the flow: ``reports.digest`` and ``reports.evaluation`` pass every excerpt, title and
quotation through ``deidentify`` before it goes into a document, an e-mail or a chart.

What is masked, and how:

| what | rule | shown as |
| --- | --- | --- |
| mobile phone | ``1[3-9]`` + 9 digits, with or without ``+86`` and separators | ``138****5678`` |
| landline | area code + 7–8 digit local number | ``0531-****3456`` |
| ID card | 18 digits with a valid province, birth date and check digit; 15 digits (old) | ``3701**********1234`` |
| bank card | 16–19 digits that pass the Luhn check | ``************7890`` (last 4 kept) |
| e-mail | any address | ``z***@example.com`` |
| Weibo user | ``@name`` | ``@用户`` |
| licence plate | ``鲁A12345`` | ``鲁A*****`` |
| private person | a name jieba tags as a person, in the contexts below | ``张某``, ``欧阳某`` |

What stays, on purpose:
- Public service numbers: short hotlines (12345, 12319, 0531-12345), 400/800 numbers, and any
  landline that follows a hotline word (热线, 值班, 咨询, 举报, 投诉, 监督…) or appears in an official
  release (the office's own number). Mobile numbers are masked everywhere.
- Long numbers that are not personal: an 18-character serial whose "birth date" or check digit is
  wrong (document serials such as ``11370000004165000X``) and a 16–19 digit number that fails the Luhn
  check (order and waybill numbers). Next to a label (身份证号, 银行卡号, 账号…) the number is masked
  anyway, since a mistyped card number is still someone's card number.
- E-mail addresses of public bodies (``…gov.cn``), official accounts (``@济南发布``, ``@大众日报``).
- Dates, money, casualty figures, document numbers, places, companies and media: no rule touches them.

Names. A candidate is a word jieba's part-of-speech tagger marks as a person (``nr``) that starts
with a Chinese surname (compound ones such as 欧阳 and 司马 included), or a surname followed by a
short word right after a person cue. Then, in order:
1. a name listed in ``keep``, or already masked (张某, 李某某), stays;
2. a name next to an official title (市住建局局长王某某, 记者刘某, 王某同志) stays: officials acting in
   office and journalists are named in public;
3. a name after a private-person cue (村民, 业主, 网友, 死者, 家属, 女子…) is masked, and so is a name
   listed right after it (业主李某、王某);
4. any other name is masked in ``social`` and ``forum`` posts, where the people named are private,
   and kept in ``news`` and ``official`` texts, where they are mostly officials, experts and
   spokespeople.
"""

from __future__ import annotations

import functools
import json
import logging
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import jieba.posseg

from nlp.places import DEFAULT_GAZETTEER
from nlp.segment import Segmenter

logger = logging.getLogger(__name__)

KINDS = ("news", "social", "forum", "official")

# fmt: off
SURNAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
    "常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴"
    "霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑"
    "景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝"
)
COMPOUND_SURNAMES = (
    "欧阳", "司马", "诸葛", "上官", "东方", "皇甫", "尉迟", "公孙", "慕容", "令狐", "长孙", "宇文", "司徒", "夏侯",
    "轩辕", "端木", "独孤", "南宫", "西门", "万俟", "闻人", "赫连", "澹台", "公冶", "宗政", "濮阳", "淳于", "单于",
    "太叔", "申屠", "钟离", "呼延", "百里", "东郭", "司空", "拓跋", "左丘", "第五", "梁丘", "闾丘",
)
# Titles of people acting in office; a name right before or after one is public.
TITLES = (
    "局长", "厅长", "处长", "科长", "股长", "部长", "主任", "书记", "支书", "省长", "市长", "区长", "县长", "州长",
    "镇长", "乡长", "村长", "主席", "委员", "秘书长", "巡视员", "调研员", "队长", "站长", "所长", "院长", "检察长",
    "庭长", "署长", "司长", "干部", "记者", "通讯员", "发言人", "主持人", "同志", "人大代表", "总工程师",
)
# Words that introduce a private person; a name right after one is masked in every kind of text.
PRIVATE_CUES = (
    "村民", "业主", "居民", "网友", "市民", "群众", "工人", "工友", "农民工", "民工", "务工人员", "施工人员", "死者",
    "伤者", "遇难者", "遇难人员", "失联人员", "受害人", "受害者", "家属", "男子", "女子", "老人", "老太", "大爷",
    "大妈", "阿姨", "租户", "住户", "房东", "房主", "户主", "购房者", "买房人", "被拆迁人", "被征收人", "拆迁户",
    "当事人", "患者", "学生", "孩子", "儿子", "女儿", "丈夫", "妻子", "老公", "老婆", "父亲", "母亲", "爸爸", "妈妈",
    "邻居", "司机", "车主", "乘客", "商户", "摊主", "摊贩", "商贩", "博主", "楼主", "投诉人", "举报人", "反映人",
    "上访人", "信访人", "嫌疑人", "包工头", "员工", "保安", "保洁员", "小伙", "姑娘", "代表", "项目经理", "经理",
    "施工员", "安全员", "监理员", "老板", "承包人",
)
# Compound surnames that are never ordinary words (东方, 百里, 濮阳 are), so 诸葛明亮 is a name wherever it is.
UNAMBIGUOUS_COMPOUNDS = frozenset(
    ("欧阳", "司马", "诸葛", "上官", "皇甫", "尉迟", "慕容", "令狐", "宇文", "司徒", "夏侯", "轩辕", "端木", "独孤",
     "万俟", "澹台", "淳于", "申屠", "钟离", "呼延", "拓跋", "长孙", "公孙")
)
# Words jieba tags as person names that are not: firms of our domain and a few everyday words.
NOT_NAMES = frozenset(
    ("鲁能", "鲁商", "鲁信", "万达", "万科", "金地", "金茂", "金科", "华润", "华夏", "龙湖", "龙光", "蓝光", "蓝城",
     "宋都", "明发", "高速", "文明", "安全", "常州", "温州", "江山", "方便", "高兴", "成功", "于是", "于此", "向阳")
)
# A "name" that ends in one of these is a place (高新区, 王庄)...
PLACE_ENDINGS = ("区", "县", "市", "省", "乡", "村", "庄", "路", "街")
# ... and one followed by one of these is part of a place or an organisation (司马光小区, 王家庄村).
PLACE_SUFFIXES = (
    "路", "街", "巷", "道", "村", "庄", "屯", "镇", "乡", "区", "县", "市", "省", "小区", "花园", "家园", "苑", "府",
    "城", "广场", "大厦", "中心", "公司", "集团", "建工", "置业", "地产", "物业", "中学", "小学", "大学", "学校",
    "医院", "公园", "桥", "山", "湖", "河", "号", "站", "楼", "馆", "社区",
)
# Forms of address that do not identify anyone: 王先生, 李女士, 张师傅, 刘总.
HONORIFICS = ("先生", "女士", "小姐", "师傅", "老师", "阿姨", "大爷", "大妈", "大姐", "大哥", "总", "工", "某")
# Weibo accounts of public bodies and media keep their names.
OFFICIAL_ACCOUNT_SUFFIXES = (
    "发布", "日报", "晚报", "早报", "商报", "都市报", "新闻", "新闻网", "新华社", "网", "电视台", "广播", "融媒",
    "融媒体", "在线", "政务", "住建", "住建局", "住建厅", "公安", "警方", "消防", "应急管理", "城管", "政府", "官方",
    "官微", "频道",
)
PUBLIC_PHONE_CUES = ("热线", "值班", "咨询", "举报", "投诉", "监督", "服务", "办公室", "传真", "总机")
ID_CUES = ("身份证", "证件号", "身份号码")
CARD_CUES = ("银行卡", "卡号", "账号", "帐号", "账户", "帐户", "收款")
PROVINCE_CODES = frozenset(
    ("11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37", "41", "42", "43", "44",
     "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65", "71", "81", "82")
)
# fmt: on

_EMAIL = re.compile(
    r"(?<![A-Za-z0-9._%+*-])([A-Za-z0-9][A-Za-z0-9._%+*-]*)@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,})"
)
_ID18 = re.compile(r"(?<![0-9A-Za-z])(\d{6})(\d{4})(\d{2})(\d{2})\d{3}[0-9Xx](?![0-9A-Za-z])")
_ID15 = re.compile(r"(?<![0-9A-Za-z])(\d{6})(\d{2})(\d{2})(\d{2})\d{3}(?![0-9A-Za-z])")
_CARD = re.compile(r"(?<![0-9A-Za-z])(?:\d{16,19}|\d{4}(?:[ -]\d{4}){3}(?:[ -]?\d{1,3})?)(?![0-9A-Za-z])")
_MOBILE = re.compile(r"(?<![\d+])((?:\+|00)?86[ -]?)?(1[3-9]\d)[ -]?(\d{4})[ -]?(\d{4})(?!\d)")
_LANDLINE = re.compile(r"(?<![\d.-])(0\d{2,3})[ －—-]?([2-8]\d{6,7})(?:(?:-|转)\d{1,5})?(?!\d)")
_HANDLE = re.compile(r"(?<![A-Za-z0-9._%+*-])@([\w·-]{1,30})")
_PLATE = re.compile(
    r"(?<![A-Za-z0-9])([京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼])([A-HJ-NP-Z])[·•・ ]?"
    r"([A-HJ-NP-Z0-9]{4,5}[A-HJ-NP-Z0-9挂学警])(?![A-Za-z0-9])"
)
_HAN = re.compile(r"[\u4e00-\u9fff]+")
_LONG_PLACE_SUFFIXES = tuple(suffix for suffix in PLACE_SUFFIXES if len(suffix) > 1)
_PRIVATE_CUE = re.compile("|".join(sorted(PRIVATE_CUES, key=len, reverse=True)))
# jieba tags of words that cannot be part of a name: verbs, prepositions, conjunctions, particles,
# adverbs, numerals, punctuation and pronouns (向|物业, 和|物业, 曾|多次).
_FUNCTION_TAGS = ("v", "p", "c", "u", "d", "m", "x", "r", "q", "f")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_CUE_WINDOW = 12  # characters before a number in which a label (身份证号：…) counts


@dataclass(frozen=True)
class Span:
    """Replace ``text[start:end]`` with ``replacement``."""

    start: int
    end: int
    replacement: str

    def overlaps(self, other: Span) -> bool:
        return self.start < other.end and other.start < self.end


class Deidentifier:
    """Masks personal information in Chinese text; owns its own jieba part-of-speech tokenizer."""

    def __init__(self, cache_dir: Path | None = None, gazetteer: Path = DEFAULT_GAZETTEER) -> None:
        # A segmenter of our own: posseg moves the dictionary's tags out of the tokenizer it wraps.
        self._segmenter = Segmenter(cache_dir=cache_dir)
        self._tagger = jieba.posseg.POSTokenizer(self._segmenter.tokenizer)
        self._places = _place_names(gazetteer)

    def __call__(self, text: str, *, kind: str = "social", keep: Iterable[str] = ()) -> str:
        if kind not in KINDS:
            raise ValueError(f"unknown kind {kind!r}; expected one of {KINDS}")
        kept = list(_occurrences(text, keep))
        accepted: list[Span] = []
        for span in [*_pattern_spans(text, kind), *self._name_spans(text, kind)]:
            if not any(span.overlaps(other) for other in kept + accepted):
                accepted.append(span)
        return _apply(text, accepted)

    def _name_spans(self, text: str, kind: str) -> Iterator[Span]:
        # Where both readings start at the same place, the one cut in the full sentence wins.
        by_start = {c[0]: c for c in self._cued_names(text)} | {c[0]: c for c in self._tagged_names(text)}
        candidates = sorted(by_start.values())
        previous: tuple[int, bool] | None = None  # end of the last name and whether it was masked
        for start, end, surname in candidates:
            if previous is not None and start < previous[0]:
                continue  # a shorter reading of a name already judged
            if text[start:end] in self._places:
                continue  # 邹平, 章丘: jieba tags some county names as people
            masked = _decide(text, start, end, kind, previous)
            previous = (end, masked)
            if masked:
                yield Span(start, end, f"{surname}某")

    def _cued_names(self, text: str) -> Iterator[tuple[int, int, str]]:
        """Names right after a private-person cue, re-cut on their own: jieba reads 车主张伟 as 车|主张|伟."""
        for match in _PRIVATE_CUE.finditer(text):
            start = match.end()
            if _surname(text[start : start + 2]) is None:
                continue
            window = list(self._tokens(text[start : start + 8]))
            found = _name_at(window, 0, cued=True)
            if found is None:
                continue
            end = start + found[1]
            if end - start == 3 and self._verb_at(text, end - 1):
                end -= 1  # 张三|站在 read as 张三站|在: the last character starts a verb
            yield start, end, found[2]

    def _verb_at(self, text: str, start: int) -> bool:
        first = next(self._tokens(text[start : start + 6]), None)
        return first is not None and len(first[1]) >= 2 and first[2].startswith("v")

    def _tagged_names(self, text: str) -> Iterator[tuple[int, int, str]]:
        tokens = list(self._tokens(text))
        for index in range(len(tokens)):
            found = _name_at(tokens, index, cued=False)
            if found is not None:
                yield found

    def _tokens(self, text: str) -> Iterator[tuple[int, str, str]]:
        offset = 0
        for pair in self._tagger.cut(text):
            yield offset, pair.word, pair.flag
            offset += len(pair.word)


@functools.cache
def default_deidentifier() -> Deidentifier:
    """One shared ``Deidentifier`` (loading the tagger takes about a second)."""
    return Deidentifier()


def deidentify(text: str, *, kind: str = "social", keep: Iterable[str] = ()) -> str:
    """``text`` with phones, ID and bank cards, e-mails, Weibo users, plates and private names masked.

    ``kind`` is the document kind (news, social, forum, official) and decides how names are treated;
    ``keep`` lists strings (names, accounts, numbers) to leave exactly as they are.
    """
    return default_deidentifier()(text, kind=kind, keep=keep)


def _pattern_spans(text: str, kind: str) -> Iterator[Span]:
    """Spans of the number, address and account rules, in priority order."""
    yield from _emails(text)
    yield from _id_cards(text)
    yield from _bank_cards(text)
    yield from _mobiles(text)
    yield from _landlines(text, kind)
    yield from _handles(text)
    yield from _plates(text)


def _emails(text: str) -> Iterator[Span]:
    for match in _EMAIL.finditer(text):
        local, domain = match.groups()
        if domain.lower() == "gov.cn" or domain.lower().endswith(".gov.cn"):
            continue
        yield Span(match.start(), match.end(), f"{local[0]}***@{domain}")


def _id_cards(text: str) -> Iterator[Span]:
    for match in _ID18.finditer(text):
        region, year, month, day = match.groups()
        valid = _plausible_id(region, int(year), month, day) and _id_checksum_ok(match[0])
        if valid or _labelled(text, match.start(), ID_CUES):
            yield Span(match.start(), match.end(), match[0][:4] + "*" * 10 + match[0][-4:])
    for match in _ID15.finditer(text):
        region, year, month, day = match.groups()
        if _plausible_id(region, 1900 + int(year), month, day) or _labelled(text, match.start(), ID_CUES):
            yield Span(match.start(), match.end(), match[0][:4] + "*" * 7 + match[0][-4:])


def _bank_cards(text: str) -> Iterator[Span]:
    for match in _CARD.finditer(text):
        digits = re.sub(r"\D", "", match[0])
        if not 16 <= len(digits) <= 19:
            continue
        if _luhn_ok(digits) or _labelled(text, match.start(), CARD_CUES):
            yield Span(match.start(), match.end(), "*" * (len(digits) - 4) + digits[-4:])


def _mobiles(text: str) -> Iterator[Span]:
    for match in _MOBILE.finditer(text):
        country, head, _, tail = match.groups()
        yield Span(match.start(), match.end(), f"{country or ''}{head}****{tail}")


def _landlines(text: str, kind: str) -> Iterator[Span]:
    if kind == "official":
        return  # an official release gives the office's own numbers
    for match in _LANDLINE.finditer(text):
        if _labelled(text, match.start(), PUBLIC_PHONE_CUES):
            continue
        area, local = match.groups()
        yield Span(match.start(), match.end(), f"{area}-****{local[-4:]}")


def _handles(text: str) -> Iterator[Span]:
    for match in _HANDLE.finditer(text):
        if not match[1].endswith(OFFICIAL_ACCOUNT_SUFFIXES):
            yield Span(match.start(), match.end(), "@用户")


def _plates(text: str) -> Iterator[Span]:
    for match in _PLATE.finditer(text):
        province, letter, rest = match.groups()
        yield Span(match.start(), match.end(), f"{province}{letter}{'*' * len(rest)}")


def _name_at(tokens: list[tuple[int, str, str]], index: int, *, cued: bool) -> tuple[int, int, str] | None:
    """``(start, end, surname)`` of a person's name starting at ``tokens[index]``, if one does.

    A name is one token tagged as a person, or a surname token joined to the short token after it
    (jieba often cuts 周|海燕, 王|大力, 诸葛|明亮): joined when both are tagged as names, when the surname
    is a compound that is never an ordinary word, or, right after a cue word (``cued``), when neither
    token is a function word.
    """
    start, word, flag = tokens[index]
    if flag.startswith("nr") and 2 <= len(word) <= 4 and _HAN.fullmatch(word):
        surname = _surname(word)
        if surname and len(word) > len(surname):
            return _checked(tokens, index + 1, start, word, surname, cued=cued)
    if index + 1 >= len(tokens) or not (word in SURNAMES or word in COMPOUND_SURNAMES):
        return None
    _, given, given_flag = tokens[index + 1]
    if not (1 <= len(given) <= 2 and _HAN.fullmatch(given)) or given_flag.startswith(_FUNCTION_TAGS):
        return None
    joined = (
        (flag.startswith("nr") and given_flag.startswith("nr"))
        or word in UNAMBIGUOUS_COMPOUNDS
        or (cued and not flag.startswith(_FUNCTION_TAGS))
    )
    return _checked(tokens, index + 2, start, word + given, word, cued=cued) if joined else None


def _checked(
    tokens: list[tuple[int, str, str]], after: int, start: int, name: str, surname: str, *, cued: bool
) -> tuple[int, int, str] | None:
    given = name[len(surname) :]
    if name in NOT_NAMES or name in HONORIFICS or given == surname or given.startswith(HONORIFICS):
        return None  # 鲁能, 师傅, 谢谢; 张某, 李某某, 王先生: nothing to hide
    if len(surname) == 2 and surname not in UNAMBIGUOUS_COMPOUNDS and not cued:
        return None  # 东方明珠, 百里挑一
    if name.endswith(PLACE_ENDINGS):
        return None  # 高新区, 王庄
    following = tokens[after][1] if after < len(tokens) else ""
    if following in PLACE_SUFFIXES or (len(following) > 1 and following.startswith(_LONG_PLACE_SUFFIXES)):
        return None  # 司马光|小区, 王家|村; but not 张三|道歉, 刘海洋|河边
    return start, start + len(name), surname


def _decide(text: str, start: int, end: int, kind: str, previous: tuple[int, bool] | None) -> bool:
    """Whether the name at ``text[start:end]`` is masked (the rules in the module docstring)."""
    before = text[max(0, start - 8) : start].rstrip(" ：:")
    after = text[end : end + 6].lstrip()
    if before.endswith(TITLES) or after.startswith(TITLES):
        return False
    if before.endswith(PRIVATE_CUES):
        return True
    if previous is not None and text[previous[0] : start].strip() in ("、", "和", "与", "及"):
        return previous[1]
    return kind in ("social", "forum")


def _place_names(gazetteer: Path) -> frozenset[str]:
    """Every province, city and county name of the gazetteer, with its short forms."""
    data = json.loads(gazetteer.read_text(encoding="utf-8"))
    units = [*data["provinces"], *data["cities"], *data["districts"]]
    return frozenset(name for unit in units for name in (unit["name"], *unit.get("aliases", ())))


def _surname(word: str) -> str | None:
    if not word:
        return None  # a cue word at the very end of the text
    if word[:2] in COMPOUND_SURNAMES:
        return word[:2]
    return word[0] if word[0] in SURNAMES else None


def _occurrences(text: str, needles: Iterable[str]) -> Iterator[Span]:
    for needle in needles:
        if not needle:
            continue
        start = text.find(needle)
        while start >= 0:
            yield Span(start, start + len(needle), needle)
            start = text.find(needle, start + len(needle))


def _apply(text: str, spans: list[Span]) -> str:
    parts, cursor = [], 0
    for span in sorted(spans, key=lambda s: s.start):
        parts.append(text[cursor : span.start])
        parts.append(span.replacement)
        cursor = span.end
    parts.append(text[cursor:])
    return "".join(parts)


def _labelled(text: str, start: int, cues: tuple[str, ...]) -> bool:
    window = text[max(0, start - _CUE_WINDOW) : start]
    return any(cue in window for cue in cues)


def _plausible_id(region: str, year: int, month: str, day: str) -> bool:
    if region[:2] not in PROVINCE_CODES or not 1900 <= year <= 2099:
        return False
    try:
        date(year, int(month), int(day))
    except ValueError:
        return False
    return True


def _id_checksum_ok(number: str) -> bool:
    total = sum(int(d) * w for d, w in zip(number[:17], _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11] == number[17].upper()


def _luhn_ok(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char) * (2 if position % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0
