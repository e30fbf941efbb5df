"""The place finder: cities, districts, ambiguous district names, other provinces and false friends."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from nlp.places import DEFAULT_GAZETTEER, Place, PlaceFinder

SD = "山东省"

# (text, places found in order as (province, city, district))
FIND_CASES = [
    # Shandong cities and districts, with and without the levels above them
    ("济南市历城区一在建工地塔吊倒塌，两名工人受伤送医", [(SD, "济南市", "历城区")]),
    ("历城区某小区加装电梯申请迟迟没有回音", [(SD, "济南市", "历城区")]),
    ("山东省济南市历下区住建局回应业主诉求", [(SD, "济南市", "历下区")]),
    ("青岛西海岸新区一楼盘延期交房", [(SD, "青岛市", "青岛西海岸新区")]),
    ("黄岛区一在建项目深基坑积水", [(SD, "青岛市", "黄岛区")]),
    ("即墨区回迁房墙体开裂，居民盼维修", [(SD, "青岛市", "即墨区")]),
    ("寿光市一老旧小区改造完工", [(SD, "潍坊市", "寿光市")]),
    ("曲阜城区供暖管网改造开工", [(SD, "济宁市", "曲阜市")]),
    ("沂南县农村危房改造验收", [(SD, "临沂市", "沂南县")]),
    ("莱芜区一处违建被依法拆除", [(SD, "济南市", "莱芜区")]),
    ("烟台市芝罘区与威海市环翠区联合开展燃气安全检查", [(SD, "烟台市", "芝罘区"), (SD, "威海市", "环翠区")]),
    ("日照市东港区一小区暖气不热", [(SD, "日照市", "东港区")]),
    ("菏泽曹县一工地发生高处坠落事故", [(SD, "菏泽市", "曹县")]),
    # 市中区 exists in 济南 and 枣庄: resolved by a city nearby, skipped otherwise
    ("济南市市中区一居民楼外墙脱落", [(SD, "济南市", "市中区")]),
    ("枣庄市中区棚改安置房交付", [(SD, "枣庄市", "市中区")]),
    ("枣庄市住建局通报：市中区一工地停工整改", [(SD, "枣庄市", None), (SD, "枣庄市", "市中区")]),
    ("市中区一栋居民楼墙体开裂，住户连夜搬出", []),
    (
        "历下区、市中区、槐荫区联合开展占道经营整治",
        [(SD, "济南市", "历下区"), (SD, "济南市", "市中区"), (SD, "济南市", "槐荫区")],
    ),
    ("四川乐山市市中区老旧小区改造", [("四川省", "乐山市", None)]),
    # 高新区 alone is any city's; next to its city it is that city's zone
    ("某市高新区一在建项目脚手架垮塌", []),
    ("济南市高新区一写字楼电梯困人", [(SD, "济南市", "济南高新区")]),
    # other provinces, municipalities and prefectures
    ("江苏苏州一楼盘烂尾，业主集体维权", [("江苏省", "苏州市", None)]),
    ("杭州二手房成交量环比下降", [("浙江省", "杭州市", None)]),
    ("北京朝阳区一小区物业费上涨", [("北京市", "北京市", None)]),  # 长春 has a 朝阳区 too: left out
    ("北京海淀区一小区物业费上涨", [("北京市", "北京市", "海淀区")]),
    ("闵行楼房倒塌抢险工作结束", [("上海市", "上海市", "闵行区")]),  # a municipality's district without its city
    ("河东区一工地塔吊倒塌", [("山东省", "临沂市", "河东区")]),  # 天津 has one too: left out, 临沂's stays
    ("上海静安一小区电梯故障", [("上海市", "上海市", "静安区")]),  # a weak alias, backed by its municipality
    # stock phrases that hold a municipal district's name
    ("祝愿祖国繁荣昌盛，小区环境安静安全", []),
    ("河西区域规划调整，河东城区老街改造", []),
    ("吉林省吉林市棚户区改造提速", [("吉林省", "吉林市", None)]),
    ("陕西安康一在建工地发生坍塌", [("陕西省", "安康市", None)]),
    ("云南大理州一村民自建房倒塌", [("云南省", "大理白族自治州", None)]),
    ("内蒙古呼和浩特公租房配租启动", [("内蒙古自治区", "呼和浩特市", None)]),
    # no place, and false friends
    ("物业费又涨了，业委会却一直不出面", []),
    ("城东营业厅排起长队", []),
    ("祝大家平泰安康，新春快乐", []),
    ("身体安康，万事如意", []),
    ("北京时间昨晚八点，发布会开始", []),
    ("新楼挡住了日照，日照时间不足两小时", []),
    ("区域经济南北差距仍然明显", []),
    ("高密度住宅区的消防通道被堵", []),
    ("各位来宾，欢迎参加交付仪式", []),
    ("城西安置小区分房结果公示", []),
    ("确保定期巡查燃气管道", []),
    ("青岛市南区山东路一处路面塌陷", [(SD, "青岛市", "市南区")]),
    ("东营业主到售楼处讨说法", [(SD, "东营市", None)]),
    # abroad: a country is its own province and city; names inside other words are not countries
    ("尼日利亚一座楼房倒塌造成10人伤亡", [("尼日利亚", "尼日利亚", None)]),
    ("澳洲房价连跌三个月", [("澳大利亚", "澳大利亚", None)]),
    ("延边朝鲜族自治州老旧小区改造", [("吉林省", "延边朝鲜族自治州", None)]),
    ("今日本市发布住房公积金新政", []),
    ("印度洋沿岸城市积水严重", []),
    ("沿海地区台风过后多处积水", []),
    ("3月22日本人再次向物业反映，违法国家法规", []),  # a date and 本人; 违法 and 国家
    ("华美国际小区外墙开裂，星沙特大暴雨", []),  # an estate; 星沙 and 特大
    ("日本地震致多栋房屋倒塌", [("日本", "日本", None)]),
]


@pytest.fixture(scope="module")
def finder() -> PlaceFinder:
    return PlaceFinder()


@pytest.mark.parametrize(("text", "expected"), FIND_CASES, ids=[f"case{i:02d}" for i in range(len(FIND_CASES))])
def test_find(finder: PlaceFinder, text: str, expected: list[tuple[str, str | None, str | None]]) -> None:
    assert [(p.province, p.city, p.district) for p in finder.find(text)] == expected


def test_nested_names_are_one_mention(finder: PlaceFinder) -> None:
    assert finder.find("山东省济南市历城区") == [Place(SD, "济南市", "历城区", "山东省济南市历城区")]
    assert finder.find("山东济南") == [Place(SD, "济南市", None, "山东济南")]
    assert finder.find("历城区") == [Place(SD, "济南市", "历城区", "历城区")]


def test_places_come_once_in_order_of_first_mention(finder: PlaceFinder) -> None:
    text = "青岛一小区停水，济南也有类似投诉，青岛市水务部门称明日恢复供水。"
    assert [(p.city, p.mention) for p in finder.find(text)] == [("青岛市", "青岛"), ("济南市", "济南")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("济南市历城区一在建工地塔吊倒塌", Place(SD, "济南市", "历城区", "济南市历城区")),
        # the city most mentioned wins over a passing district of another city
        ("济南连日降雨，济南多处积水，青岛市黄岛区也有积水，济南市民反映井盖缺失", Place(SD, "济南市", None, "济南")),
        # a district counts for its city and province
        ("山东一工地事故：历城区某项目停工，济南市住建局开展排查", Place(SD, "济南市", "历城区", "历城区")),
        ("江苏南京、江苏苏州两地出台购房补贴", Place("江苏省", "南京市", None, "江苏南京")),
        ("山东省住建厅部署全省城镇燃气安全排查", Place(SD, None, None, "山东省")),
        ("市中区一栋居民楼墙体开裂", None),
        ("业主到售楼处维权", None),
        # abroad only when no place at home is named: 比美国… is a comparison
        ("尼日利亚一座楼房倒塌，尼日利亚救援人员赶到", Place("尼日利亚", "尼日利亚", None, "尼日利亚", abroad=True)),
        ("美国房价涨了美国人都买不起，济南房价比美国还离谱", Place(SD, "济南市", None, "济南")),
    ],
)
def test_best(finder: PlaceFinder, text: str, expected: Place | None) -> None:
    assert finder.best(text) == expected


@pytest.mark.parametrize(
    ("name", "province"),
    [
        ("济南", SD),
        ("济南市", SD),
        ("历城区", SD),
        ("市中区", SD),  # in two cities, both in Shandong
        ("寿光", SD),
        ("苏州", "江苏省"),
        ("北京", "北京市"),
        ("吉林", "吉林省"),
        ("吉林市", "吉林省"),
        ("安康", "陕西省"),
        ("延边", "吉林省"),
        ("广西", "广西壮族自治区"),
        ("高新区", None),  # every city has one
        ("东京", None),
        ("", None),
    ],
)
def test_province_of(finder: PlaceFinder, name: str, province: str | None) -> None:
    assert finder.province_of(name) == province


MUNICIPALITIES = ("北京市", "上海市", "天津市", "重庆市")


def test_the_gazetteer_covers_china_and_every_shandong_county() -> None:
    data = json.loads(DEFAULT_GAZETTEER.read_text(encoding="utf-8"))
    assert len(data["provinces"]) == 34
    assert len(data["cities"]) == 333  # 293 cities, 7 地区, 30 autonomous prefectures, 3 leagues
    shandong_cities = [c["name"] for c in data["cities"] if c["province"] == SD]
    assert len(shandong_cities) == 16
    counties = [d for d in data["districts"] if d["kind"] != "zone" and d["city"] not in MUNICIPALITIES]
    assert len(counties) == 136
    per_municipality = Counter(d["city"] for d in data["districts"] if d["city"] in MUNICIPALITIES)
    # without the names another city's district bears too (朝阳区, 通州区, 普陀区 …) and 河北区
    assert per_municipality == {"北京市": 14, "上海市": 14, "天津市": 13, "重庆市": 37}
    per_city = {city: sum(1 for d in counties if d["city"] == city) for city in shandong_cities}
    assert per_city == {
        "济南市": 12,
        "青岛市": 10,
        "淄博市": 8,
        "枣庄市": 6,
        "东营市": 5,
        "烟台市": 11,
        "潍坊市": 12,
        "济宁市": 11,
        "泰安市": 6,
        "威海市": 4,
        "日照市": 4,
        "临沂市": 12,
        "德州市": 11,
        "聊城市": 8,
        "滨州市": 7,
        "菏泽市": 9,
    }


def test_a_gazetteer_naming_an_unknown_city_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "gazetteer.json"
    path.write_text(
        json.dumps(
            {
                "version": 1,
                "provinces": [{"name": "山东省", "aliases": ["山东"]}],
                "cities": [{"name": "济南市", "aliases": ["济南"], "province": "山东省"}],
                "districts": [{"name": "黄岛区", "city": "青岛市", "kind": "district"}],
            },
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    with pytest.raises(ValueError, match="青岛市"):
        PlaceFinder(path)
