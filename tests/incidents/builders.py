"""Test worlds for the incidents stage: tagged documents written straight into a real database.

Places, casualties, occurrence times and keywords come from the real extractors (gazetteer,
casualty reader, occurrence parser, segmenter); topics and sentiment are given by the test, so a test
states exactly what the classifier would have said.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from incidents.detect import DetectResult, detect
from nlp.casualties import extract
from nlp.occurrence import occurred_at
from nlp.places import PlaceFinder
from nlp.segment import Segmenter
from storage.db import migrate, session_factory
from storage.models import Document, DocumentAnalysis, DocumentTopic, Incident, IncidentDocument, Source
from yuqing import config as config_module

NOW = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)  # 2026-11-25 10:00 北京时间
QUALITY = "engineering_quality"
HOUR = timedelta(hours=1)

_FINDER = PlaceFinder()
_SEGMENTER: list[Segmenter] = []


def segmenter() -> Segmenter:
    if not _SEGMENTER:
        _SEGMENTER.append(Segmenter())
    return _SEGMENTER[0]


def make_config(**incidents: Any) -> config_module.Config:
    data: dict[str, Any] = {"incidents": incidents} if incidents else {}
    return config_module.Config.model_validate(data)


class World:
    """A database with documents added by :meth:`post` and detect runs by :meth:`detect`."""

    def __init__(self, engine: Engine, config: config_module.Config | None = None) -> None:
        migrate(engine)
        self.sessions: sessionmaker[Session] = session_factory(engine)
        self.config = config or make_config()
        self._numbers = itertools.count(1)

    def post(
        self,
        title: str,
        text: str = "",
        at: datetime = NOW,
        *,
        source: str = "齐鲁晚报网",
        tier: str | None = "provincial",
        kind: str = "news",
        topics: Sequence[str] = (QUALITY,),
        author: str | None = None,
        duplicate_of: int | None = None,
        reposts: int = 0,
        sentiment: str = "negative",
    ) -> int:
        body = text or title
        joined = f"{title}。{body}" if title else body
        number = next(self._numbers)
        occurred = occurred_at(joined, at)
        with self.sessions.begin() as session:
            found = session.scalar(select(Source).where(Source.name == source))
            if found is None:
                found = Source(name=source, tier=tier, created_at=at)
                session.add(found)
                session.flush()
            document = Document(
                url=f"https://news.example.cn/{number}.html",
                canonical_url=f"https://news.example.cn/{number}.html",
                content_hash=f"{number:064d}",
                source_id=found.id,
                kind=kind,
                title=title,
                text=body,
                author=author,
                published_at=at,
                fetched_at=at,
                reposts=reposts,
                duplicate_of_id=duplicate_of,
            )
            session.add(document)
            session.flush()
            places = [
                {"province": p.province, "city": p.city, "district": p.district, "mention": p.mention}
                | ({"abroad": True} if p.abroad else {})
                for p in _FINDER.find(joined)
            ]
            session.add(
                DocumentAnalysis(
                    document_id=document.id,
                    sentiment=sentiment,
                    places=places,
                    casualties=extract(joined).to_dict(),
                    keywords=segmenter().keywords(joined),
                    occurred_at=occurred[0] if occurred else None,
                    model_version="test",
                    tagged_at=at,
                )
            )
            session.add_all(DocumentTopic(document_id=document.id, topic=t, score=0.9) for t in topics)
            return document.id

    def detect(self, now: datetime) -> DetectResult:
        return detect(self.sessions, now, self.config)

    def incidents(self, *statuses: str) -> list[Incident]:
        wanted = statuses or ("open", "active", "quiet", "closed")
        with self.sessions() as session:
            return list(session.scalars(select(Incident).where(Incident.status.in_(wanted)).order_by(Incident.id)))

    def incident_of(self, document_id: int) -> Incident:
        with self.sessions() as session:
            incident = session.scalar(
                select(Incident)
                .join(IncidentDocument, IncidentDocument.incident_id == Incident.id)
                .where(IncidentDocument.document_id == document_id)
            )
            assert incident is not None, f"document {document_id} is not placed"
            return incident

    def members(self, incident_id: int) -> set[int]:
        with self.sessions() as session:
            return set(
                session.scalars(select(IncidentDocument.document_id).where(IncidentDocument.incident_id == incident_id))
            )

    def placed(self) -> set[int]:
        with self.sessions() as session:
            return set(session.scalars(select(IncidentDocument.document_id)))
