"""What grouping reads of a post's surface (hashtags, repost marks, stubs), the named things it speaks of, and the
matter it is about; sentences written by the team in the registers of real posts."""

from __future__ import annotations

import pytest

from nlp.matters import find_matters
from nlp.names import find_names, same_thing
from nlp.surface import body, clean_title, hashtags


def test_body_leaves_out_hashtags_repost_marks_stubs_and_the_location_stamp() -> None:
    said = body("//@某网友:真的吗 #某地新增确诊13例# 翠柳花园二期楼塌了 O网页链接 2济南")
    assert said.split() == ["真的吗", "翠柳花园二期楼塌了"]
    assert hashtags("#甲事件# 正文 #乙事件#") == ["甲事件", "乙事件"]


def test_a_count_is_not_mistaken_for_a_location_stamp() -> None:
    assert body("塔吊倒塌 2人受伤") == "塔吊倒塌 2人受伤"


@pytest.mark.parametrize(
    ("title", "text", "expected"),
    [
        ("", "#某地新增确诊13例# 【济南一酒店坍塌】据报道今天下午……", "济南一酒店坍塌"),
        ("", "转发微博 #翠柳花园# 槐荫区一工地脚手架坍塌[泪] O网页链接", "槐荫区一工地脚手架坍塌"),
        ("【大众网】历城区塔吊倒塌致2人受伤", "", "历城区塔吊倒塌致2人受伤"),
        ("", "路过东湖春晓小区，工地夜里还在打桩。孩子一晚上没睡好", "路过东湖春晓小区，工地夜里还在打桩"),
        ("", "#话题# [doge]", ""),
        ("", "太给力了！【某某部门：暂无收入的人可延后还房贷】#话题# 通知说……", "某某部门：暂无收入的人可延后还房贷"),
        ("", "【转】小区门口的路又挖开了，一个月挖了三次", "小区门口的路又挖开了，一个月挖了三次"),
        # a bracket at the end of a news title is an appendix, not the headline
        ("深圳出台楼市新政，首付比例降至两成【附政策原文及专家解读】", "", "深圳出台楼市新政，首付比例降至两成"),
        # a dateline says who and when; a hashtag inside a headline is its subject; a price is an advert
        ("", "转发：【新华社北京1月26日电】记者获悉，将改造老旧小区", "转发： 记者获悉，将改造老旧小区"),
        ("", "【#某省继续延迟复工# 不得早于2月20日24时】", "某省继续延迟复工 不得早于2月20日24时"),
        ("", "家用静音风扇【159元（需用券）】速抢", "家用静音风扇 速抢"),
    ],
)
def test_clean_title(title: str, text: str, expected: str) -> None:
    assert clean_title(title, text) == expected


def test_names_of_estates_companies_and_phases() -> None:
    assert find_names("关于中海国际社区三期物业乱收费的问题。中海国际社区三期业主反映") == ["中海国际"]
    assert "某某置业有限公司" in find_names("某某置业有限公司的工地夜间施工")
    assert find_names("#翠柳花园二期# 今天天气真好") == []  # a hashtag is not what the post says


def test_a_generic_kind_word_is_not_a_name() -> None:
    assert find_names("老旧小区改造和安置小区建设都在推进") == []


def test_a_common_word_before_a_kind_word_is_not_a_name() -> None:
    """部分小区, 维护小区, 之前小区, 以免工地: jieba's dictionary knows these as a frequent noun, a verb, a direction
    word, a conjunction; estates called by adjectives, rare words or proper names stay, and so do roads."""
    text = "部分小区环境差，之前小区没人管，维护小区环境靠业主，以免工地扰民。锦绣小区、向阳小区和陈家湖小区也一样。"
    assert find_names(text) == ["锦绣", "向阳", "陈家湖"]
    assert find_names("幸福小区、胜利小区、大元社区、富康小区，五一路、学院路") == [
        "幸福",
        "胜利",
        "大元",
        "富康",
        "五一路",
        "学院路",
    ]


def test_same_thing_is_containment_of_a_proper_part() -> None:
    assert same_thing("中海国际社区三期", "中海国际社区")
    assert not same_thing("中海国际", "华润国际")


def test_same_thing_forgives_one_homophone_typo() -> None:
    assert same_thing("星沙中茂城", "星沙中贸城")  # mao, mao: what a pinyin input method gets wrong
    assert not same_thing("保利西海岸", "保利东海岸")  # one character apart, not alike in sound: two estates
    assert not same_thing("青青家园", "青山家园")
    assert not same_thing("中茂城", "中贸城")  # three characters say too little
    assert not same_thing("天悦幼儿园", "天乐幼儿园")  # 乐 is read yue only in music: the usual reading counts
    assert not same_thing("桃花苑", "桃花源")  # the kind word differs
    assert not same_thing("黄鹤大道", "黄河大道")  # two roads
    assert not same_thing("A3栋", "A4栋")


def test_matters() -> None:
    assert find_matters("塔吊倒塌") == ["collapse", "crane"]
    assert find_matters("房贷断供停贷") == ["mortgage"]
    assert find_matters("夜间施工噪音扰民") == ["noise"]
    assert find_matters("精装房的交付标准与样板间不符") == ["fitout"]
    assert find_matters("开发商捂盘惜售，房产证五年办不下来") == ["title_deed", "sales"]
    assert find_matters("今天天气很好") == []
