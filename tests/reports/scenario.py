"""A small, exact scenario database for the report tests: two weeks of posts, two incidents, responses
and an alert, inserted directly so that every expected number can be stated by hand.

Week 2026-W48 (11月23日–29日, 北京时间):
- incident A, 临沂 scaffold collapse, 重大 (engineering_quality): occurred 11-24 06:00, first report
  08:00, detected 08:30, alert sent 08:32; release 14:00 (8 h after the occurrence: the 5 h deadline is
  missed by 3 h), press conference 11-25 10:00 (28 h: missed by 4 h); negative share 50 % in the 24 h
  before the release, 6 of 7 after it, 2 of 7 posts question it; closed 11-28 12:00.
- incident B, 济南 delayed delivery, 较大 (housing_market): first report 11-26 09:00, release 12:00
  (3 h: the 48 h response met, speed grade A); negative 2/3 before, 0/2 after; quiet.
- six urban-management posts in 青岛, one negative; two posts with no topic (not counted).
Week 2026-W47: five housing-market posts in 济南, two negative.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from storage.models import (
    Document,
    DocumentAnalysis,
    DocumentTopic,
    GradeChange,
    Incident,
    IncidentDocument,
    IncidentEvent,
    OutboxMessage,
    Source,
)
from yuqing.instants import BEIJING

QUALITY, MARKET, URBAN = "engineering_quality", "housing_market", "urban_management"
PHONE = "13812345678"
PRIVATE_NAME = "张海燕"

CITIES = {
    "临沂市": {"province": "山东省", "city": "临沂市", "district": "兰山区", "mention": "临沂兰山区"},
    "济南市": {"province": "山东省", "city": "济南市", "district": None, "mention": "济南"},
    "青岛市": {"province": "山东省", "city": "青岛市", "district": None, "mention": "青岛"},
}
SOURCES = {
    "齐鲁晚报网": ("provincial", "news"),
    "微博": ("self_media", "social"),
    "新华网": ("central", "news"),
    "山东省住房和城乡建设厅": ("official", "official"),
}


def bj(text: str) -> datetime:
    """``"11-24 08:00"`` (2026, 北京时间) → aware UTC."""
    return datetime.strptime(f"2026-{text}", "%Y-%m-%d %H:%M").replace(tzinfo=BEIJING).astimezone(UTC)


@dataclass
class Scenario:
    incident_a: int = 0
    incident_b: int = 0
    release_a_url: str = ""
    urls: dict[str, str] = field(default_factory=dict)


class Builder:
    def __init__(self, session: Session) -> None:
        self.session = session
        self.sources: dict[str, Source] = {}
        self.numbers = itertools.count(1)

    def source(self, name: str) -> Source:
        if name not in self.sources:
            tier, _ = SOURCES[name]
            row = Source(
                name=name, tier=tier, type="official" if tier == "official" else None, created_at=bj("11-01 00:00")
            )
            self.session.add(row)
            self.session.flush()
            self.sources[name] = row
        return self.sources[name]

    def post(
        self,
        at: str,
        title: str,
        text: str,
        *,
        source: str = "齐鲁晚报网",
        topics: Sequence[str] = (QUALITY,),
        sentiment: str = "negative",
        city: str | None = "临沂市",
        reposts: int = 0,
        incident: int | None = None,
    ) -> Document:
        number = next(self.numbers)
        url = f"https://news.example.cn/{number}.html"
        document = Document(
            url=url,
            canonical_url=url,
            content_hash=f"{number:064d}",
            source_id=self.source(source).id,
            kind=SOURCES[source][1],
            title=title,
            text=text,
            author="网友甲" if source == "微博" else None,
            published_at=bj(at),
            fetched_at=bj(at),
            reposts=reposts,
        )
        self.session.add(document)
        self.session.flush()
        self.session.add(
            DocumentAnalysis(
                document_id=document.id,
                sentiment=sentiment,
                places=[CITIES[city]] if city else [],
                casualties={},
                keywords=[],
                model_version="test",
                tagged_at=bj(at),
            )
        )
        self.session.add_all(DocumentTopic(document_id=document.id, topic=t, score=0.9) for t in topics)
        if incident is not None:
            self.session.add(IncidentDocument(document_id=document.id, incident_id=incident, joined_at=bj(at)))
        self.session.flush()
        return document

    def incident(self, title: str, grade: str, topic: str, city: str, **instants: datetime | None) -> Incident:
        place = CITIES[city]
        row = Incident(
            title=title,
            status=str(instants.pop("status", "open")),
            grade=grade,
            grade_reasons=[f"测试定级（{grade}）"],
            topics=[topic],
            province=place["province"],
            city=place["city"],
            district=place["district"],
            in_jurisdiction=True,
            casualties=instants.pop("casualties", {}) or {},  # type: ignore[arg-type]
            updated_at=instants["detected_at"],
            **instants,
        )
        self.session.add(row)
        self.session.flush()
        self.session.add(
            GradeChange(incident_id=row.id, at=row.detected_at, grade=grade, reasons=[f"测试定级（{grade}）"])
        )
        return row

    def event(self, incident: int, kind: str, at: str, *, url: str | None = None, document: int | None = None) -> None:
        self.session.add(
            IncidentEvent(
                incident_id=incident,
                kind=kind,
                at=bj(at),
                recorded_at=bj(at),
                url=url,
                document_id=document,
                channel="官网",
            )
        )


def build(session: Session) -> Scenario:
    b = Builder(session)
    found = Scenario()
    a = b.incident(
        "临沂兰山区在建工地脚手架坍塌致2人死亡",
        "major",
        QUALITY,
        "临沂市",
        occurred_at=bj("11-24 06:00"),
        first_reported_at=bj("11-24 08:00"),
        detected_at=bj("11-24 08:30"),
        closed_at=bj("11-28 12:00"),
        status_since=bj("11-28 12:00"),
        status="closed",  # type: ignore[arg-type]
        casualties={"deaths": {"value": 2, "phrase": "造成2人死亡"}},  # type: ignore[dict-item]
    )
    found.incident_a = a.id
    b.post(
        "11-24 08:00",
        "临沂兰山区一在建工地脚手架坍塌",
        "今晨临沂兰山区一工地脚手架坍塌，多人被困。",
        sentiment="neutral",
        incident=a.id,
        reposts=120,
    )
    b.post(
        "11-24 09:00",
        "",
        f"临沂兰山区工地塌了，业主{PRIVATE_NAME}说工地一直没有围挡，联系电话{PHONE}，太吓人了",
        source="微博",
        incident=a.id,
        reposts=300,
    )
    b.post("11-24 10:00", "", "临沂兰山区工地坍塌，听说有人遇难，太惨了", source="微博", incident=a.id)
    b.post(
        "11-24 11:00",
        "临沂工地坍塌事故救援进行中",
        "临沂兰山区工地坍塌事故现场救援正在进行。",
        sentiment="neutral",
        incident=a.id,
    )
    release = b.post(
        "11-24 14:00",
        "关于兰山区在建工地脚手架坍塌事故的情况通报",
        "11月24日6时许，兰山区某在建工地发生脚手架坍塌事故，造成2人死亡、3人受伤。事故原因初步查明系脚手架搭设不规范，"
        "施工单位为某建设工程有限公司。目前已全面停工，事故调查组已成立，全市开展安全隐患排查。",
        source="山东省住房和城乡建设厅",
        sentiment="neutral",
        incident=a.id,
    )
    found.release_a_url = release.url
    b.event(a.id, "release", "11-24 14:00", url=release.url, document=release.id)
    b.event(a.id, "press_conference", "11-25 10:00", url="https://www.shandong.gov.cn/fbh/1.html")
    b.post("11-24 15:00", "", "质疑通报隐瞒真相，临沂兰山区工地的事为什么不说清楚", source="微博", incident=a.id)
    b.post("11-24 16:00", "", "临沂兰山区工地到底死了几个人？", source="微博", incident=a.id)
    b.post("11-24 16:20", "", "临沂兰山区工地坍塌，施工方必须严惩", source="微博", incident=a.id)
    b.post("11-24 16:40", "临沂工地坍塌事故引发关注", "临沂兰山区工地坍塌事故引发网民关注安全监管。", incident=a.id)
    b.post("11-24 18:00", "临沂工地坍塌事故追踪", "临沂兰山区工地坍塌事故后续。", incident=a.id)
    b.post("11-25 09:00", "", "临沂兰山区那个工地还在停工", source="微博", incident=a.id)
    b.post(
        "11-25 12:00",
        "临沂全市开展建筑工地安全排查",
        "临沂全市开展建筑工地安全隐患排查。",
        sentiment="neutral",
        incident=a.id,
    )
    b.session.add(
        OutboxMessage(
            idempotency_key=f"incident:{a.id}:alert",
            incident_id=a.id,
            kind="alert",
            recipients=["duty@zjt.example.cn"],
            subject="预警",
            body_text="预警",
            status="sent",
            created_at=bj("11-24 08:31"),
            next_attempt_at=bj("11-24 08:31"),
            sent_at=bj("11-24 08:32"),
        )
    )

    bb = b.incident(
        "济南某楼盘延期交付引发业主维权",
        "large",
        MARKET,
        "济南市",
        occurred_at=None,
        first_reported_at=bj("11-26 09:00"),
        detected_at=bj("11-26 09:30"),
        status_since=bj("11-27 12:00"),
        status="quiet",  # type: ignore[arg-type]
    )
    found.incident_b = bb.id
    m = {"topics": (MARKET,), "city": "济南市", "incident": bb.id}
    b.post("11-26 09:00", "济南某楼盘延期交付 业主聚集维权", "济南某楼盘延期交付，业主聚集维权。", **m)  # type: ignore[arg-type]
    b.post("11-26 10:00", "", "济南这个楼盘交房一拖再拖", source="微博", **m)  # type: ignore[arg-type]
    b.post("11-26 11:00", "济南住建部门回应楼盘延期", "济南市住建局表示已介入。", sentiment="neutral", **m)  # type: ignore[arg-type]
    release_b = b.post(
        "11-26 12:00",
        "关于某楼盘延期交付的情况通报",
        "济南某楼盘因资金问题延期交付，已责令开发商某置业有限公司制定复工计划，并成立工作专班处置。",
        source="山东省住房和城乡建设厅",
        sentiment="neutral",
        **m,  # type: ignore[arg-type]
    )
    b.event(bb.id, "release", "11-26 12:00", url=release_b.url, document=release_b.id)
    b.post("11-26 13:00", "济南楼盘复工计划出炉", "济南该楼盘复工计划公布，业主表示认可。", sentiment="positive", **m)  # type: ignore[arg-type]
    b.post("11-26 14:00", "", "济南那个楼盘说下月复工", source="微博", sentiment="neutral", **m)  # type: ignore[arg-type]

    urban = {"topics": (URBAN,), "city": "青岛市"}
    for day, sentiment in zip(
        ("11-23", "11-24", "11-25", "11-27", "11-28", "11-29"), ("negative",) + ("neutral",) * 5, strict=True
    ):
        b.post(f"{day} 10:00", f"青岛城市管理{day}", "青岛市城市管理局开展市容整治。", sentiment=sentiment, **urban)  # type: ignore[arg-type]
    b.post("11-25 10:00", "青岛啤酒节闭幕", "青岛啤酒节闭幕。", topics=(), sentiment="positive", city="青岛市")
    b.post("11-26 10:00", "天气预报", "明天有雨。", topics=(), sentiment="neutral", city=None)

    for i, sentiment in enumerate(("negative", "negative", "neutral", "neutral", "positive")):
        b.post(
            f"11-{17 + i} 10:00",
            f"济南房地产市场第{i}条",
            "济南房地产市场平稳。",
            topics=(MARKET,),
            sentiment=sentiment,
            city="济南市",
        )
    session.flush()
    return found
