"""The evaluation of one incident's handling (应对效果评估) as a document.

Step in the flow: ``yuqing report INCIDENT`` (and the job that evaluates closed incidents) calls
:func:`build_evaluation`; ``reports.scoring`` computes the figures, :func:`to_report` lays them out.

The instant of the evaluation (``as_of``) is the incident's close when it is closed, else the instant
given; everything is read as of it (``reports.data``), so the document is reproducible.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING

from reports import charts
from reports.data import incident_facts
from reports.document import Bullets, Figure, Paragraph, Report, Run, Table, sources, text
from reports.privacy import deidentify
from reports.scoring import HOUR, Evaluation, evaluate, evaluation_instant, hourly_counts
from yuqing.config import Config
from yuqing.formatting import format_count, format_datetime, format_duration, format_hours
from yuqing.vocabulary import GRADES, TOPICS

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from storage.models import Incident

logger = logging.getLogger(__name__)


def build_evaluation(session: Session, incident: Incident, now: datetime, config: Config) -> Report:
    result = evaluate(incident_facts(session, incident, evaluation_instant(incident, now)), config)
    logger.info(
        "evaluation incident=%d total=%.1f band=%s speed=%s findings=%d",
        incident.id,
        result.total,
        result.band,
        result.speed,
        len(result.findings),
    )
    return to_report(result)


def to_report(e: Evaluation) -> Report:
    facts, incident = e.facts, e.facts.incident
    report = Report(
        kind="evaluation",
        title="舆情应对效果评估",
        subtitle=f"事件{incident.id}：{facts.title}（评估时点 {format_datetime(facts.as_of)}）",
        filename=f"应对效果评估_事件{incident.id}",
        footer="本评估由住建舆情监测系统依据数据库中的帖文、发布和通知记录自动生成，评分规则见系统文档；"
        "文中个人信息已按规定脱敏。[1][2]链接指向数字所依据的帖文或发布。",
    )
    report.summary = [
        text(
            "综合得分",
            Run(f"{e.total:g}分", bold=True),
            "，评估等级",
            Run(f"{e.band}色", bold=True),
            "；首次回应速度",
            Run(f"{e.speed}级", bold=True),
            "。",
        ),
        text(
            "问题认定：" + ("、".join(f.kind for f in e.findings) if e.findings else "无"),
            f"；处理建议：{e.recommendation}（责任处室：{e.department}）。" if e.recommendation else "。",
        ),
    ]
    _overview(report, e)
    _timeline(report, e)
    _deadline_table(report, e)
    _scores(report, e)
    _findings_section(report, e)
    _checklist_section(report, e)
    _evidence(report, e)
    return report


def _overview(report: Report, e: Evaluation) -> None:
    facts, incident = e.facts, e.facts.incident
    place = "".join(p for p in (incident.province, incident.city, incident.district) if p) or "未识别"
    rows = (
        (text("事件"), text(facts.title)),
        (
            text("等级"),
            text(GRADES[facts.grade] + (f"（{'；'.join(facts.grade_reasons)}）" if facts.grade_reasons else "")),
        ),
        (text("专题"), text("、".join(TOPICS.get(t, t) for t in incident.topics or []) or "—")),
        (text("地点"), text(place + ("" if incident.in_jurisdiction else "（外省，不计时）"))),
        (text("责任处室"), text(e.department)),
        (text("信息量"), text(f"{format_count(len(facts.posts))}条，来源{len({p.source for p in facts.posts})}个")),
    )
    report.section("一、事件概况").add(Table(("项目", "内容"), rows, widths=(1, 4)))


def _timeline_events(e: Evaluation) -> list[tuple[str, str, datetime, str | None]]:
    """(chart kind, label, instant, url) of every known moment, in order."""
    incident = e.facts.incident
    moments: list[tuple[str, str, datetime | None, str | None]] = [
        ("occurred", "事发", incident.occurred_at, None),
        ("first_report", "首次报道", incident.first_reported_at, e.facts.posts[0].url if e.facts.posts else None),
        ("detection", "监测发现", incident.detected_at, None),
        ("alert", "首次预警", e.facts.first_alert_at, None),
        ("release", "权威发布", e.release.at if e.release else None, e.release.url if e.release else None),
        *(("follow_up", f"续报{i}", r.at, r.url) for i, r in enumerate(e.follow_ups, start=1)),
        (
            "press_conference",
            "新闻发布会",
            e.conference.at if e.conference else None,
            e.conference.url if e.conference else None,
        ),
        ("peak", f"传播峰值（{e.peak[1]}条/小时）" if e.peak else "传播峰值", e.peak[0] if e.peak else None, None),
        ("close", "回落到基线", e.restored_at, None),
        ("close", "事件结束", incident.closed_at if e.facts.status == "closed" else None, None),
    ]
    return sorted(((k, label, at, url) for k, label, at, url in moments if at is not None), key=lambda m: m[2])


def _timeline(report: Report, e: Evaluation) -> None:
    section = report.section("二、处置时间线")
    moments = _timeline_events(e)
    rows = tuple(
        (
            text(label),
            text(format_datetime(at)),
            text(f"+{format_duration(at - e.start)}" if at >= e.start else "—"),
            text(*sources([url] if url else [])),
        )
        for _, label, at, url in moments
    )
    section.add(Table(("节点", "时间（北京时间）", "距计时起点", "依据"), rows, widths=(2, 3, 2, 1)))
    hourly = sorted(hourly_counts(e.facts.posts).items())
    events = [charts.TimelineEvent(kind, at) for kind, label, at, _ in moments if label != "事件结束"]
    deadlines = [
        charts.Deadline(f"{c.label}时限（{format_hours(c.limit / HOUR)}）", e.start + c.limit)
        for c in e.deadlines
        if c.official
    ]
    chart = charts.incident_timeline_chart(
        charts.IncidentTimeline(facts_title(e), [charts.HourlyCount(h, n) for h, n in hourly], events, deadlines)
    )
    section.add(Figure("timeline.png", chart, "图1 每小时信息量与处置节点（虚线为时限）"))


def facts_title(e: Evaluation) -> str:
    return e.facts.title


def _deadline_table(report: Report, e: Evaluation) -> None:
    section = report.section("三、回应时限")
    if not e.deadlines:
        why = "外省事件不计时" if not e.facts.incident.in_jurisdiction else f"{GRADES[e.facts.grade]}事件不适用回应时限"
        section.add(Paragraph(text(why + "。")))
        return
    rows = []
    for c in e.deadlines:
        if c.start is None:
            verdict, delay = "无此时刻", "—"
        elif c.done_at is None:
            verdict, delay = "未完成", "—"
        else:
            assert c.delay is not None
            over = c.delay - c.limit
            verdict = "按时" if c.met else f"超时{format_duration(over)}"
            delay = format_duration(c.delay)
        rows.append(
            (
                text(f"{c.label}（{format_hours(c.limit / HOUR)}）"),
                text(c.start_label + ("（计时起点）" if c.official else "")),
                text(format_datetime(c.start) if c.start else "—"),
                text(format_datetime(c.start + c.limit) if c.start else "—"),
                text(format_datetime(c.done_at) if c.done_at else "—"),
                text(delay),
                text(Run(verdict, bold=c.met is False)),
            )
        )
    section.add(
        Table(
            ("时限", "起算时刻", "起算时间", "截止时间", "完成时间", "用时", "结论"),
            tuple(rows),
            caption="表1 各时限自三个起算时刻的完成情况（以事发与首次报道中较早者为正式计时起点）",
            widths=(2.0, 1.6, 2.2, 2.2, 2.2, 1.3, 1.3),
        )
    )
    official = [c for c in e.deadlines if c.official and c.start is not None]
    if official:
        due = "；".join(f"{c.label}截止{format_datetime(c.start + c.limit)}" for c in official if c.start)
        section.add(Paragraph(text(f"正式时限（自{official[0].start_label}起算）：{due}。")))
    section.add(Paragraph(text(f"新华网首次回应速度等级：{e.speed}（A≤4小时，B≤1天，C≤3天，D≤7天，E更晚或未回应）。")))


def _scores(report: Report, e: Evaluation) -> None:
    section = report.section("四、六维评分")
    rows = tuple(
        (
            text(d.name),
            text(f"±{d.limit}"),
            text(Run(f"{d.score:+g}", bold=True)),
            text(d.measured, *sources(list(d.evidence))),
        )
        for d in e.dimensions
    )
    rows += (
        (
            text("合计"),
            text("±41"),
            text(Run(f"{e.total:+g}", bold=True)),
            text(f"评估等级：{e.band}色（蓝≥20，黄15–19.99，橙10–14.99，红<10）"),
        ),
    )
    section.add(Table(("维度", "分值范围", "得分", "测量结果与依据"), rows, widths=(1.5, 1.2, 1, 6)))


def _findings_section(report: Report, e: Evaluation) -> None:
    section = report.section("五、问题认定与处理建议")
    if not e.findings:
        section.add(Paragraph(text("未发现报告不及时、回应不妥当或处置不得力的情形。"), tone="good"))
        return
    items = tuple(
        text(Run(f.kind, bold=True), f"（{'严重' if f.serious else '一般'}）：{f.reason}。责任处室：{e.department}。")
        for f in e.findings
    )
    section.add(Bullets(items))
    section.add(
        Paragraph(
            text("处理建议：", Run(str(e.recommendation), bold=True), f"（责任处室：{e.department}）。"),
            tone="alert",
        )
    )
    section.add(Paragraph(text("依据：严重情形或两项以上问题建议约谈整改，一般情形建议通报批评。"), tone="note"))


def _checklist_section(report: Report, e: Evaluation) -> None:
    section = report.section("六、权威发布要素核对")
    if e.release is None:
        section.add(Paragraph(text("截至评估时点无权威发布。"), tone="alert"))
        return
    marks = {True: "已说明", False: "未说明", None: "无法核对（原文未入库）"}
    rows = tuple((text(item), text(marks[ok])) for item, ok in e.checklist)
    section.add(Table(("要素", "核对结果"), rows, widths=(1, 2)))
    if e.release.text:
        quote = deidentify(" ".join(e.release.text.split())[:300], kind="official")
        section.add(
            Paragraph(
                text("发布原文（节选）：", quote, " ", *sources([e.release.url] if e.release.url else [])), tone="note"
            )
        )


def _evidence(report: Report, e: Evaluation) -> None:
    section = report.section("七、主要帖文")
    posts = sorted((p for p in e.facts.posts if not p.duplicate), key=lambda p: (-p.engagement, p.published_at))[:10]
    if not posts:
        section.add(Paragraph(text("无。")))
        return
    section.add(
        Bullets(
            tuple(
                text(
                    Run(p.title, url=p.url),
                    f"（{p.source}，{format_datetime(p.published_at)}，互动{format_count(p.engagement)}）",
                )
                for p in posts
            )
        )
    )
    if e.questioning:
        section.add(Paragraph(text("质疑发布的帖文：", *sources([p.url for p in e.questioning], limit=10))))
