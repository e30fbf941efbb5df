"""Named things: the estates, projects, sites, roads, companies and buildings a post is about.

Two letters naming 青青家园 or two posts naming 火神山医院 most likely speak of one matter; the gazetteer
(``nlp.places``) finds only administrative places, which say where but not what. A named thing here is a
proper name followed by the generic word that says what kind of thing it is (家园, 花园, 国际城, 小区, 项目,
工地, 医院, 路 …): the name is the run of characters before that word, cut at the last administrative unit
(…市, …区, …街道, …社区), function word or verb of complaint before it, so "我是A3区天顶街道青山新村社区青青家园的
居民" gives 青青家园 and "坚决反对在A7县诺亚山林小区门口设置医院" gives 诺亚山林小区.

:func:`find_names` returns each name once, in the order found, as its *key*: the name without a trailing
小区/社区/项目/工地/楼盘 and without phase or building numbers (中海国际社区三期 → 中海国际), so the letters of
one estate meet whatever they call it. :func:`same_thing` also matches a key inside a longer one
(诺亚山林 in 鹏基诺亚山林). Hashtags are left out (``nlp.surface.body`` first): a hashtag names what a post
is filed under, not what it speaks of.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import jieba

from nlp.surface import body

JIEBA_DICTIONARY = Path(jieba.__file__).resolve().parent / "dict.txt"

# Generic words that end a name, longest first (the alternation tries them in order).
_KINDS = (
    "国际社区|国际城|国际|小区|社区|花园|家园|公寓|大厦|广场|华庭|华府|名苑|山庄|别墅|公馆|新村|新城|庄园|"
    "商业街|步行街|棚户区|安置区|片区|地块|城中村|安置房|大道|医院|学校|幼儿园|小学|中学|大学|公司|集团|酒店|宾馆|商场|市场|工程|项目|工地|楼盘|"
    "中心|大桥|隧道|高架|湾|苑|府|城(?!市|区|管|乡|际)|邸|园|路|街(?!道)|桥|厂"
)
_NAME = re.compile(rf"(?:{_KINDS})")
_NAME_CHARS = re.compile(r"[\u4e00-\u9fffA-Za-z0-9·]+$")
# Where a name cannot reach back across: administrative units, function words, complaint verbs.
_CUT = re.compile(
    r"^.*(?:省|市|区|县|镇|乡|街道|社区|村委会|的|了|是|和|与|及|我们|我|你们|你|他们|他|她|这|那|该|请|把|被|让|致|"
    r"附近|周边|周围|家门口|门口|关于|反映|投诉|举报|建议|希望|要求|反对|支持|什么|设置|设立|开设|开办|建设|修建|"
    r"新建|扩建|改建|影响|严重|导致|使得|造成|穿越|呼吁|重视|相信|感谢|根据|具备|进出|开挖|围挡|沿着|前往|经过|"
    r"位于|属于|包括|例如|比如|以及|还有|而且|但是|因为|所以|如果|已经|正在|一直|居然|竟然|甩锅|不管|以上|以下|"
    r"进一步|逐步|组织|推动|恢复|加强|严格|快速|建成|没有|时候|上班|出门|进入|体现|配合|联系|占用|核实|登记|扰乱|"
    r"一个|一座|一栋|一条|一处|一家|一位|这个|那个|整个|[0-9]+[号期栋])"
)
_TRAILING_KIND = re.compile(
    r"(?:[一二三四五六七八九十\d]+期)?(?:小区|社区|项目|工地|楼盘)?(?:[一二三四五六七八九十\d]+期)?$"
)
_PHASE = re.compile(r"^\s*(?:[一二三四五六七八九十\d]+期|[A-Za-z]区|\d+栋|\d+号楼)")
# Names that are only a kind word with a common modifier: many things everywhere, not one.
_GENERIC_WORDS = (
    "人民 城市 公共 配套 安置 老旧 新建 相关 有关 其他 所有 整个 目前 现在 但是 导致 影响 "
    "破坏 附近 周边 周围 市政 政 学 物业 开发 房地产 建筑 有限 责任 自来水 燃气 供电 电力 "
    "股份 投资 置业 商品房 商品 住宅 马 十字 交叉 道 高速 铁 公 地铁 公交 停车 菜 农贸 "
    "农 城际 环 外 内 东 西 南 北 中 大 小 新 老 旧 全 该 本 此 各 多 几 某 某某 "
    "公办 民办 私立 公立 普惠 实验 国际 国 省 市 县 区 镇 乡 村 街 居民 家属 高档 大型 "
    "预留 建设 重点建设 人口密集 高危 商业 单位 职工 回迁 拆迁 还建 保障房 廉租房 公租房 "
    "经适房 棚改 综合 专科 眼科 中心 涉事 征收 在建 拟建 开放式 水泥 泥巴 大马 众志成 工业 "
    "民生 重点 形象 改造 惠民 豆腐渣 主要 快速 级 村级 村道 集贸 终点 公交车 高铁 快递 "
    "电信 卫生服务 公共卫生 疾控 定点 方舱 附属 三甲 儿童 专门 施工 现场施工 普惠性 外国语 "
    "理工 中职 加油 垃圾转运 垃圾中转 质监 立交 高架 全国文明 创建文明 美好 社区 必经之 "
    "走投无 断头 境内公 属地 文明 政务 汽车 火车 垃圾 变电 人行天 网 一 "
)
_GENERIC_PREFIXES = frozenset(_GENERIC_WORDS.split())
_MIN_KEY = 2
_MAX_PREFIX = 6
_MAX_ROAD_PREFIX = 5
_ROADS = frozenset(("路", "街", "大道", "桥", "大桥"))


def find_names(text: str) -> list[str]:
    """The keys of the named things ``text`` speaks of, each once, in order (hashtags left out)."""
    said = body(text)
    keys: list[str] = []
    for match in _NAME.finditer(said):
        reach = _MAX_ROAD_PREFIX if match.group(0) in _ROADS else _MAX_PREFIX
        before = said[max(0, match.start() - reach) : match.start()]
        run = _NAME_CHARS.search(before)
        if run is None:
            continue
        prefix = _CUT.sub("", run.group(0))
        prefix = prefix.removeprefix("一")
        if len(prefix) < _MIN_KEY or prefix in _GENERIC_PREFIXES or prefix.isdigit():
            continue
        name = prefix + match.group(0)
        if name.endswith("政府"):
            continue
        key = name_key(name)
        if key and key not in keys:
            keys.append(key)
    return keys


def name_key(name: str) -> str:
    """The key of a name: without a trailing 小区/社区/项目/工地/楼盘, and only when a proper part is left (not a
    common word: 部分小区 and 维护小区 name nothing)."""
    key = _TRAILING_KIND.sub("", name)
    if len(key) < _MIN_KEY or key in _GENERIC_PREFIXES or (key != name and key in _common_words()):
        return ""
    return key


# What is left of 部分小区, 维护小区, 之前小区, 以免工地 or 自己小区 once the kind word is cut off is a word jieba's
# dictionary tags as a verb, adverb, pronoun, conjunction, preposition, time or direction word, numeral or
# particle, and uses often; or a very frequent noun (问题, 情况, 工程). Adjectives and verbal nouns stay names:
# 幸福小区, 和谐小区, 胜利小区 are estates; so do rare words (大元社区, 富康小区) and what keeps its kind (五一路).
_NOT_NAME_TAGS = frozenset(
    {"v", "vd", "vg", "d", "ad", "r", "c", "p", "t", "tg", "f", "b", "m", "mq", "q"}
    | {"u", "uj", "ul", "uz", "ud", "y", "e", "o", "z", "k"}
)
_COMMON_WORD = 100
_COMMON_NOUN = 5000


@cache
def _common_words() -> frozenset[str]:
    """The words of jieba's dictionary that are common words rather than names (read once, on first use)."""
    words = []
    with JIEBA_DICTIONARY.open(encoding="utf-8") as lines:
        for line in lines:
            word, freq, tag = line.split()
            count = int(freq)
            if (tag in _NOT_NAME_TAGS and count >= _COMMON_WORD) or (tag == "n" and count >= _COMMON_NOUN):
                words.append(word)
    return frozenset(words)


def same_thing(a: str, b: str) -> bool:
    """Whether two keys name one thing: equal, the shorter (three characters or more) inside the longer, or of one
    length (four or more) and one character apart, not the last, where the two characters sound alike (星沙中茂城 and
    星沙中贸城: citizens type with pinyin input, and the homophone is the typo it makes; 保利西海岸 and 保利东海岸
    stay two)."""
    if a == b:
        return True
    short, long = (a, b) if len(a) <= len(b) else (b, a)
    if len(short) >= 3 and short in long:
        return True
    if len(a) != len(b) or len(a) < _MIN_HOMOPHONE or a.endswith(_ROAD_ENDS):
        return False
    differing = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
    if len(differing) != 1 or differing[0] == len(a) - 1:  # 桃花苑 and 桃花源: the kind word differs
        return False
    at = differing[0]
    reading = _reading(a[at])
    return reading is not None and reading == _reading(b[at])


# Homophones are forgiven in names of four characters or more, not in roads (黄鹤路 and 黄河路, 银星路 and 银杏路
# are two roads), and only by each character's usual reading (园 is yuan, not wan; 乐 is le).
_MIN_HOMOPHONE = 4
_ROAD_ENDS = ("路", "街", "大道", "道", "桥", "巷")


@cache
def _reading(char: str) -> str | None:
    """The usual toneless pinyin reading of a Chinese character; None for anything else."""
    if not "\u4e00" <= char <= "\u9fff":
        return None
    from pypinyin import Style, pinyin  # imported on first use: only grouping compares names

    return str(pinyin(char, style=Style.NORMAL, heteronym=False)[0][0])


def strip_phase(text: str) -> str:
    """``text`` without a leading phase or building number (三期, 5栋): what follows a name, not part of it."""
    return _PHASE.sub("", text)
