"""Reposts and syndicated copies get SimHash fingerprints close to the original; different stories do not."""

from __future__ import annotations

import random

import pytest

from crawlers.neardup import bands, core_text, hamming, is_near_duplicate, simhash

ORIGINAL = """\
11月25日凌晨，济南市历下区某小区一栋高层住宅的外墙保温层发生大面积脱落，部分碎块砸中楼下停放的两辆汽车，所幸没有造成人员伤亡。
记者在现场看到，脱落部位位于该楼十五层至十八层之间，楼下已拉起警戒线，物业工作人员正在清理散落的保温材料。据小区居民介绍，事发时听到一声巨响，随后看到大块的白色材料从高处坠落，不少居民被惊醒后到楼下查看情况。
事发后，区住房和城乡建设局连夜组织专业人员到场排查，对该小区其余楼栋外墙进行了逐一检查，并要求物业公司和原施工单位在七日内拿出维修方案。相关负责人表示，将同步对辖区内同期建设的住宅小区开展外墙安全专项检查，发现问题立即督促整改。
据了解，该小区建成于二〇一二年，共有住宅楼十四栋，居民一千二百余户。近年来，小区业主多次向物业反映外墙存在空鼓、开裂等问题，物业曾组织过局部修补，但未进行系统检测。部分业主表示，希望借此次事件推动对整个小区外墙进行全面体检，并尽快启用专项维修资金。
区住房和城乡建设局相关负责人介绍，外墙保温层脱落多与材料老化、粘结不牢、施工质量不达标等因素有关，尤其是在冬季昼夜温差较大时，更容易出现开裂和空鼓。下一步，该局将委托第三方检测机构对涉事楼栋进行安全鉴定，依据鉴定结果确定责任主体和维修方案，并督促相关单位落实维修资金。
业内专家提醒，外墙保温层受风雨侵蚀和温差影响，使用年限较长后容易出现空鼓、开裂，居民在日常生活中应留意外墙是否有鼓包、裂缝、局部变色等异常情况，发现问题应及时向物业或住建部门反映。大风天气出行时，应尽量远离高层建筑外墙，避免在楼下长时间停留或停放车辆。
目前，涉事楼栋周边已设置安全防护区域，物业公司安排专人二十四小时值守，受损车辆的赔偿事宜正在协商处理中。区住房和城乡建设局表示，将持续跟踪维修进展，并及时向社会公布排查整改情况。"""

OTHER_STORY = """\
为加快推进既有住宅加装电梯工作，青岛市住房和城乡建设局决定自12月1日起开展为期一个月的集中办理活动，对符合条件的申请项目实行并联审批、限时办结。
据介绍，集中办理期间，各区市将设立加装电梯服务专窗，提供政策咨询、方案预审和图纸审查等一站式服务。对已取得业主同意的项目，审批时限由原来的二十个工作日压缩至十个工作日以内。
市住房和城乡建设局有关负责人表示，今年以来全市已完成既有住宅加装电梯四百余部，下一步将继续加大财政补助力度，让更多老旧小区居民享受到上下楼的便利。"""

SAME_TOPIC = """\
近日，淄博市张店区一处老旧小区外墙装饰层出现脱落，住建部门接到居民反映后立即组织人员到场处置，对脱落部位周边进行了围挡。
区住房和城乡建设局表示，将对辖区内建成超过十年的住宅小区外墙开展安全排查，发现空鼓、开裂等隐患的，督促物业和建设单位限期维修，并提醒居民雨雪大风天气注意远离建筑外墙。"""


def changed(text: str) -> str:
    """Two characters changed and two commas swapped for half-width ones."""
    return text.replace("两辆汽车", "2辆汽车").replace("一声巨响", "一声闷响").replace("，", ",", 2)


def repost(text: str) -> str:
    """A syndicated copy: a short prefix and suffix around a lightly edited text."""
    return "转载：" + changed(text) + "（来源：大众网）"


def test_fingerprint_is_signed_64_bit_and_stable() -> None:
    h = simhash(ORIGINAL)
    assert -(2**63) <= h < 2**63
    assert simhash(ORIGINAL) == h
    assert simhash("") == 0


def test_identical_after_normalisation() -> None:
    noisy = ORIGINAL.replace("，", "　，").replace("12", "１２") + "\u200b"
    assert simhash(noisy) == simhash(ORIGINAL)


def test_repost_with_prefix_suffix_and_changes_is_near() -> None:
    a, b = simhash(ORIGINAL), simhash(repost(ORIGINAL))
    assert hamming(a, b) <= 3
    assert is_near_duplicate(a, b)
    assert set(bands(a)) & set(bands(b))


@pytest.mark.parametrize(
    "wrapped",
    [
        "转自微信公众号“泉城生活”：\n{text}\n（来源：大众网 责任编辑：李明）",
        "原标题：济南一小区外墙保温层大面积脱落 砸中两辆汽车\n{text}\n责任编辑：王晓",
        "【转载】{text}（稿源：齐鲁网）",
        "本文转自闪电新闻客户端：{text}\n编辑：张华",
    ],
)
def test_syndication_wrappers_do_not_count(wrapped: str) -> None:
    """Without cutting the wrappers ~50 added characters cost a 1,100-character text 5 bits, beyond distance 3."""
    copy = wrapped.format(text=changed(ORIGINAL))
    assert core_text(copy) == changed(ORIGINAL)
    assert hamming(simhash(ORIGINAL), simhash(copy)) <= 3


def test_core_text_keeps_a_text_that_is_only_a_header() -> None:
    assert core_text("来源：大众网") == "来源：大众网"
    assert core_text("记者今天从市住建局获悉，外墙排查已经展开。") == "记者今天从市住建局获悉，外墙排查已经展开。"


@pytest.mark.parametrize("other", [OTHER_STORY, SAME_TOPIC])
def test_different_stories_are_far(other: str) -> None:
    distance = hamming(simhash(ORIGINAL), simhash(other))
    assert distance > 12
    assert not is_near_duplicate(simhash(ORIGINAL), simhash(other))


def test_hamming() -> None:
    assert hamming(0, 0) == 0
    assert hamming(0b1011, 0b0001) == 2
    assert hamming(-1, 0) == 64
    assert hamming(-(2**63), 2**63) == 0  # signed and unsigned forms of the same fingerprint
    assert hamming(5, 9) == hamming(9, 5)


def test_is_near_duplicate_threshold() -> None:
    assert is_near_duplicate(0, 0b111)
    assert not is_near_duplicate(0, 0b1111)
    assert is_near_duplicate(0, 0b1111, max_distance=4)


def test_bands_are_four_16_bit_parts() -> None:
    h = simhash(ORIGINAL)
    parts = bands(h)
    assert len(parts) == 4
    assert all(0 <= part < 2**16 for part in parts)
    unsigned = sum(part << (16 * i) for i, part in enumerate(parts))
    assert unsigned == h & (2**64 - 1)
    assert bands(-1) == (0xFFFF, 0xFFFF, 0xFFFF, 0xFFFF)


def test_within_distance_three_always_share_a_band() -> None:
    rng = random.Random(20261127)
    for _ in range(2000):
        a = rng.randrange(-(2**63), 2**63)
        flips = rng.sample(range(64), rng.randint(0, 3))
        b = a ^ sum(1 << bit for bit in flips)
        b = b - 2**64 if b >= 2**63 else b
        assert hamming(a, b) <= 3
        assert any(x == y for x, y in zip(bands(a), bands(b), strict=True))
