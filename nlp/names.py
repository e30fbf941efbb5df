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
    """The key of a name: without a trailing 小区/社区/项目/工地/楼盘, and only when a proper part is left."""
    key = _TRAILING_KIND.sub("", name)
    if len(key) < _MIN_KEY or key in _GENERIC_PREFIXES:
        return ""
    not_names, frequent_nouns = _common_words()
    if key in not_names or key in frequent_nouns:
        return ""
    return key


# jieba's parts of speech that no estate, project or company is called by on its own: verbs, adverbs, pronouns,
# conjunctions, prepositions, time and direction words, numerals, adjectives, particles (部分小区, 维护小区,
# 之前小区, 以免工地 and 收费项目 are not named things). Nouns are common words only when frequent.
_NOT_NAME_TAGS = frozenset(
    {"v", "vn", "vd", "vg", "d", "ad", "r", "c", "p", "t", "tg", "f", "b", "a", "ag", "an", "m", "mq", "q"}
    | {"u", "uj", "ul", "uz", "ud", "y", "e", "o", "z", "s", "k"}
)
_COMMON_NOUN = 1000


@cache
def _common_words() -> tuple[frozenset[str], frozenset[str]]:
    """Words of jieba's dictionary that are not names (verbs, adverbs …) and frequent nouns (read on first use)."""
    not_names, nouns = [], []
    with JIEBA_DICTIONARY.open(encoding="utf-8") as lines:
        for line in lines:
            word, freq, tag = line.split()
            if tag in _NOT_NAME_TAGS:
                not_names.append(word)
            elif tag == "n" and int(freq) >= _COMMON_NOUN:
                nouns.append(word)
    return frozenset(not_names), frozenset(nouns)


def same_thing(a: str, b: str) -> bool:
    """Whether two keys name one thing: equal, the shorter (three characters or more) inside the longer, or of one
    length (three or more) and one character apart where the two characters sound alike (星沙中茂城 and 星沙中贸城:
    citizens type with pinyin input, and the homophone is the typo it makes; 保利西海岸 and 保利东海岸 stay two)."""
    if a == b:
        return True
    short, long = (a, b) if len(a) <= len(b) else (b, a)
    if len(short) >= 3 and short in long:
        return True
    if len(a) != len(b) or len(a) < 3:
        return False
    differing = [(x, y) for x, y in zip(a, b, strict=True) if x != y]
    return len(differing) == 1 and bool(_readings(differing[0][0]) & _readings(differing[0][1]))


@cache
def _readings(char: str) -> frozenset[str]:
    """The toneless pinyin readings of a Chinese character (all of them: 长 is chang and zhang); none for others."""
    if not "\u4e00" <= char <= "\u9fff":
        return frozenset()
    from pypinyin import Style, pinyin  # imported on first use: only grouping compares names

    return frozenset(pinyin(char, style=Style.NORMAL, heteronym=True)[0])


def strip_phase(text: str) -> str:
    """``text`` without a leading phase or building number (三期, 5栋): what follows a name, not part of it."""
    return _PHASE.sub("", text)
