"""Grading (研判分级): the evidence of one incident in, its grade and the reasons for it out.

Pure functions; every threshold comes from ``[grading]`` in config.toml (design.md, "Grades"):

- Accidents (生产安全事故报告和调查处理条例 art. 3): deaths, serious injuries and direct economic
  loss, each compared with the three thresholds; the largest reported figure is the evidence
  (``nlp.casualties.Casualties.merge``). Reason: ``报道称3人死亡（较大）``.
- Opinion intensity, in the busiest ``[grading.opinion] window``: distinct sources
  (``2小时内23个来源转载（较大）``) and posts; a central-media report raises to at least
  ``central_media_grade`` (``中央媒体报道（较大）``); mass-gathering words (聚集、堵路…) raise to at
  least ``mass_gathering_grade`` (``出现聚集、堵路等群体性信号（较大）``).
- Topic rules: ``[grading] topic_min_grade`` gives a topic's lowest grade.

The grade is the highest any rule gives; the reasons list every rule that fired, highest first. A grade
set by hand (``incidents grade``) is a floor: automatic grading may raise it, never lower it.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from nlp.casualties import Casualties
from yuqing.config import GradingConfig
from yuqing.formatting import format_duration
from yuqing.vocabulary import GRADES, TOPICS, grade_rank

logger = logging.getLogger(__name__)

GENERAL_REASON = "伤亡、损失与传播强度均未达到较大门槛（一般）"


@dataclass(frozen=True)
class Evidence:
    casualties: Casualties
    window: timedelta
    window_posts: int = 0
    window_sources: int = 0
    central_media: bool = False
    provincial_sources: int = 0
    # the busiest hour's posts and the hour before's: a surge is growth, whatever the totals
    surge: tuple[int, int] | None = None
    gathering_terms: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()


def grade(evidence: Evidence, settings: GradingConfig) -> tuple[str, list[str]]:
    """(grade, reasons in Chinese), the reasons highest grade first."""
    found = [*_accident(evidence.casualties, settings), *_opinion(evidence, settings), *_topics(evidence, settings)]
    if not found:
        return "general", [GENERAL_REASON]
    found.sort(key=lambda pair: -grade_rank(pair[0]))
    return found[0][0], [reason for _grade, reason in found]


def with_hand(auto: tuple[str, list[str]], hand: tuple[str, list[str]] | None) -> tuple[str, list[str]]:
    """The effective grade: the hand-set grade unless automatic grading found a higher one."""
    if hand is None:
        return auto
    auto_grade, auto_reasons = auto
    hand_grade, hand_reasons = hand
    if grade_rank(auto_grade) > grade_rank(hand_grade):
        return auto_grade, [*auto_reasons, *hand_reasons]
    facts = [r for r in auto_reasons if r != GENERAL_REASON]
    return hand_grade, [*hand_reasons, *facts]


def higher(first: str, second: str) -> str:
    return first if grade_rank(first) >= grade_rank(second) else second


def label(grade_key: str) -> str:
    return GRADES[grade_key]


def _accident(casualties: Casualties, settings: GradingConfig) -> list[tuple[str, str]]:
    thresholds = settings.accident
    levels = (
        ("especially_major", thresholds.especially_major),
        ("major", thresholds.major),
        ("large", thresholds.large),
    )
    found = []
    for field, text in (
        ("deaths", "报道称{}人死亡"),
        ("serious_injuries", "报道称{}人重伤"),
        ("economic_loss_yuan", "报道称直接经济损失{}"),
    ):
        figure = getattr(casualties, field)
        if figure is None or figure.value <= 0:
            continue
        reached = next((g for g, t in levels if figure.value >= getattr(t, field)), "general")
        amount = money(figure.value) if field == "economic_loss_yuan" else str(figure.value)
        found.append((reached, f"{text.format(amount)}（{label(reached)}）"))
    return found


def _opinion(evidence: Evidence, settings: GradingConfig) -> list[tuple[str, str]]:
    opinion = settings.opinion
    span = format_duration(evidence.window)
    found = []
    sources = evidence.window_sources
    posts = evidence.window_posts
    if sources >= opinion.large_sources:
        reached = "major" if sources >= opinion.major_sources else "large"
        found.append((reached, f"{span}内{sources}个来源转载（{label(reached)}）"))
    if posts >= opinion.large_posts:
        reached = "major" if posts >= opinion.major_posts else "large"
        found.append((reached, f"{span}内{posts}条帖文（{label(reached)}）"))
    if evidence.central_media:
        found.append((opinion.central_media_grade, f"中央媒体报道（{label(opinion.central_media_grade)}）"))
    if evidence.provincial_sources >= opinion.provincial_sources and opinion.provincial_media_grade != "general":
        reached = opinion.provincial_media_grade
        found.append((reached, f"{evidence.provincial_sources}家省级媒体报道（{label(reached)}）"))
    if evidence.surge is not None and opinion.growth_grade != "general":
        now_posts, before = evidence.surge
        if now_posts >= opinion.growth_posts and now_posts >= opinion.growth_factor * max(before, 1):
            reached = opinion.growth_grade
            found.append((reached, f"1小时内帖文由{before}条增至{now_posts}条，快速扩散（{label(reached)}）"))
    if evidence.gathering_terms:
        terms = "、".join(evidence.gathering_terms[:2])
        reached = opinion.mass_gathering_grade
        found.append((reached, f"出现{terms}等群体性信号（{label(reached)}）"))
    return found


def _topics(evidence: Evidence, settings: GradingConfig) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for topic in evidence.topics:
        floor = settings.topic_min_grade.get(topic)
        if floor and floor != "general":
            found.append((floor, f"按议题规则，{TOPICS.get(topic, topic)}类事件至少为{label(floor)}（{label(floor)}）"))
    return found


def gathering_terms(texts: Sequence[str], terms: Sequence[str]) -> tuple[str, ...]:
    """The mass-gathering words that occur in any of ``texts``, in the configured order."""
    return tuple(term for term in terms if any(term in text for text in texts))


def money(yuan: int) -> str:
    """1.2亿元, 3500万元, 800元."""
    if yuan >= 100_000_000:
        return f"{yuan / 100_000_000:g}亿元"
    if yuan >= 10_000:
        return f"{yuan / 10_000:g}万元"
    return f"{yuan}元"
