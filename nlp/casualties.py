"""Casualties and losses: the figures an accident report states, read from Chinese news and social text.

Step in the flow: the tagger calls :func:`extract` on every post; ``incidents.grade`` compares the figures
with the thresholds of 生产安全事故报告和调查处理条例 art. 3 (design.md), and the figures of an incident's
posts are combined with :meth:`Casualties.merge`, because the largest reported figure wins.

Conventions (the tests in ``tests/nlp/test_casualties.py`` hold one example of each):

- Every figure keeps the exact substring it came from (``造成3人死亡``), so a reader can check it.
- Numerals are Arabic (full-width too) or Chinese (两, 俩人, 一千二百, 1.2亿). An approximation gives its
  lower bound: 十余人 / 十几人 / 十来人 -> 10, 二十多人 -> 20, 百余人 / 上百人 -> 100, 两三人 -> 2,
  数十人 / 几十人 -> 20 (数 = at least two), 800余万元 -> 8,000,000. 近十人 (nearly) and 不足十人 (under)
  give no lower bound and are skipped.
- ``injuries`` counts everyone stated as injured: serious, minor or unqualified, so it is never below
  ``serious_injuries``. ``serious_injuries`` counts only injuries stated as 重伤 / 伤势严重 / 伤势较重 /
  危重 / 病危. ``5人重伤`` gives serious 5 and injuries 5; ``1人重伤、4人轻伤`` stated side by side gives
  serious 1 and injuries 5, with the phrase spanning both.
- Within one text the largest figure per field wins, as across posts: texts repeat and update their
  figures (headline, lead, 续报), so figures are never added up, except serious + minor injuries stated
  side by side. A split without its total (1人当场死亡，1人经抢救无效死亡) therefore reads as 1.
- Not figures: negations (无人员伤亡, 未造成人员伤亡, 无一人死亡, 均未受伤, 险些遇难), the rescued
  (3人获救), relatives and victims as nouns (1名死者家属, 3名遇难者), 死亡率, 伤亡 (deaths and injuries
  together), dates, times, phone numbers and non-person classifiers (10层楼, 3台塔吊).
- Economic loss is an amount in 元 next to 损失 (直接经济损失约1200万元, 约1200万元的直接经济损失), in
  whole yuan; losses recovered, avoided or compensated (挽回经济损失, 损失赔偿金) are not losses.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from itertools import pairwise
from typing import Any

import cn2an

logger = logging.getLogger(__name__)

FIELDS: tuple[str, ...] = ("deaths", "serious_injuries", "injuries", "missing", "economic_loss_yuan")

# A count of people above this is not a casualty figure (a phone number, a year, a population).
MAX_PERSONS = 100_000


@dataclass(frozen=True)
class Figure:
    """One reported figure and the exact substring of the text it came from."""

    value: int
    phrase: str


@dataclass(frozen=True)
class Casualties:
    """The casualty and loss figures of one text (or, after :meth:`merge`, of one incident)."""

    deaths: Figure | None = None
    serious_injuries: Figure | None = None
    injuries: Figure | None = None
    missing: Figure | None = None
    economic_loss_yuan: Figure | None = None

    def to_dict(self) -> dict[str, dict[str, int | str]]:
        """JSON-ready: ``{"deaths": {"value": 3, "phrase": "造成3人死亡"}}``; absent fields are omitted."""
        result: dict[str, dict[str, int | str]] = {}
        for name in FIELDS:
            figure: Figure | None = getattr(self, name)
            if figure is not None:
                result[name] = {"value": figure.value, "phrase": figure.phrase}
        return result

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Casualties:
        """The reverse of :meth:`to_dict`; raises ValueError naming the field that is wrong."""
        unknown = sorted(set(data) - set(FIELDS))
        if unknown:
            raise ValueError(f"未知的伤亡字段 {unknown[0]!r}，应为 {', '.join(FIELDS)} 之一")
        return cls(**{name: _figure_from_dict(name, value) for name, value in data.items()})

    def merge(self, other: Casualties) -> Casualties:
        """Per field, the larger figure; on a tie this object's figure (the earlier report) stays."""
        return replace(self, **{name: _larger(getattr(self, name), getattr(other, name)) for name in FIELDS})

    def __bool__(self) -> bool:
        """False when the text states no figure at all."""
        return any(getattr(self, name) is not None for name in FIELDS)


def extract(text: str) -> Casualties:
    """The casualty and loss figures stated in ``text``; the largest figure per field wins."""
    if not _TRIGGER.search(text):
        return Casualties(**dict.fromkeys(FIELDS))
    hits = sorted(_find_hits(text), key=lambda hit: hit.start)
    candidates = [*((hit.field, hit.figure) for hit in hits), *_paired_injuries(text, hits)]
    best: dict[str, Figure | None] = dict.fromkeys(FIELDS)
    for name, figure in candidates:
        if name in best:  # minor injuries count only as injuries
            best[name] = _larger(best[name], figure)
    return Casualties(**best)


def parse_number(numeral: str) -> Decimal | None:
    """An Arabic or Chinese numeral (``12``, ``1.2``, ``两``, ``一千二百``, ``两三``, ``数十``) -> its value.

    A range (两三, 十二三) gives its lower bound, 数十 / 几十 twice the unit, 上百 the unit. None when the
    text is not a number.
    """
    numeral = numeral.replace(",", "").replace("，", "")
    if not numeral or len(numeral) > _MAX_NUMERAL_LENGTH:
        return None
    if numeral[0] in "0123456789０１２３４５６７８９":
        try:
            return Decimal(numeral.replace("．", "."))  # Decimal() reads full-width digits itself
        except InvalidOperation:
            return None
    if numeral == "俩":
        return Decimal(2)
    if len(numeral) == 2 and numeral[0] in _VAGUE_FACTORS and numeral[1] in _UNIT_VALUES:
        return _VAGUE_FACTORS[numeral[0]] * _UNIT_VALUES[numeral[1]]
    return _parse_chinese(_drop_range_upper(numeral))


# --- patterns --------------------------------------------------------------------------------------

_CN_DIGIT_VALUES = {
    **dict.fromkeys("零〇", 0),
    **dict.fromkeys("一壹", 1),
    **dict.fromkeys("二两贰", 2),
    **dict.fromkeys("三叁", 3),
    **dict.fromkeys("四肆", 4),
    **dict.fromkeys("五伍", 5),
    **dict.fromkeys("六陆", 6),
    **dict.fromkeys("七柒", 7),
    **dict.fromkeys("八捌", 8),
    **dict.fromkeys("九玖", 9),
}
_UNIT_VALUES = {
    **dict.fromkeys("十拾", Decimal(10)),
    **dict.fromkeys("百佰", Decimal(100)),
    **dict.fromkeys("千仟", Decimal(1000)),
    "万": Decimal(10_000),
    "亿": Decimal(100_000_000),
}
_MAX_NUMERAL_LENGTH = 16  # longer is not a figure (and cn2an warns about long decimals)
_VAGUE_FACTORS = {"数": Decimal(2), "几": Decimal(2), "上": Decimal(1)}

_CN_CHARS = "".join(_CN_DIGIT_VALUES) + "".join(_UNIT_VALUES) + "廿"
_NOT_AFTER_NUMERAL = rf"(?<![0-9０-９.．{_CN_CHARS}])"
# A count of people: vague (数十, 上百), Arabic, Chinese, or 俩.
_COUNT = rf"{_NOT_AFTER_NUMERAL}(?:[数几][十百千万]|上[百千万]|[0-9０-９]+|[{_CN_CHARS}]+|俩)"
_APPROX = r"(?:余|多|几|来)"
_PERSON = r"个?[人名位]"
_LEAD = r"(?:(?:已经?|共|还|再)?(?:造成|致使|导致|致)了?)"
_MODIFIER = r"(?:至少|最少|共计|合计|累计|总计|共有|已有|大约|约|超过|超|逾|将近|接近|近|不足|不到)"
_NO_LOWER_BOUND = ("近", "将近", "接近", "不足", "不到")

_DEATH = r"死亡|身亡|遇难|罹难|丧生|殒命|丧命|遇害|亡故|毙命|身故|坠亡|溺亡|不治"
_SERIOUS = r"受重伤|重伤|伤势严重|伤势较重|伤情严重|伤情较重|伤势危重|伤情危重|危重|病危|生命垂危"
_MINOR = r"受轻伤|轻伤|轻微伤|轻微受伤|伤势较轻|伤情较轻|伤势轻微"
_INJURED = r"受伤|负伤|[砸烧摔烫划压炸灼撞刺割擦挫扭碰]伤"
_MISSING = r"失联|失踪|下落不明"
_OUTCOME = (
    rf"(?:(?P<death>{_DEATH})|(?P<serious>{_SERIOUS})|(?P<minor>{_MINOR})"
    rf"|(?P<injured>{_INJURED})|(?P<missing>{_MISSING}))(?!者|人员?家属|家属|亲属)"
)
_CLAUSE_CHAR = r"[^\s，,。；;！!？?、：:（）()“”\"]"
# Words between the count and the outcome (名工人当场身亡): no punctuation, except the comma before 经抢救无效,
# and no second count of people.
_GAP_COMMA = r"[，,](?=(?:送医后|送医|后)?经?抢救无效|(?:送医后|后)?因伤重?不治)"
_GAP = rf"(?P<gap>(?:(?!{_COUNT}{_APPROX}?{_PERSON})(?:{_CLAUSE_CHAR}|{_GAP_COMMA})){{0,16}}?)"

# 造成3人死亡, 3名工人当场身亡, 另有3人失联, 十余人受伤
_COUNT_FIRST = re.compile(
    rf"(?P<lead>{_LEAD})?(?P<mod>{_MODIFIER})?(?P<num>{_COUNT})(?P<approx>{_APPROX})?{_PERSON}{_GAP}{_OUTCOME}"
)
# 造成死亡3人、受伤5人
_OUTCOME_FIRST = re.compile(
    rf"(?P<lead>{_LEAD})?{_OUTCOME}(?P<mod>{_MODIFIER})?(?P<num>{_COUNT})(?P<approx>{_APPROX})?{_PERSON}"
)
# 死亡人数升至12人, 遇难人数已上升到十一人
_HEADCOUNT = re.compile(
    rf"(?:(?P<death>死亡|遇难|罹难)|(?P<serious>重伤)|(?P<minor>轻伤)|(?P<injured>受伤)|(?P<missing>失联|失踪))"
    r"(?:者|人员)?(?:总人数|人数|总数)(?:已经?|现已|目前已?)?"
    r"(?:(?:上升|增加|攀升|升|增)(?:至|到)|达到|达|为|是|[:：])?"
    rf"(?P<mod>{_MODIFIER})?(?P<num>{_COUNT})(?P<approx>{_APPROX})?(?:{_PERSON})?"
)
# 3死2伤, 致两死五伤, 致1死, 造成3伤
_COMPACT = re.compile(
    rf"(?P<lead>{_LEAD})?(?P<dead>{_COUNT})死(?P<hurt>{_COUNT})(?P<grave>重)?伤(?![者亡])"
    rf"|(?P<lead2>{_LEAD})(?:(?P<dead2>{_COUNT})死(?![者亡伤])|(?P<hurt2>{_COUNT})(?P<grave2>重)?伤(?![者亡势情]))"
)
_AMOUNT = (
    rf"{_NOT_AFTER_NUMERAL}(?P<num>[数几上][十百千]|[0-9０-９]+(?:,[0-9]{{3}})*(?:[.．][0-9０-９]+)?|[{_CN_CHARS}点]+)"
    r"(?P<approx>余|多)?(?P<unit>千万|百万|十万|万|亿)?(?:余|多)?元"
)
_LOSS_NOUN = r"(?:直接|间接)?(?:经济|财产)?损失"
# 直接经济损失约1200万元, 经济损失达三千五百万元, 损失约800余万元
_LOSS_THEN_AMOUNT = re.compile(rf"{_LOSS_NOUN}(?P<gap>[^\s0-9０-９，,。；;！!？?、（）()元]{{0,10}}?){_AMOUNT}")
# 造成约1200万元的直接经济损失, 一点二亿元经济损失
_AMOUNT_THEN_LOSS = re.compile(rf"(?P<mod>{_MODIFIER})?{_AMOUNT}(?:人民币)?的?{_LOSS_NOUN}")
_NEGATION_BEFORE = re.compile(r"(?:无|没有?|未有?|并无|并未|并非)$")
_NEGATION_IN_GAP = re.compile(r"未|没|无(?!效)|不(?!幸|治|慎|同)|非|险|差点|几乎|免")
_BLOCKED_GAP = re.compile(r"死者|伤者家属|家属|亲属|遗体|获救|救出|脱险|生还|幸存")
_NOT_A_LOSS = re.compile(r"(?:挽回|避免|减少|赔偿|补偿|追回)$")
_NOT_A_LOSS_GAP = re.compile(r"近|不足|不到|低于|少于|不超过|未超过|以内|赔偿|补偿|赔付|挽回|追回")
_MULTIPLIERS = {"十万": 100_000, "百万": 1_000_000, "千万": 10_000_000, "万": 10_000, "亿": 100_000_000}
# Every pattern above needs one of these characters; most posts have none, and skip the patterns.
_TRIGGER = re.compile("[死亡难丧殒害毙故治伤危失落损]")
_SENTENCE_MARKS = "。！!？?；;\n"
_SENTENCE_END = re.compile(f"[{_SENTENCE_MARKS}]")
_SENTENCE = re.compile(f"[^{_SENTENCE_MARKS}]+")


# --- matching --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Hit:
    start: int
    end: int
    field: str
    figure: Figure


def _find_hits(text: str) -> Iterator[_Hit]:
    """Every figure in the text; where two patterns overlap, the one starting first (then longest) wins."""
    matches: list[tuple[re.Match[str], Callable[[str, re.Match[str]], list[_Hit]]]] = []
    for start, end in _sentences_with_trigger(text):
        for pattern, reader in _READERS:
            matches.extend((match, reader) for match in pattern.finditer(text, start, end))
    matches.sort(key=lambda item: (item[0].start(), -item[0].end()))
    taken_until = 0
    for match, reader in matches:
        if match.start() < taken_until:
            continue
        hits = reader(text, match)
        if hits:
            taken_until = match.end()
            yield from hits


def _sentences_with_trigger(text: str) -> Iterator[tuple[int, int]]:
    """Spans of the sentences that hold a trigger character: no pattern matches across a sentence end,
    and a long letter has only a few such sentences, so the patterns read a fraction of it."""
    for sentence in _SENTENCE.finditer(text):
        if _TRIGGER.search(text, sentence.start(), sentence.end()):
            yield sentence.span()


def _read_person_count(text: str, match: re.Match[str]) -> list[_Hit]:
    groups = match.groupdict()
    gap = groups.get("gap") or ""
    if (groups.get("mod") or "") in _NO_LOWER_BOUND or _negated(text, match.start()):
        return []
    if _BLOCKED_GAP.search(gap) or _NEGATION_IN_GAP.search(gap[-3:]):
        return []
    value = _person_count(groups["num"])
    if value is None:
        return []
    phrase = match.group(0)
    return [_Hit(match.start(), match.end(), name, Figure(value, phrase)) for name in _outcome_fields(match)]


def _read_compact(text: str, match: re.Match[str]) -> list[_Hit]:
    if _negated(text, match.start()):
        return []
    groups = match.groupdict()
    hurt_fields = ("serious_injuries", "injuries") if groups["grave"] or groups["grave2"] else ("injuries",)
    counts = (
        (("deaths",), groups["dead"] or groups["dead2"]),
        (hurt_fields, groups["hurt"] or groups["hurt2"]),
    )
    hits: list[_Hit] = []
    for names, numeral in counts:
        value = _person_count(numeral) if numeral else None
        if value is not None:
            hits.extend(_Hit(match.start(), match.end(), name, Figure(value, match.group(0))) for name in names)
    return hits


def _read_loss(text: str, match: re.Match[str]) -> list[_Hit]:
    if _NOT_A_LOSS.search(text[max(0, match.start() - 4) : match.start()]):
        return []
    groups = match.groupdict()
    if _NOT_A_LOSS_GAP.search((groups.get("gap") or "") + (groups.get("mod") or "")):
        return []
    amount = parse_number(match.group("num"))
    if amount is None:
        return []
    yuan = int(amount * _MULTIPLIERS.get(match.group("unit") or "", 1))
    return [_Hit(match.start(), match.end(), "economic_loss_yuan", Figure(yuan, match.group(0)))]


_READERS: tuple[tuple[re.Pattern[str], Callable[[str, re.Match[str]], list[_Hit]]], ...] = (
    (_COUNT_FIRST, _read_person_count),
    (_OUTCOME_FIRST, _read_person_count),
    (_HEADCOUNT, _read_person_count),
    (_COMPACT, _read_compact),
    (_LOSS_THEN_AMOUNT, _read_loss),
    (_AMOUNT_THEN_LOSS, _read_loss),
)


def _outcome_fields(match: re.Match[str]) -> tuple[str, ...]:
    """The fields an outcome word fills: a serious or minor injury is also an injury."""
    groups = match.groupdict()
    if groups.get("death"):
        return ("deaths",)
    if groups.get("serious"):
        return ("serious_injuries", "injuries")
    if groups.get("minor"):
        return ("minor_injuries", "injuries")
    if groups.get("injured"):
        return ("injuries",)
    return ("missing",)


def _paired_injuries(text: str, hits: list[_Hit]) -> Iterator[tuple[str, Figure]]:
    """Serious and minor injuries stated side by side (1人重伤、4人轻伤) add up to the injured."""
    graded = [hit for hit in hits if hit.field in ("serious_injuries", "minor_injuries")]
    for first, second in pairwise(graded):
        between = text[first.end : second.start]
        if first.field != second.field and len(between) <= 6 and not _SENTENCE_END.search(between):
            total = first.figure.value + second.figure.value
            yield "injuries", Figure(total, text[first.start : second.end])


def _negated(text: str, start: int) -> bool:
    return bool(_NEGATION_BEFORE.search(text[max(0, start - 3) : start]))


def _person_count(numeral: str) -> int | None:
    value = parse_number(numeral)
    if value is None or value != value.to_integral_value() or not 0 < value <= MAX_PERSONS:
        return None
    return int(value)


# --- numerals --------------------------------------------------------------------------------------


def _drop_range_upper(numeral: str) -> str:
    """两三 -> 两, 十二三 -> 十二, 三四十 -> 三十: of two consecutive digits keep the lower."""
    for index in range(len(numeral) - 1):
        low, high = _CN_DIGIT_VALUES.get(numeral[index]), _CN_DIGIT_VALUES.get(numeral[index + 1])
        if low is not None and high == low + 1:
            return numeral[: index + 1] + numeral[index + 2 :]
    return numeral


def _parse_chinese(numeral: str) -> Decimal | None:
    """A Chinese numeral read by cn2an; 百余 / 千 (a bare unit) means one of it, 一点二亿 is split."""
    if numeral[0] in _UNIT_VALUES and numeral[0] not in "十拾":
        numeral = "一" + numeral
    if len(numeral) > 1 and all(char in _CN_DIGIT_VALUES for char in numeral):
        return None  # 二二, 一九: digit strings are codes, not counts
    try:
        return Decimal(str(cn2an.cn2an(numeral, "normal")))
    except (ValueError, KeyError):  # cn2an rejects malformed numerals with either
        pass
    if len(numeral) > 1 and numeral[-1] in "万亿":
        head = _parse_chinese(numeral[:-1])
        return None if head is None else head * _UNIT_VALUES[numeral[-1]]
    return None


def _larger(first: Figure | None, second: Figure | None) -> Figure | None:
    if first is None:
        return second
    if second is None or second.value <= first.value:
        return first
    return second


def _figure_from_dict(name: str, data: Any) -> Figure | None:
    if data is None:
        return None
    if not isinstance(data, Mapping) or set(data) != {"value", "phrase"}:
        raise ValueError(f'伤亡字段 {name!r} 应为 {{"value": 整数, "phrase": 文本}}')
    value, phrase = data["value"], data["phrase"]
    if isinstance(value, bool) or not isinstance(value, int) or value < 0 or not isinstance(phrase, str):
        raise ValueError(f"伤亡字段 {name!r} 的 value 应为非负整数，phrase 应为文本")
    return Figure(value, phrase)
