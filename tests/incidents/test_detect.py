"""The detect job on a real database: grouping, grading history, hand decisions, jurisdiction, lifecycle, replay."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from incidents.actions import merge, set_grade, split
from storage import incidents as incident_rows
from storage.db import make_engine, transaction
from storage.models import GradeChange, Incident, IncidentDocument
from tests.incidents.builders import HOUR, NOW, World, make_config

DAY = timedelta(days=1)

CRANE = [
    (
        "济南市历城区一在建工地塔吊倒塌 两名工人受伤",
        "11月25日上午9时许，济南市历城区某在建住宅项目工地一台塔吊倒塌，两名工人受伤送医。",
    ),
    ("历城塔吊倒塌事故：区住建局责令项目停工整改", "济南历城区塔吊倒塌事故发生后，区住建局责令该项目全面停工整改。"),
    ("", "#济南塔吊倒塌# 刚路过历城那个工地，塔吊整个歪下来了，吓死人"),
]
WALLS = [
    (
        "济南市中区一小区交房一年墙体开裂渗水",
        "济南市市中区锦绣华庭小区业主反映，交房一年墙体多处开裂，雨天渗水严重，开发商迟迟不维修。",
    ),
    ("市中区锦绣华庭业主：墙体开裂开发商推脱", "济南市中区锦绣华庭小区多户墙体开裂渗水，业主多次反映无果。"),
]


@pytest.fixture
def world(engine: Engine) -> World:
    return World(engine)


def crane(world: World, start=NOW, sources=("齐鲁晚报网", "济南日报", "大众网")) -> list[int]:
    return [
        world.post(t, x, start + i * HOUR, source=s) for i, ((t, x), s) in enumerate(zip(CRANE, sources, strict=True))
    ]


def test_two_incidents_in_one_city_and_week_stay_apart(world: World) -> None:
    cranes = crane(world)
    walls = [
        world.post(t, x, NOW + DAY * 2 + i * HOUR, source=s)
        for i, ((t, x), s) in enumerate(zip(WALLS, ["甲", "乙"], strict=True))
    ]
    world.detect(NOW + DAY * 3)
    assert world.incident_of(cranes[0]).id != world.incident_of(walls[0]).id
    assert world.members(world.incident_of(cranes[0]).id) == set(cranes)
    assert world.members(world.incident_of(walls[0]).id) == set(walls)
    assert world.incident_of(cranes[0]).city == world.incident_of(walls[0]).city == "济南市"


def test_a_repost_joins_its_original_even_with_other_words(world: World) -> None:
    cranes = crane(world)
    repost = world.post("", "转发微博", NOW + 4 * HOUR, source="微博搜索", kind="social", duplicate_of=cranes[0])
    world.detect(NOW + 5 * HOUR)
    assert world.incident_of(repost).id == world.incident_of(cranes[0]).id


def test_posts_without_topic_are_not_placed(world: World) -> None:
    noise = world.post("济南今日天气晴好", "济南今天晴，气温12度。", NOW, topics=())
    cranes = crane(world)
    world.detect(NOW + 4 * HOUR)
    assert noise not in world.placed()
    assert set(cranes) <= world.placed()


def test_a_single_post_stays_a_candidate_until_evidence_grows(world: World) -> None:
    first = world.post(*CRANE[0], NOW)
    world.detect(NOW + HOUR)
    assert world.incidents() == [] and len(world.incidents("candidate")) == 1
    world.post(*CRANE[1], NOW + 2 * HOUR, source="济南日报")
    world.detect(NOW + 3 * HOUR)
    (incident,) = world.incidents()
    assert incident.detected_at == NOW + 3 * HOUR
    assert world.incident_of(first).id == incident.id


def test_casualties_rising_from_3_to_12_upgrade_the_incident(world: World) -> None:
    title = "临沂兰山区一基坑坍塌"
    first = world.post(title, "11月25日上午9时许，临沂市兰山区一工地基坑坍塌，造成3人死亡。", NOW)
    world.detect(NOW + HOUR)
    incident = world.incident_of(first)
    assert (incident.grade, incident.grade_reasons) == ("large", ["报道称3人死亡（较大）"])
    occurred, first_report = incident.occurred_at, incident.first_reported_at
    world.post("临沂兰山区基坑坍塌事故死亡人数升至12人", "临沂市兰山区工地基坑坍塌事故已造成12人死亡。", NOW + DAY)
    world.detect(NOW + DAY + HOUR)
    incident = world.incident_of(first)
    assert incident.grade == "major"
    assert incident.grade_reasons == ["报道称12人死亡（重大）"]
    assert incident.casualties["deaths"]["value"] == 12
    assert (incident.occurred_at, incident.first_reported_at) == (occurred, first_report)
    with world.sessions() as session:
        history = session.scalars(
            select(GradeChange).where(GradeChange.incident_id == incident.id).order_by(GradeChange.at)
        ).all()
    assert [(c.at, c.grade) for c in history] == [(NOW + HOUR, "large"), (NOW + DAY + HOUR, "major")]


def test_a_figure_reported_after_the_regrade_period_does_not_regrade(engine: Engine) -> None:
    world = World(engine, make_config())
    world.config = world.config.model_copy(
        update={"grading": world.config.grading.model_copy(update={"regrade_for": timedelta(days=2)})}
    )
    first = world.post("临沂兰山区一基坑坍塌", "临沂市兰山区一工地基坑坍塌，造成3人死亡。", NOW)
    world.detect(NOW + HOUR)
    late = world.post(
        "临沂兰山区基坑坍塌事故死亡人数升至12人", "临沂市兰山区工地基坑坍塌事故已造成12人死亡。", NOW + 3 * DAY
    )
    world.detect(NOW + 3 * DAY + HOUR)
    incident = world.incident_of(late)
    assert incident.id == world.incident_of(first).id
    assert incident.grade == "large"


def test_a_hand_grade_is_never_lowered(world: World) -> None:
    cranes = crane(world)
    world.detect(NOW + 3 * HOUR)
    incident_id = world.incident_of(cranes[0]).id
    with transaction(world.sessions) as session:
        set_grade(session, str(incident_id), "major", "厅领导批示关注", NOW + 3 * HOUR, world.config, "山东省")
    world.post(
        "济南历城塔吊倒塌工地已停工", "济南市历城区塔吊倒塌工地已停工，工人伤情稳定。", NOW + 4 * HOUR, source="新源"
    )
    world.detect(NOW + 5 * HOUR)
    incident = world.incident_of(cranes[0])
    assert incident.grade == "major" and incident.grade_by_hand
    assert incident.grade_reasons[0] == "值班员定级：厅领导批示关注"
    world.post(
        "济南历城塔吊倒塌事故已致30人死亡", "济南市历城区塔吊倒塌事故已造成30人死亡。", NOW + 6 * HOUR, source="新华网"
    )
    world.detect(NOW + 7 * HOUR)
    assert world.incident_of(cranes[0]).grade == "especially_major"


def test_merge_and_split_are_respected_afterwards(world: World) -> None:
    cranes = crane(world)
    walls = [
        world.post(t, x, NOW + i * HOUR, source=s)
        for i, ((t, x), s) in enumerate(zip(WALLS, ["甲", "乙"], strict=True))
    ]
    world.detect(NOW + 3 * HOUR)
    a, b = world.incident_of(cranes[0]).id, world.incident_of(walls[0]).id
    with transaction(world.sessions) as session:
        merge(session, str(a), str(b), NOW + 3 * HOUR, world.config, "山东省")
    assert world.members(a) == set(cranes + walls)
    later_wall = world.post(
        "锦绣华庭墙体开裂渗水 业主再次反映", "济南市中区锦绣华庭小区墙体开裂渗水仍未维修。", NOW + 4 * HOUR, source="丙"
    )
    world.detect(NOW + 5 * HOUR)
    assert world.incident_of(later_wall).id == a
    with transaction(world.sessions) as session:
        created = split(session, str(a), [str(d) for d in [*walls, later_wall]], NOW + 5 * HOUR, world.config, "山东省")
        created_id = created.id
    assert world.members(created_id) == {*walls, later_wall}
    assert world.members(a) == set(cranes)
    another_wall = world.post(
        "锦绣华庭业主：墙体开裂渗水开发商仍推脱", "济南市中区锦绣华庭小区墙体开裂。", NOW + 6 * HOUR, source="丁"
    )
    another_crane = world.post(
        "历城塔吊倒塌工地停工整改", "济南历城区塔吊倒塌后工地停工整改。", NOW + 6 * HOUR, source="戊"
    )
    world.detect(NOW + 7 * HOUR)
    assert world.incident_of(another_wall).id == created_id
    assert world.incident_of(another_crane).id == a
    with world.sessions() as session:
        pinned = session.scalars(select(IncidentDocument.by_hand).where(IncidentDocument.document_id.in_(walls))).all()
    assert all(pinned)


def test_jurisdiction_follows_the_place(world: World) -> None:
    nanjing = world.post(
        "南京一工地脚手架坍塌致3人死亡",
        "南京市江宁区一工地脚手架坍塌，造成3人死亡。",
        NOW,
        source="新华网",
        tier="central",
    )
    nowhere = world.post("某工地塔吊倒塌致2人重伤", "某在建工地塔吊倒塌，2人重伤。", NOW, source="甲")
    world.post("某工地塔吊倒塌 2人重伤送医", "某在建工地塔吊倒塌，造成2人重伤。", NOW + HOUR, source="乙")
    world.detect(NOW + 2 * HOUR)
    outside = world.incident_of(nanjing)
    assert (outside.province, outside.city, outside.in_jurisdiction) == ("江苏省", "南京市", False)
    unknown = world.incident_of(nowhere)
    assert unknown.city is None and unknown.in_jurisdiction
    world.post(
        "淄博张店一工地塔吊倒塌 2人重伤", "淄博市张店区某在建工地塔吊倒塌，2人重伤。", NOW + 3 * HOUR, source="丙"
    )
    world.detect(NOW + 4 * HOUR)
    found = world.incident_of(nowhere)
    assert (found.city, found.in_jurisdiction) == ("淄博市", True)


def test_lifecycle_quiet_closed_and_reopened(world: World) -> None:
    minutes = timedelta(minutes=20)
    cranes = [
        world.post(t, x, NOW + i * minutes, source=s) for i, ((t, x), s) in enumerate(zip(CRANE, "甲乙丙", strict=True))
    ]
    world.detect(NOW + 45 * timedelta(minutes=1))
    incident_id = world.incident_of(cranes[0]).id
    assert world.incident_of(cranes[0]).status == "active"  # 3 posts within the last hour
    world.detect(NOW + 2 * DAY)
    assert world.incident_of(cranes[0]).status == "quiet"
    world.detect(NOW + 5 * DAY + HOUR)
    closed = world.incident_of(cranes[0])
    assert (closed.status, closed.closed_at) == ("closed", NOW + 5 * DAY + HOUR)
    again = world.post(
        "济南历城塔吊倒塌事故调查结果公布",
        "济南市历城区塔吊倒塌事故调查结果公布，项目负责人被问责。",
        NOW + 20 * DAY,
        source="丁",
    )
    world.detect(NOW + 20 * DAY + HOUR)
    reopened = world.incident_of(again)
    assert reopened.id == incident_id
    assert (reopened.status, reopened.closed_at) == ("active", None)
    assert len(world.incidents("open", "active", "quiet", "closed", "candidate")) == 1


def _state(world: World) -> list[tuple]:
    with world.sessions() as session:
        rows = []
        for incident in session.scalars(select(Incident).where(Incident.status != "merged")):
            members = frozenset(
                session.scalars(select(IncidentDocument.document_id).where(IncidentDocument.incident_id == incident.id))
            )
            rows.append(
                (
                    members,
                    incident.status,
                    incident.grade,
                    incident.first_reported_at,
                    str(incident.casualties),
                    incident.city,
                )
            )
        return sorted(rows, key=lambda r: min(r[0]))


def _story(world: World) -> None:
    crane(world)
    world.post("临沂兰山区一基坑坍塌", "临沂市兰山区一工地基坑坍塌，造成3人死亡。", NOW + HOUR)
    world.post(
        "临沂兰山区基坑坍塌事故死亡人数升至12人", "临沂市兰山区工地基坑坍塌事故已造成12人死亡。", NOW + 10 * HOUR
    )
    for i, (t, x) in enumerate(WALLS):
        world.post(t, x, NOW + 12 * HOUR + i * HOUR, source=f"来源{i}")


def test_replay_in_steps_ends_where_one_run_ends_and_is_idempotent(engine: Engine, tmp_path: Path) -> None:
    stepped = World(engine)
    _story(stepped)
    for hours in (0, 2, 5, 11, 14):
        stepped.detect(NOW + hours * HOUR)
    other = make_engine(f"sqlite:///{tmp_path / 'once.db'}")
    once = World(other)
    _story(once)
    once.detect(NOW + 14 * HOUR)
    assert _state(stepped) == _state(once)
    with stepped.sessions() as session:
        before = (session.scalar(select(func.count()).select_from(GradeChange)), _state(stepped))
        stamps = session.scalars(select(Incident.updated_at).order_by(Incident.id)).all()
    result = stepped.detect(NOW + 14 * HOUR)
    assert result.placed == 0 and result.outcomes == [] and result.transitions == []
    with stepped.sessions() as session:
        assert (session.scalar(select(func.count()).select_from(GradeChange)), _state(stepped)) == before
        assert session.scalars(select(Incident.updated_at).order_by(Incident.id)).all() == stamps
    other.dispose()


def test_replay_ignores_posts_published_after_now(world: World) -> None:
    cranes = crane(world)
    world.detect(NOW + HOUR + timedelta(minutes=1))
    assert world.placed() == set(cranes[:2])
    world.detect(NOW + 3 * HOUR)
    assert world.placed() == set(cranes)


def test_a_candidate_absorbed_in_the_batch_that_placed_its_posts_hands_every_post_over(world: World) -> None:
    """Placing runs without autoflush: a post that joined a candidate earlier in the same batch must move with
    the candidate when another incident absorbs it, not stay behind in a retired (merged) incident."""
    first, second = (world.post(t, x, NOW + i * HOUR) for i, (t, x) in enumerate(CRANE[:2]))
    with world.sessions.begin() as session, session.no_autoflush:
        fields = {
            "status": "candidate",
            "grade": "general",
            "grade_reasons": [],
            "grade_by_hand": False,
            "topics": ["engineering_quality"],
            "in_jurisdiction": True,
            "casualties": {},
            "first_reported_at": NOW,
            "detected_at": NOW,
            "updated_at": NOW,
            "status_since": NOW,
            "profile": {},
        }
        kept = incident_rows.create(session, title=CRANE[0][0], **fields)
        absorbed = incident_rows.create(session, title=CRANE[1][0], **fields)
        incident_rows.add_member(session, kept.id, first, NOW)
        incident_rows.add_member(session, absorbed.id, second, NOW)  # pending, not yet written
        incident_rows.absorb_members(session, absorbed.id, kept.id)
    assert world.members(kept.id) == {first, second}
    assert world.members(absorbed.id) == set()
