"""Casualty and loss figures: numerals, approximations, negations, the largest figure, merge and JSON."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from nlp.casualties import Casualties, Figure, extract, parse_number


def fig(value: int, phrase: str) -> dict[str, Any]:
    return {"value": value, "phrase": phrase}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # deaths
        ("事故造成3人死亡。", {"deaths": fig(3, "造成3人死亡")}),
        ("已造成1人遇难", {"deaths": fig(1, "已造成1人遇难")}),
        ("2人经抢救无效死亡", {"deaths": fig(2, "2人经抢救无效死亡")}),
        ("3名工人当场身亡", {"deaths": fig(3, "3名工人当场身亡")}),
        ("一名工人死亡", {"deaths": fig(1, "一名工人死亡")}),
        ("一名60岁男子从脚手架坠落身亡", {"deaths": fig(1, "一名60岁男子从脚手架坠落身亡")}),
        ("3名伤者经抢救无效死亡", {"deaths": fig(3, "3名伤者经抢救无效死亡")}),
        ("一名工人不慎从5楼坠落，经抢救无效死亡", {"deaths": fig(1, "一名工人不慎从5楼坠落，经抢救无效死亡")}),
        ("该小区一名8岁男孩坠亡", {"deaths": fig(1, "一名8岁男孩坠亡")}),
        ("死亡人数升至12人", {"deaths": fig(12, "死亡人数升至12人")}),
        ("遇难人数已上升到十一人", {"deaths": fig(11, "遇难人数已上升到十一人")}),
        ("罹难人数为5人", {"deaths": fig(5, "罹难人数为5人")}),
        # compact forms
        ("致两死五伤", {"deaths": fig(2, "致两死五伤"), "injuries": fig(5, "致两死五伤")}),
        ("塔吊倒塌3死2伤", {"deaths": fig(3, "3死2伤"), "injuries": fig(2, "3死2伤")}),
        (
            "爆炸致1死3重伤",
            {
                "deaths": fig(1, "致1死3重伤"),
                "serious_injuries": fig(3, "致1死3重伤"),
                "injuries": fig(3, "致1死3重伤"),
            },
        ),
        ("造成死亡3人、受伤5人", {"deaths": fig(3, "造成死亡3人"), "injuries": fig(5, "受伤5人")}),
        # injuries, serious and minor
        ("2人受伤送医", {"injuries": fig(2, "2人受伤")}),
        ("5人重伤", {"serious_injuries": fig(5, "5人重伤"), "injuries": fig(5, "5人重伤")}),
        (
            "1人重伤、4人轻伤",
            {"serious_injuries": fig(1, "1人重伤"), "injuries": fig(5, "1人重伤、4人轻伤")},
        ),
        ("其中2人伤势严重", {"serious_injuries": fig(2, "2人伤势严重"), "injuries": fig(2, "2人伤势严重")}),
        ("3人不同程度受伤", {"injuries": fig(3, "3人不同程度受伤")}),
        ("4名路人被砸伤", {"injuries": fig(4, "4名路人被砸伤")}),
        # numerals and approximations (lower bounds)
        ("十余人受伤", {"injuries": fig(10, "十余人受伤")}),
        ("二十多人受伤", {"injuries": fig(20, "二十多人受伤")}),
        ("十几人受伤", {"injuries": fig(10, "十几人受伤")}),
        ("百余人受伤", {"injuries": fig(100, "百余人受伤")}),
        ("数十人受伤", {"injuries": fig(20, "数十人受伤")}),
        ("两三人受伤", {"injuries": fig(2, "两三人受伤")}),
        ("两人受伤", {"injuries": fig(2, "两人受伤")}),
        ("俩人受伤", {"injuries": fig(2, "俩人受伤")}),
        ("１２人受伤", {"injuries": fig(12, "１２人受伤")}),
        # missing
        ("另有3人失联", {"missing": fig(3, "3人失联")}),
        ("仍有2人下落不明", {"missing": fig(2, "2人下落不明")}),
        # economic loss
        ("直接经济损失约1200万元", {"economic_loss_yuan": fig(12_000_000, "直接经济损失约1200万元")}),
        ("直接经济损失1.2亿元", {"economic_loss_yuan": fig(120_000_000, "直接经济损失1.2亿元")}),
        ("经济损失达三千五百万元", {"economic_loss_yuan": fig(35_000_000, "经济损失达三千五百万元")}),
        ("损失约800余万元", {"economic_loss_yuan": fig(8_000_000, "损失约800余万元")}),
        ("损失1,200万元", {"economic_loss_yuan": fig(12_000_000, "损失1,200万元")}),
        ("直接经济损失一点二亿元", {"economic_loss_yuan": fig(120_000_000, "直接经济损失一点二亿元")}),
        ("造成约1200万元的直接经济损失", {"economic_loss_yuan": fig(12_000_000, "约1200万元的直接经济损失")}),
        ("经济损失数百万元", {"economic_loss_yuan": fig(2_000_000, "经济损失数百万元")}),
        # not figures
        ("事故无人员伤亡", {}),
        ("所幸未造成人员伤亡", {}),
        ("暂无人员伤亡报告", {}),
        ("无一人死亡", {}),
        ("车内3人均未受伤", {}),
        ("3人险些遇难", {}),
        ("事故造成3人伤亡", {}),
        ("该类事故死亡率较高", {}),
        ("消防员救出被困群众，3人获救", {}),
        ("11月27日3时", {}),
        ("1名死者家属情绪激动", {}),
        ("3名遇难者家属已到达现场", {}),
        ("举报电话13812345678", {}),
        ("10层楼", {}),
        ("现场3台塔吊", {}),
        ("近10人死亡", {}),
        ("为群众挽回经济损失300万元", {}),
        # several figures in one text: the largest per field wins
        (
            "11月27日3时许，XX小区3号楼发生坍塌，截至18时已造成3人死亡、1人重伤、4人轻伤，另有2人失联，"
            "直接经济损失约1200万元。",
            {
                "deaths": fig(3, "已造成3人死亡"),
                "serious_injuries": fig(1, "1人重伤"),
                "injuries": fig(5, "1人重伤、4人轻伤"),
                "missing": fig(2, "2人失联"),
                "economic_loss_yuan": fig(12_000_000, "直接经济损失约1200万元"),
            },
        ),
        ("事故初步造成2人死亡。续报：死亡人数升至5人。", {"deaths": fig(5, "死亡人数升至5人")}),
        ("5人受伤，其中2人重伤", {"injuries": fig(5, "5人受伤"), "serious_injuries": fig(2, "2人重伤")}),
        ("1人当场死亡，1人经抢救无效死亡", {"deaths": fig(1, "1人当场死亡")}),
        ("10名工人被困，其中3人死亡", {"deaths": fig(3, "3人死亡")}),
        (
            "初报损失约800余万元；核定直接经济损失1.2亿元",
            {"economic_loss_yuan": fig(120_000_000, "直接经济损失1.2亿元")},
        ),
    ],
)
def test_extract(text: str, expected: dict[str, Any]) -> None:
    result = extract(text)
    assert result.to_dict() == expected
    for figure in expected.values():
        assert figure["phrase"] in text


@pytest.mark.parametrize(
    ("numeral", "value"),
    [
        ("两", 2),
        ("十", 10),
        ("十一", 11),
        ("百", 100),
        ("一千二百", 1200),
        ("一千二", 1200),
        ("三千五百万", 35_000_000),
        ("两三", 2),
        ("十二三", 12),
        ("三四十", 30),
        ("数十", 20),
        ("几百", 200),
        ("上百", 100),
        ("一点二亿", 120_000_000),
        ("1.2", Decimal("1.2")),
        ("１２", 12),
        ("二二", None),
        ("十十", None),
        ("陆仟五玖千拾伍", None),
    ],
)
def test_parse_number(numeral: str, value: int | Decimal | None) -> None:
    assert parse_number(numeral) == value


def test_merge_keeps_the_largest_figure_per_field() -> None:
    first = Casualties(deaths=Figure(2, "造成2人死亡"), injuries=Figure(5, "5人受伤"))
    later = Casualties(deaths=Figure(5, "死亡人数升至5人"), injuries=Figure(3, "3人受伤"), missing=Figure(1, "1人失联"))
    assert first.merge(later) == Casualties(
        deaths=Figure(5, "死亡人数升至5人"), injuries=Figure(5, "5人受伤"), missing=Figure(1, "1人失联")
    )


def test_merge_keeps_the_earlier_figure_on_a_tie() -> None:
    first = Casualties(deaths=Figure(3, "造成3人死亡"))
    assert first.merge(Casualties(deaths=Figure(3, "3人遇难"))).deaths == Figure(3, "造成3人死亡")
    assert Casualties().merge(first) == first
    assert first.merge(Casualties()) == first


def test_merge_of_extracted_reports() -> None:
    merged = extract("已造成1人遇难，2人受伤").merge(extract("遇难人数已上升到十一人"))
    assert merged.to_dict() == {"deaths": fig(11, "遇难人数已上升到十一人"), "injuries": fig(2, "2人受伤")}


def test_dict_round_trip() -> None:
    casualties = extract("造成3人死亡、1人重伤，直接经济损失约1200万元")
    data = casualties.to_dict()
    assert data == {
        "deaths": fig(3, "造成3人死亡"),
        "serious_injuries": fig(1, "1人重伤"),
        "injuries": fig(1, "1人重伤"),
        "economic_loss_yuan": fig(12_000_000, "直接经济损失约1200万元"),
    }
    assert Casualties.from_dict(data) == casualties
    assert Casualties.from_dict({}) == Casualties()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"dead": fig(1, "1人死亡")}, "dead"),
        ({"deaths": 3}, "deaths"),
        ({"deaths": {"value": "3", "phrase": "3人死亡"}}, "deaths"),
        ({"deaths": {"value": True, "phrase": "3人死亡"}}, "deaths"),
        ({"injuries": {"value": -1, "phrase": "1人受伤"}}, "injuries"),
    ],
)
def test_from_dict_names_the_wrong_field(data: dict[str, Any], field: str) -> None:
    with pytest.raises(ValueError, match=field):
        Casualties.from_dict(data)


def test_truth_value() -> None:
    assert not extract("无人员伤亡")
    assert extract("造成3人死亡")
