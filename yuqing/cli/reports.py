"""``yuqing digest`` and ``yuqing report``: the reports stage's commands (``reports.publish`` does the work).

Bad input (a malformed ``--week``, an unknown incident) is a Chinese message and exit status 2; a failed
send is exit status 1 (the files are written; ``--send`` can be repeated).
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from yuqing.cli.args import add_now_option, now_of, parse_incident_id
from yuqing.runtime import Runtime

if TYPE_CHECKING:
    from reports.publish import Written

logger = logging.getLogger("yuqing")

DEFAULT_OUT = Path("reports-out")


def register(commands: Any, common: list[argparse.ArgumentParser]) -> None:
    digest = commands.add_parser(
        "digest",
        parents=common,
        help="生成舆情周报（HTML 与 Word），可发送邮件",
        description="生成一周（周一 00:00 至周日 24:00，北京时间）的舆情周报，与上周对比：\n"
        "总量、分专题、分地市、分来源级别、情感与负面占比、事件与回应时限、苗头性舆情、热词、\n"
        "各处室回应情况、重点信息。写出 舆情周报_<周>.html 和 .docx；--send 发送邮件（附 Word）。\n"
        "例：yuqing digest --week 2026-W48 --out reports-out --send",
    )
    digest.add_argument("--week", metavar="YYYY-Www", help="ISO 周，如 2026-W48（缺省为上一个完整周）")
    _common_options(digest)
    digest.set_defaults(handler=cmd_digest)

    report = commands.add_parser(
        "report",
        parents=common,
        help="生成一起事件的应对效果评估（HTML 与 Word），可发送邮件",
        description="评估一起事件的应对：处置时间线、各时限（自三个起算时刻）、六维评分与等级、\n"
        "新华网速度等级、问题认定（报告不及时／回应不妥当／处置不得力）与处理建议、发布要素核对。\n"
        "已结束的事件按结束时刻评估，其他事件按现在（或 --now）评估。\n"
        "例：yuqing report 42 --out reports-out --send",
    )
    report.add_argument("incident", metavar="INCIDENT", help="事件编号（yuqing incidents 可查）")
    _common_options(report)
    report.set_defaults(handler=cmd_report)


def _common_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", metavar="DIR", type=Path, default=DEFAULT_OUT, help="输出目录（缺省 ./reports-out）")
    parser.add_argument("--send", action="store_true", help="写出文件后按 config.toml 的收件人发送邮件")
    add_now_option(parser)


def cmd_digest(args: argparse.Namespace, runtime: Runtime) -> int:
    from reports import publish
    from reports.data import last_complete_week, parse_week

    now = now_of(args)
    week = parse_week(args.week) if args.week else last_complete_week(now)
    runtime.ready()
    written = publish.digest(runtime.sessions, runtime.config, week.label, now, args.out, send=args.send)
    _print(written)
    return 0


def cmd_report(args: argparse.Namespace, runtime: Runtime) -> int:
    from reports import publish

    now = now_of(args)
    incident_id = parse_incident_id(args.incident)
    runtime.ready()
    written = publish.evaluation(runtime.sessions, runtime.config, incident_id, now, args.out, send=args.send)
    _print(written)
    return 0


def _print(written: Written) -> None:
    print(f"已写出：{written.html}")
    print(f"已写出：{written.docx}")
    if written.sent:
        print(f"邮件：{written.sent}")
