"""The database schema as SQLAlchemy 2.0 typed models; Alembic migrations follow these classes.

One post becomes one ``Document`` (unique by canonical URL); the tagger adds ``DocumentAnalysis``
and ``DocumentTopic`` rows; incidents group documents (``IncidentDocument``) and keep their grade
history; responses and clock events are ``IncidentEvent`` rows; every notification is written to
the ``OutboxMessage`` table before anything is sent. Every instant is an aware UTC datetime.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class UTCDateTime(TypeDecorator[datetime]):
    """Refuses naive datetimes on the way in; returns aware UTC datetimes on the way out.

    SQLite has no time zones, so the value is stored there as naive UTC; PostgreSQL gets
    ``timestamptz``. Either way the application only ever sees aware UTC values.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r} cannot be stored; give it a time zone")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime(), dict[str, Any]: JSON, list[Any]: JSON}


class Source(Base):
    """A place documents come from: a configured source, or a name seen in imported data."""

    __tablename__ = "sources"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    type: Mapped[str | None] = mapped_column(String(20))
    tier: Mapped[str | None] = mapped_column(String(20))
    url: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    last_success_at: Mapped[datetime | None]
    last_attempt_at: Mapped[datetime | None]
    consecutive_failures: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)


class Document(Base):
    """One post, article, letter or release, stored once per canonical URL."""

    __tablename__ = "documents"
    __table_args__ = (
        Index("ix_documents_source_published", "source_id", "published_at"),
        # the few documents set aside, found without reading the million that are not (status, the desk)
        Index(
            "ix_documents_quarantined",
            "quarantined_at",
            sqlite_where=text("quarantined_at IS NOT NULL"),
            postgresql_where=text("quarantined_at IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(Text)
    canonical_url: Mapped[str] = mapped_column(String(2000), unique=True)
    content_hash: Mapped[str] = mapped_column(String(64), index=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id"))
    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(Text, default="")
    text: Mapped[str] = mapped_column(Text)
    author: Mapped[str | None] = mapped_column(String(500))
    published_at: Mapped[datetime] = mapped_column(index=True)
    fetched_at: Mapped[datetime]
    reposts: Mapped[int | None]
    comments: Mapped[int | None]
    likes: Mapped[int | None]
    views: Mapped[int | None] = mapped_column(BigInteger)
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"))
    simhash: Mapped[int | None] = mapped_column(BigInteger)
    simhash_band0: Mapped[int | None] = mapped_column(Integer, index=True)
    simhash_band1: Mapped[int | None] = mapped_column(Integer, index=True)
    simhash_band2: Mapped[int | None] = mapped_column(Integer, index=True)
    simhash_band3: Mapped[int | None] = mapped_column(Integer, index=True)
    # Set aside by the tagger, which could not process it (storage.tags.set_aside): when and why. Cleared when
    # it is tagged after all (``yuqing tag --all``).
    quarantined_at: Mapped[datetime | None]
    quarantine_reason: Mapped[str | None] = mapped_column(Text)

    source: Mapped[Source] = relationship()
    analysis: Mapped[DocumentAnalysis | None] = relationship(back_populates="document")
    topics: Mapped[list[DocumentTopic]] = relationship(back_populates="document")


class Reply(Base):
    """A message-board letter's handling: its status (已回复 / 未回复) and the official reply once published."""

    __tablename__ = "replies"

    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), primary_key=True)
    status: Mapped[str] = mapped_column(String(20))
    unit: Mapped[str | None] = mapped_column(String(200))
    text: Mapped[str | None] = mapped_column(Text)
    replied_at: Mapped[datetime | None]
    updated_at: Mapped[datetime]


class CrawlState(Base):
    """What a crawler remembers about one address of a source: HTTP validators, or a Weibo keyword's watermark."""

    __tablename__ = "crawl_state"
    __table_args__ = (UniqueConstraint("source_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id"))
    key: Mapped[str] = mapped_column(String(2000))
    etag: Mapped[str | None] = mapped_column(String(500))
    last_modified: Mapped[str | None] = mapped_column(String(100))
    watermark: Mapped[datetime | None]
    updated_at: Mapped[datetime]


class DocumentAnalysis(Base):
    """What the tagger found in one document, apart from its topics."""

    __tablename__ = "document_analysis"

    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), primary_key=True)
    sentiment: Mapped[str] = mapped_column(String(10))
    places: Mapped[list[Any]] = mapped_column(default=list)
    casualties: Mapped[dict[str, Any]] = mapped_column(default=dict)
    keywords: Mapped[list[Any]] = mapped_column(default=list)
    occurred_at: Mapped[datetime | None]
    model_version: Mapped[str] = mapped_column(String(100))
    tagged_at: Mapped[datetime]

    document: Mapped[Document] = relationship(back_populates="analysis")


class DocumentTopic(Base):
    """One topic assigned to one document, with the model's probability."""

    __tablename__ = "document_topics"
    __table_args__ = (Index("ix_document_topics_topic", "topic", "document_id"),)

    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), primary_key=True)
    topic: Mapped[str] = mapped_column(String(40), primary_key=True)
    score: Mapped[float]

    document: Mapped[Document] = relationship(back_populates="topics")


class Correction(Base):
    """An officer's correction of a document's topics or sentiment: who, when, why, and what it replaced.

    The latest correction of a document wins over the tagger, now and at every later re-tagging.
    ``topics`` None leaves the topics as tagged; an empty list says the document is about none of them.
    """

    __tablename__ = "corrections"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    topics: Mapped[list[Any] | None]
    sentiment: Mapped[str | None] = mapped_column(String(10))
    reason: Mapped[str | None] = mapped_column(Text)
    by: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime]
    before_topics: Mapped[list[Any] | None]
    before_sentiment: Mapped[str | None] = mapped_column(String(10))


class Incident(Base):
    """A group of documents about one event, with its grade and the three clock instants."""

    __tablename__ = "incidents"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="open", index=True)
    grade: Mapped[str] = mapped_column(String(20), default="general")
    grade_reasons: Mapped[list[Any]] = mapped_column(default=list)
    grade_by_hand: Mapped[bool] = mapped_column(Boolean, default=False)
    topics: Mapped[list[Any]] = mapped_column(default=list)
    province: Mapped[str | None] = mapped_column(String(50))
    city: Mapped[str | None] = mapped_column(String(50))
    district: Mapped[str | None] = mapped_column(String(50))
    in_jurisdiction: Mapped[bool] = mapped_column(Boolean, default=True)
    casualties: Mapped[dict[str, Any]] = mapped_column(default=dict)
    occurred_at: Mapped[datetime | None]
    first_reported_at: Mapped[datetime]
    detected_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]
    # Added by the incidents stage (migration 0003): grouping profile and lifecycle bookkeeping.
    last_seen_at: Mapped[datetime | None]
    status_since: Mapped[datetime | None]
    profile: Mapped[dict[str, Any] | None]

    documents: Mapped[list[IncidentDocument]] = relationship(back_populates="incident")
    grade_history: Mapped[list[GradeChange]] = relationship(back_populates="incident", order_by="GradeChange.at")
    events: Mapped[list[IncidentEvent]] = relationship(back_populates="incident", order_by="IncidentEvent.at")


class IncidentDocument(Base):
    """Membership of a document in an incident; ``by_hand`` pins a merge or split decision."""

    __tablename__ = "incident_documents"

    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    joined_at: Mapped[datetime]
    by_hand: Mapped[bool] = mapped_column(Boolean, default=False)

    incident: Mapped[Incident] = relationship(back_populates="documents")
    document: Mapped[Document] = relationship()


class IncidentKey(Base):
    """Where grouping looks for an incident: one row per topic, with its city and the instant until which
    it still attracts posts (``reach_until``), so placing a post reads an index range, never all history."""

    __tablename__ = "incident_keys"
    __table_args__ = (
        Index("ix_incident_keys_topic_reach", "topic", "reach_until"),
        Index("ix_incident_keys_reach", "reach_until"),
    )

    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), primary_key=True)
    topic: Mapped[str] = mapped_column(String(40), primary_key=True)
    city: Mapped[str | None] = mapped_column(String(50))
    reach_until: Mapped[datetime]


class IncidentMark(Base):
    """Where grouping looks for an incident beyond its topics: one row per named thing (``n:青青家园``, and
    the parts of a longer name) and per frequent key term (``t:按揭``), with the instant until which it still
    attracts posts. A post the tagger gave no topic, and a letter that resumes a thread after months, are
    found through these; like the keys, reading them is an index range."""

    __tablename__ = "incident_marks"
    __table_args__ = (
        Index("ix_incident_marks_mark_reach", "mark", "reach_until"),
        Index("ix_incident_marks_reach", "reach_until"),
    )

    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), primary_key=True)
    mark: Mapped[str] = mapped_column(String(64), primary_key=True)
    city: Mapped[str | None] = mapped_column(String(50))
    reach_until: Mapped[datetime]


class WaitingLetter(Base):
    """A letter the tagger gave no topic and no incident matched, by the named things of its title: when a
    letter with a topic later starts a thread on one of them, grouping finds these through the mark (an index
    range) and the ones on the same matter join it, so the thread has its history. Kept ``thread_within``."""

    __tablename__ = "waiting_letters"
    __table_args__ = (Index("ix_waiting_letters_mark_published", "mark", "published_at"),)

    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), primary_key=True)
    mark: Mapped[str] = mapped_column(String(64), primary_key=True)
    published_at: Mapped[datetime] = mapped_column(index=True)


class DetectState(Base):
    """The detect job's cursor: every document with an id at or below ``low_water`` has been considered."""

    __tablename__ = "detect_state"

    id: Mapped[int] = mapped_column(primary_key=True)
    low_water: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime]


class GradeChange(Base):
    """One entry of an incident's grade history: when, to what, and why."""

    __tablename__ = "grade_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    at: Mapped[datetime]
    grade: Mapped[str] = mapped_column(String(20))
    reasons: Mapped[list[Any]] = mapped_column(default=list)
    by_hand: Mapped[bool] = mapped_column(Boolean, default=False)

    incident: Mapped[Incident] = relationship(back_populates="grade_history")


class IncidentEvent(Base):
    """A response or clock event: release, follow-up, press conference, proposal, revocation."""

    __tablename__ = "incident_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    at: Mapped[datetime]
    recorded_at: Mapped[datetime]
    url: Mapped[str | None] = mapped_column(Text)
    channel: Mapped[str | None] = mapped_column(String(100))
    place: Mapped[str | None] = mapped_column(String(200))
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"))
    revoked_at: Mapped[datetime | None]

    incident: Mapped[Incident] = relationship(back_populates="events")


class OutboxMessage(Base):
    """A notification waiting to be delivered, written in the transaction that caused it."""

    __tablename__ = "outbox"
    __table_args__ = (
        UniqueConstraint("idempotency_key"),
        Index("ix_outbox_status_next", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(300))
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id"))
    kind: Mapped[str] = mapped_column(String(30))
    channel: Mapped[str] = mapped_column(String(20), default="email")
    recipients: Mapped[list[Any]] = mapped_column(default=list)
    subject: Mapped[str] = mapped_column(Text)
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text)
    headers: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(20), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime]
    next_attempt_at: Mapped[datetime]
    lease_until: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    message_id: Mapped[str | None] = mapped_column(String(300))


class JobRun(Base):
    """The last run of one daemon job (``yuqing status``): when it started and ended, and what it did."""

    __tablename__ = "job_runs"

    job_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    ok: Mapped[bool | None] = mapped_column(Boolean)
    summary: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)
    runs: Mapped[int] = mapped_column(Integer, default=0)
    failures: Mapped[int] = mapped_column(Integer, default=0)


class Account(Base):
    """A person who logs in to the console: a role, for department staff their 处室, an argon2id hash.

    Failed logins are counted here (not in memory), so a restart does not lift a lock-out."""

    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(20))
    department: Mapped[str | None] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(Text)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None]
    created_at: Mapped[datetime]
    last_login_at: Mapped[datetime | None]
    desk_seen_at: Mapped[datetime | None]  # the last visit to the desk: what is new since


class AuditEntry(Base):
    """One action on the record: who, when, on what, before and after. Append-only: no code deletes or edits it."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_incident_at", "incident_id", "at"), Index("ix_audit_log_at", "at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime]
    account: Mapped[str | None] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(40))
    target: Mapped[str | None] = mapped_column(String(100))
    incident_id: Mapped[int | None] = mapped_column(Integer)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class Acknowledgement(Base):
    """An officer signed for an incident's alerts (签收): what was sent before ``at`` is acknowledged."""

    __tablename__ = "acknowledgements"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    account: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime]


class Comment(Base):
    """A remark on an incident by anyone logged in (leadership included)."""

    __tablename__ = "comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    account: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime]
    text: Mapped[str] = mapped_column(Text)
