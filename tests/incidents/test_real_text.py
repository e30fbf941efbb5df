"""Grouping on text as real posts are written (fixtures written by the team in those registers, no real text):
hashtags are what a post is filed under, named things are the strongest evidence, a post the tagger missed joins
the incident it matches, letters about one estate form one thread across a pause, titles are clean."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, select

from incidents.render import details, view
from storage.models import Incident, WaitingLetter
from tests.incidents.builders import HOUR, NOW, World

DAY = timedelta(days=1)
WEEK = timedelta(days=7)
URBAN = "urban_management"
HOUSING = "housing_market"
ENGINEERING = "engineering_quality"

COLLAPSE = [
    (
        "济南槐荫区翠柳花园二期工地脚手架坍塌 3名工人受伤",
        "济南市槐荫区翠柳花园二期在建工地脚手架坍塌，3名工人受伤送医。",
    ),
    ("槐荫区翠柳花园二期脚手架坍塌：项目已停工", "济南槐荫区翠柳花园二期工地脚手架坍塌后，区住建局责令项目停工整改。"),
    ("", "刚从翠柳花园二期门口过，脚手架整片塌下来了，救护车来了好几辆"),
]


@pytest.fixture
def world(engine: Engine) -> World:
    return World(engine)


def collapse(world: World) -> list[int]:
    sources = ("齐鲁晚报网", "济南日报", "微博")
    kinds = ("news", "news", "social")
    return [
        world.post(title, text, NOW + i * HOUR, source=source, kind=kind, author="路人甲" if kind == "social" else None)
        for i, ((title, text), source, kind) in enumerate(zip(COLLAPSE, sources, kinds, strict=True))
    ]


def test_a_post_that_names_the_incident_only_in_a_hashtag_does_not_join(world: World) -> None:
    ids = collapse(world)
    spam = [
        _weibo(
            world,
            f"#翠柳花园二期脚手架坍塌# 周末去新开的奶茶店打卡，排队排了一个小时，第{n}杯半价太香了",
            NOW + 4 * HOUR + n * timedelta(minutes=5),
            f"网友{n}",
            topics=(),
            sentiment="positive",
        )
        for n in range(3)
    ]
    world.detect(NOW + 6 * HOUR)

    incident = world.incident_of(ids[0])
    assert world.members(incident.id) == set(ids)
    assert not world.placed() & set(spam)


def test_an_untagged_post_with_the_incidents_named_thing_joins_it(world: World) -> None:
    ids = collapse(world)
    missed = _weibo(
        world, "翠柳花园二期那边的脚手架塌了，整排倒下来，邻居说有人被压着", NOW + 4 * HOUR, "住在附近", topics=()
    )
    world.detect(NOW + 6 * HOUR)

    incident = world.incident_of(ids[0])
    assert missed in world.members(incident.id)
    # the incident's topics come from its posts as a whole
    assert "engineering_quality" in incident.topics


def test_an_untagged_post_matching_no_incident_starts_nothing(world: World) -> None:
    lone = [
        world.post("", f"蓝湾小区东门那排树被砍了，第{n}次看到", NOW + n * HOUR, kind="social", topics=())
        for n in range(4)
    ]
    world.detect(NOW + 6 * HOUR)
    assert not world.placed() & set(lone)
    assert world.incidents() == []


def test_unrelated_posts_under_one_trending_hashtag_are_not_glued(world: World) -> None:
    trending = "#今冬第一场雪#"
    crack = [
        _weibo(
            world,
            f"{trending} 青岛市李沧区金水湾小区3号楼外墙大面积开裂脱落，第{n}次找物业了没人管",
            NOW + n * HOUR,
            f"金水湾业主{n}",
        )
        for n in range(3)
    ]
    collapse_ids = [
        _weibo(
            world,
            f"{trending} 济南市槐荫区翠柳花园二期工地脚手架坍塌，{n + 3}名工人受伤，太吓人了",
            NOW + n * HOUR + timedelta(minutes=30),
            f"槐荫网友{n}",
        )
        for n in range(3)
    ]
    world.detect(NOW + 6 * HOUR)

    crack_incident = world.incident_of(crack[0])
    collapse_incident = world.incident_of(collapse_ids[0])
    assert crack_incident.id != collapse_incident.id
    assert world.members(crack_incident.id) == set(crack)
    assert world.members(collapse_incident.id) == set(collapse_ids)


def test_a_repost_of_an_unrelated_trending_post_is_not_glued_by_its_hashtag(world: World) -> None:
    ids = collapse(world)
    trending = _weibo(
        world,
        "#翠柳花园二期脚手架坍塌# 明星某某今晚官宣新剧，定档下周五，粉丝们冲",
        NOW + 3 * HOUR,
        "娱乐博主",
        topics=(),
    )
    repost = _weibo(
        world,
        "冲冲冲//@娱乐博主:#翠柳花园二期脚手架坍塌# 明星某某今晚官宣新剧，定档下周五，粉丝们冲",
        NOW + 4 * HOUR,
        "粉丝",
        topics=(),
        duplicate_of=trending,
    )
    world.detect(NOW + 6 * HOUR)

    assert world.members(world.incident_of(ids[0]).id) == set(ids)
    assert not world.placed() & {trending, repost}


def test_letters_about_one_estate_with_a_six_week_pause_are_one_thread(world: World) -> None:
    complaints = [
        ("关于东湖春晓小区夜间施工噪音扰民的反映", "东湖春晓小区旁边工地每天夜里十二点还在打桩，噪音大，孩子睡不着。"),
        ("东湖春晓小区旁工地夜间施工问题", "您好！东湖春晓小区南侧工地夜间施工，噪音严重扰民，请相关部门管一管。"),
        ("再次反映东湖春晓小区工地噪音", "尊敬的领导：上周反映的东湖春晓小区旁工地夜间施工噪音问题至今没有改善。"),
        ("东湖春晓小区噪音扰民", "领导您好，东湖春晓小区工地夜里施工的噪音又开始了，已经持续很久了。"),
        ("东湖春晓小区夜间施工又开始了", "尊敬的领导，您辛苦了。东湖春晓小区边上的工地晚上又在施工，噪音很大。"),
    ]
    gaps = [0, 1, 2, 8, 9]  # weeks: letters in weeks 0–2, six weeks of silence, then again
    letters = [
        world.post(
            title, text, NOW + week * WEEK, source="市民留言板", tier=None, kind="forum", topics=(URBAN,), author=None
        )
        for week, (title, text) in zip(gaps, complaints, strict=True)
    ]
    for week in gaps:
        world.detect(NOW + week * WEEK + HOUR)

    incident = world.incident_of(letters[0])
    assert world.members(incident.id) == set(letters)

    # the duty officer sees which letter this is, about what, over how long, with the history
    with world.sessions() as session:
        shown = view(session, session.get(Incident, incident.id), NOW + 9 * WEEK + HOUR, world.config)
        text = details(shown, world.config)
    assert "来信线索：关于“东湖春晓”的第5封来信（3个月内）" in text
    history = text.split("来信线索：")[1].split("代表性帖文：")[0]
    assert [title for title, _text in complaints] == [line.split()[2] for line in history.splitlines()[1:]]


def test_a_title_is_clean_and_a_news_headline_replaces_a_repost(world: World) -> None:
    first = _weibo(
        world,
        "#某地新增确诊13例# 【济南槐荫区翠柳花园二期工地脚手架坍塌】据网友爆料，今天下午工地脚手架坍塌[泪]",
        NOW,
        "本地资讯",
    )
    _weibo(world, "转发微博 #翠柳花园# 槐荫翠柳花园二期工地脚手架坍塌，3人受伤 O网页链接", NOW + HOUR, "路人乙")
    _weibo(world, "翠柳花园二期脚手架坍塌 3人受伤送医", NOW + HOUR, "路人丙")
    world.detect(NOW + 2 * HOUR)
    title = world.incident_of(first).title
    assert title == "济南槐荫区翠柳花园二期工地脚手架坍塌"
    for noise in ("#", "【", "】", "[泪]", "转发微博", "网页链接"):
        assert noise not in title

    world.post(*COLLAPSE[0], NOW + 3 * HOUR, source="齐鲁晚报网")
    world.detect(NOW + 4 * HOUR)
    assert world.incident_of(first).title == COLLAPSE[0][0]


def test_a_title_that_names_no_place_is_led_by_the_incidents_place(world: World) -> None:
    ids = [
        world.post("在建工地塔吊倒塌 2人受伤", "济南市历城区一在建工地塔吊倒塌，2人受伤。", NOW, source="齐鲁晚报网"),
        _weibo(world, "济南历城区工地塔吊倒了，两个人受伤", NOW + HOUR, "a"),
    ]
    world.detect(NOW + 2 * HOUR)
    assert world.incident_of(ids[0]).title == "济南市历城区：在建工地塔吊倒塌 2人受伤"


def _weibo(world: World, text: str, at: datetime, author: str, **extra: Any) -> int:
    return world.post("", text, at, source="微博", kind="social", author=author, **extra)


def _letter(world: World, title: str, text: str, at, topics: tuple[str, ...] = (URBAN,)) -> int:
    return world.post(title, text, at, source="市民留言板", tier=None, kind="forum", topics=topics, author=None)


def test_earlier_letters_the_tagger_missed_join_the_thread_a_later_letter_starts(world: World) -> None:
    missed = [
        _letter(
            world,
            "坚决反对在东湖春晓小区门口开设医院",
            "东湖春晓小区门口商业楼擅自改建医院，出入往来都是病人，业主坚决反对。",
            NOW,
            (),
        ),
        _letter(
            world,
            "反对在东湖春晓小区门口设立医院",
            "东湖春晓小区门口设立医院，出入往来都是病人，业主反对。",
            NOW + 2 * WEEK,
            (),
        ),
    ]
    other_matter = _letter(
        world, "东湖春晓小区幼儿园学位不够", "东湖春晓小区业主的孩子报不上小区幼儿园，学位太少。", NOW + WEEK, ()
    )
    for week in (0, 1, 2):
        world.detect(NOW + week * WEEK + HOUR)
    assert not world.placed()  # no topic, nothing to join: they start nothing

    started = _letter(
        world,
        "东湖春晓小区门口违规改建医院",
        "东湖春晓小区门口商业楼未经规划擅自改建医院，业主多次反映，请城管部门依法查处。",
        NOW + 6 * WEEK,
    )
    world.detect(NOW + 6 * WEEK + HOUR)

    incident = world.incident_of(started)
    assert world.members(incident.id) == {started, *missed}
    assert incident.first_reported_at == NOW.replace(tzinfo=incident.first_reported_at.tzinfo)
    assert other_matter not in world.placed()

    # a waiting letter is kept while a thread may still begin on it, then forgotten
    with world.sessions() as session:
        assert session.scalars(select(WaitingLetter.document_id)).all() == [other_matter] * len(
            session.scalars(select(WaitingLetter.document_id)).all()
        )
    world.detect(NOW + WEEK + world.config.incidents.thread_within - DAY)  # it came in week 1
    with world.sessions() as session:
        assert session.scalars(select(WaitingLetter.document_id)).all(), "still within thread_within"
    world.detect(NOW + WEEK + world.config.incidents.thread_within + DAY)
    with world.sessions() as session:
        assert session.scalars(select(WaitingLetter.document_id)).all() == []


def test_letters_on_two_matters_of_one_estate_are_two_threads(world: World) -> None:
    noise = [
        _letter(
            world,
            "历城区东湖春晓小区旁工地夜间施工扰民",
            "济南市历城区东湖春晓小区南侧工地每天夜里打桩，噪音很大。",
            NOW,
        ),
        _letter(
            world,
            "再次反映东湖春晓小区夜间施工噪音",
            "济南市历城区东湖春晓小区旁工地夜间施工噪音问题仍未解决。",
            NOW + 3 * WEEK,
        ),
    ]
    rockery = [
        _letter(
            world,
            "历城区东湖春晓小区有人违章搭建假山",
            "济南市历城区东湖春晓小区一楼业主在公共绿地违章搭建假山水池，压坏地下室顶板。",
            NOW + WEEK,
        ),
        _letter(
            world,
            "历城区东湖春晓小区违建假山至今未拆",
            "济南市历城区东湖春晓小区公共绿地上的违章假山水池至今未拆除，城管不作为。",
            NOW + 5 * WEEK,
        ),
    ]
    for week in range(6):
        world.detect(NOW + week * WEEK + HOUR)

    assert world.incident_of(noise[0]).id == world.incident_of(noise[1]).id
    assert world.incident_of(rockery[0]).id == world.incident_of(rockery[1]).id
    assert world.incident_of(noise[0]).id != world.incident_of(rockery[0]).id


def test_a_letter_headed_by_another_estate_does_not_join_a_thread_worded_alike(world: World) -> None:
    first = _letter(world, "东湖春晓小区三期北门前夜间施工太吵", "东湖春晓小区三期北门前那条路晚上施工，太吵了。", NOW)
    other = _letter(
        world, "西山雅苑小区三期北门前茶馆招牌太亮", "西山雅苑小区三期北门前那家茶馆的招牌晚上太亮了。", NOW + WEEK
    )
    world.detect(NOW + HOUR)
    world.detect(NOW + WEEK + HOUR)
    assert world.incident_of(first).id != world.incident_of(other).id


def test_a_city_less_post_filed_under_a_national_matters_hashtag_joins_it_when_it_speaks_of_the_matter(
    world: World,
) -> None:
    news = world.post(
        "银保监会：受疫情影响暂无收入的人可延后还房贷",
        "武汉市民关注：银保监会表示，受疫情影响暂无收入的人群，房贷、信用卡可合理延后还款。",
        NOW,
        source="新京报",
        topics=(HOUSING,),
    )
    chatter = [
        _weibo(world, f"#受疫情影响暂无收入可延后还房贷# {text}", NOW + (n + 1) * HOUR, f"网友{n}", topics=(HOUSING,))
        for n, text in enumerate(("房贷月供能缓一缓了，国家考虑周到", "终于能喘口气，房贷晚点还也行"))
    ]
    world.detect(NOW + 4 * HOUR)
    assert world.members(world.incident_of(news).id) == {news, *chatter}


def test_a_name_shared_across_two_cities_does_not_join_their_incidents(world: World) -> None:
    weifang = world.post(
        "潍坊一工地脚手架局部坍塌 两名工人受伤",
        "潍坊市高新区一在建项目脚手架局部坍塌，两名工人受伤，已被送往人民医院救治。",
        NOW,
    )
    linyi = world.post(
        "临沂兰山区一工地塔吊倒塌 已致3人死亡",
        "临沂市兰山区一在建项目塔吊倒塌，伤者已被送往人民医院救治，救援仍在进行。",
        NOW + 20 * HOUR,
    )
    world.detect(NOW + HOUR)
    world.detect(NOW + 21 * HOUR)
    assert world.incident_of(weifang).id != world.incident_of(linyi).id


def test_a_post_from_another_city_under_the_incidents_hashtag_that_speaks_of_it_joins(world: World) -> None:
    news = world.post("临沂兰山区一工地塔吊倒塌 已致3人死亡", "临沂市兰山区一在建工地塔吊倒塌，已致3人死亡。", NOW)
    filed = [
        _weibo(world, f"#临沂塔吊倒塌# {text}", NOW + (n + 1) * HOUR, f"网友{n}")
        for n, text in enumerate(("兰山区那个工地的塔吊倒了，太惨了", "临沂塔吊倒塌，工地安全到底谁来管"))
    ]
    elsewhere = _weibo(
        world,
        "#临沂塔吊倒塌# 济南我们小区旁边工地也有两台塔吊，看着就害怕，希望全省好好排查",
        NOW + 4 * HOUR,
        "济南市民",
    )
    world.detect(NOW + 5 * HOUR)
    assert world.members(world.incident_of(news).id) == {news, *filed, elsewhere}


def test_merged_profiles_keep_the_matters_hashtags_and_subjects_of_both() -> None:
    from incidents.grouping import merge_profiles

    first = {"matters": {"crane": 2}, "hashtags": {"甲": 2}, "subjects": ["东湖春晓"], "letters": 1}
    second = {"matters": {"crane": 1, "noise": 1}, "hashtags": {"乙": 1}, "subjects": ["西山雅苑"], "letters": 2}
    merged = merge_profiles(first, second)
    assert merged["matters"] == {"crane": 3, "noise": 1}
    assert merged["hashtags"] == {"甲": 2, "乙": 1}
    assert merged["subjects"] == ["东湖春晓", "西山雅苑"]
    assert merged["letters"] == 3


def test_a_letter_goes_to_the_thread_of_the_estate_it_names_not_to_a_promoted_one_worded_alike(world: World) -> None:
    """Two estates' letters about the same kind of fault read alike; the named estate decides where a letter goes,
    and the promoted thread of the first estate does not take in the second estate's thread."""
    first_estate = [
        _letter(
            world,
            f"{title}翠湖名邸开放式走廊存在安全隐患",
            f"济南市历下区翠湖名邸三期开放式走廊栏杆只有一米一，{text}，存在重大安全隐患，请住建部门重视。",
            NOW + n * DAY,
            (ENGINEERING,),
        )
        for n, (title, text) in enumerate(
            (
                ("历下区", "高层住户的孩子容易坠落"),
                ("反映", "下雪天走廊结冰容易滑倒"),
                ("再次反映", "大风天杂物会被吹落"),
            )
        )
    ]
    world.detect(NOW + 3 * DAY)
    promoted = world.incident_of(first_estate[0])
    assert promoted.status != "candidate" and world.members(promoted.id) == set(first_estate)

    second_estate = [
        _letter(
            world,
            "槐荫区金桂雅苑二期的连廊盼重视",
            "济南市槐荫区金桂雅苑二期连廊设计不合理，业主封窗却被要求拆除，盼重视。",
            NOW + 4 * DAY,
            (ENGINEERING,),
        ),
        _letter(
            world,
            "恳请解决金桂雅苑二期连廊的安全隐患",
            "金桂雅苑二期连廊是开放式走廊，栏杆只有一米一，业主封窗却被要求拆除，高层住户的孩子容易坠落，存在重大安全"
            "隐患，请住建部门重视。",
            NOW + 5 * DAY,
            (ENGINEERING,),
        ),
    ]
    world.detect(NOW + 4 * DAY + HOUR)
    world.detect(NOW + 5 * DAY + HOUR)
    assert world.members(promoted.id) == set(first_estate)
    assert world.incident_of(second_estate[0]).id == world.incident_of(second_estate[1]).id != promoted.id


def test_a_short_untagged_post_wholly_inside_an_incidents_words_does_not_join(world: World) -> None:
    """ "加油" is in every incident of a bad day; a two-word post is wholly inside it and says nothing of it."""
    ids = collapse(world)
    cheer = _weibo(world, "翠柳花园二期工地脚手架坍塌，受伤工人加油，救援人员辛苦了", NOW + 3 * HOUR, "路人乙")
    lone = [
        _weibo(world, text, NOW + 4 * HOUR + n * HOUR, f"网友{n}", topics=())
        for n, text in enumerate(("加油！", "#周末去哪儿# 周末愉快，加油"))
    ]
    named = _weibo(world, "翠柳花园二期那边还在救援吗，加油", NOW + 5 * HOUR, "住在附近", topics=())
    world.detect(NOW + 6 * HOUR)

    incident = world.incident_of(ids[0])
    assert cheer in world.members(incident.id)
    assert not world.placed() & set(lone)
    assert named in world.members(incident.id)  # a named thing is evidence however short the post


def test_letters_on_one_estates_fit_out_worded_apart_months_apart_are_one_thread(world: World) -> None:
    """Letters on one estate's fit-out share little but the estate's name: one writes of the show flat, the next
    of the fee, the third of the delivery standard. The shared matter (``nlp.matters``) makes them one thread."""
    complaints = [
        (
            "锦绣家园精装修与样板间严重不符",
            "锦绣家园交房后，业主发现精装修用的全是杂牌，和样板间完全两样，开发商拒不整改。",
        ),
        ("锦绣家园每户多收的装修款怎么算的", "尊敬的领导：锦绣家园每户精装修多收了三万八，开发商不肯向业主出示明细。"),
        ("请核查锦绣家园的交付标准", "领导您好，锦绣家园合同里的精装修交付标准和交给业主的房子对不上，开发商推脱。"),
    ]
    letters = [
        _letter(world, title, text, NOW + month * 5 * WEEK, (HOUSING,))
        for month, (title, text) in enumerate(complaints)
    ]
    for month in range(len(complaints)):
        world.detect(NOW + month * 5 * WEEK + HOUR)

    incident = world.incident_of(letters[0])
    assert world.members(incident.id) == set(letters)


def test_a_thread_that_sleeps_for_years_wakes_in_its_incident(world: World) -> None:
    """A petition against a substation by an estate, and the same petition three and a half years later: one
    thread, however long the pause (``thread_within``, five years)."""
    first = _letter(
        world,
        "关于取消在翠湖公园建设变电站的请愿书",
        "尊敬的领导：翠湖名邸业主强烈反对在小区旁的翠湖公园建设变电站，请求重新选址。",
        NOW,
        (URBAN,),
    )
    world.detect(NOW + HOUR)
    later_at = NOW + timedelta(days=3 * 365 + 180)
    again = _letter(
        world,
        "再次请求取消翠湖公园变电站项目",
        "领导您好，翠湖名邸业主再次反映翠湖公园建设变电站的问题，离住宅太近，请求重新选址。",
        later_at,
        (URBAN,),
    )
    world.detect(later_at + HOUR)
    incident = world.incident_of(again)
    assert incident.id == world.incident_of(first).id
    with world.sessions() as session:
        shown = view(session, session.get(Incident, incident.id), later_at + 2 * HOUR, world.config)
        # both letters name the estate and the park: the tie goes to the name the first letter names first
        assert "来信线索：关于“翠湖名邸”的第2封来信（3年6个月内）" in details(shown, world.config)


def test_letters_to_one_estate_that_read_alike_but_raise_different_matters_are_two_threads(world: World) -> None:
    """Letters to one estate share its name and the board's boilerplate (反映, 问题, 开发商, 业主): a letter on the
    fit-out is still not one on the cracked floor slabs when each names its own matter."""
    cracks = [
        _letter(
            world,
            "反映锦绣家园楼板开裂的问题",
            "尊敬的领导：锦绣家园业主反映，开发商交付的房子楼板开裂，多次反映开发商不理，请督促开发商整改。",
            NOW,
            (ENGINEERING, HOUSING),
        ),
        _letter(
            world,
            "再次反映锦绣家园楼板裂缝的问题",
            "尊敬的领导：锦绣家园多户业主家中楼板出现裂缝，开发商至今不整改，业主多次反映无果。",
            NOW + 3 * WEEK,
            (ENGINEERING, HOUSING),
        ),
    ]
    fit_out = _letter(
        world,
        "反映锦绣家园精装修的问题",
        "锦绣家园开发商交付的精装修用料全是杂牌，和样板间两样，业主多次反映。",
        NOW + 6 * WEEK,
        (HOUSING,),
    )
    for week in (0, 3, 6):
        world.detect(NOW + week * WEEK + HOUR)

    assert world.incident_of(cracks[0]).id == world.incident_of(cracks[1]).id
    assert world.incident_of(fit_out).id != world.incident_of(cracks[0]).id


def test_collapses_worded_alike_in_two_places_or_abroad_stay_apart(world: World) -> None:
    """Headlines of collapses read alike wherever they happen; one in another city, or abroad, is another
    incident (and one abroad is not the department's to answer)."""
    home = [
        world.post("济南槐荫区翠柳花园二期一在建住宅楼整体倒塌 1人死亡", at=NOW, source="齐鲁晚报网"),
        world.post("槐荫区翠柳花园二期在建住宅楼倒塌：事故调查组已成立", at=NOW + HOUR, source="济南日报"),
    ]
    elsewhere = world.post("成都一在建住宅楼整体倒塌 1人死亡", at=NOW + 2 * HOUR, source="大众网")
    abroad = world.post("尼日利亚一座在建住宅楼整体倒塌 造成10人死亡", at=NOW + 3 * HOUR, source="大众网")
    compared = _weibo(world, "美国也塌过楼，可这次槐荫区在建住宅楼整体倒塌更吓人，调查组快查", NOW + 3 * HOUR, "路人丙")
    helpers = world.post("青岛消防连夜驰援济南翠柳花园二期倒塌现场", at=NOW + 3 * HOUR, source="大众网")
    world.detect(NOW + 4 * HOUR)

    incident = world.incident_of(home[0])
    # a country named in passing does not take a post abroad; another city's crews at this site are this incident
    assert world.members(incident.id) == {*home, compared, helpers}
    assert elsewhere not in world.members(incident.id)
    assert abroad not in world.members(incident.id)
    with world.sessions() as session:
        foreign = session.get(Incident, world.incident_of(abroad).id)
        assert foreign is not None and foreign.province == "尼日利亚" and not foreign.in_jurisdiction


def test_a_letter_misread_abroad_does_not_take_its_thread_out_of_the_jurisdiction(world: World) -> None:
    """Letters to the board name no city (A市 is anonymised): one that names a country in passing must not
    place the whole thread abroad, where no clock runs."""
    letters = [
        _letter(world, "东湖春晓小区电梯频繁故障", "东湖春晓小区3栋电梯一个月坏了五次，物业不修。", NOW, (HOUSING,)),
        _letter(
            world, "再次反映东湖春晓小区电梯故障", "东湖春晓小区电梯又困人了，物业还是不修。", NOW + DAY, (HOUSING,)
        ),
        _letter(
            world,
            "东湖春晓小区电梯至今未修",
            "东湖春晓小区的电梯是德国品牌，坏了没人修，物业推脱。",
            NOW + 2 * DAY,
            (HOUSING,),
        ),
    ]
    for day in range(3):
        world.detect(NOW + day * DAY + HOUR)

    incident = world.incident_of(letters[0])
    assert world.members(incident.id) == set(letters)
    assert incident.province is None and incident.in_jurisdiction


def test_a_country_named_only_in_a_trending_hashtag_does_not_take_an_incident_abroad(world: World) -> None:
    ids = [
        _weibo(
            world,
            f"#日本医院口罩被盗# 东湖春晓小区门口的工地脚手架塌了，第{n}次有人报警，物业不管",
            NOW + n * HOUR,
            f"东湖春晓业主{n}",
            topics=(ENGINEERING,),
        )
        for n in range(3)
    ]
    world.detect(NOW + 4 * HOUR)

    incident = world.incident_of(ids[0])
    assert world.members(incident.id) == set(ids)
    assert incident.province is None and incident.in_jurisdiction
