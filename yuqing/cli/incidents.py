"""The incidents stage's commands: ``detect`` and ``incidents`` (list, show, merge, split, grade).

``--now`` replays history (design.md): every command sees the world as it was at that instant; without
it, the current time. A bad id, a merge of an incident with itself or a split that would empty an
incident is answered in Chinese with exit status 2, and nothing is changed (the transaction is rolled
back).
"""

from __future__ import annotations

import argparse
import json
import logging
from typing import Any

from yuqing.cli.args import ArgumentParser, add_now_option, now_of, parse_incident_id
from yuqing.runtime import Runtime
from yuqing.vocabulary import GRADES

logger = logging.getLogger("yuqing")


def register(commands: Any, common: list[argparse.ArgumentParser]) -> None:
    detect = commands.add_parser(
        "detect",
        parents=common,
        help="把已标注的文档归并为事件并研判分级",
        description="把新标注的文档归入已有事件或候选事件，测算传播，按 config.toml 的门槛定级（附理由），\n"
        "推进事件生命周期，并列出苗头性舆情。--now 回放历史：只计入此刻及以前发布的文档。",
    )
    add_now_option(detect)
    detect.set_defaults(handler=cmd_detect)

    incidents = commands.add_parser(
        "incidents",
        parents=common,
        help="列出事件；合并、拆分、手工定级、查看详情",
        description="不带子命令时列出事件（等级、议题、地点、帖文、来源、首次报道）。",
    )
    incidents.add_argument("--json", action="store_true", help="每行输出一个事件的 JSON 对象")
    add_now_option(incidents)
    incidents.set_defaults(handler=cmd_list)
    actions = incidents.add_subparsers(dest="action", title="子命令", parser_class=ArgumentParser)

    show = actions.add_parser(
        "show", parents=common, help="查看一个事件的全部信息", description="查看一个事件的全部信息。"
    )
    show.add_argument("incident", metavar="ID", help="事件编号")
    show.add_argument("--json", action="store_true", help="输出 JSON")
    add_now_option(show)
    show.set_defaults(handler=cmd_show)

    merge = actions.add_parser(
        "merge", parents=common, help="把事件 B 并入事件 A", description="把事件 B 的全部文档并入事件 A，B 随即撤销。"
    )
    merge.add_argument("target", metavar="A", help="保留的事件编号")
    merge.add_argument("source", metavar="B", help="并入的事件编号")
    add_now_option(merge)
    merge.set_defaults(handler=cmd_merge)

    split = actions.add_parser(
        "split", parents=common, help="把若干文档拆分为新事件", description="把事件中指定的文档移出，组成一个新事件。"
    )
    split.add_argument("incident", metavar="ID", help="事件编号")
    split.add_argument("--documents", required=True, metavar="ID,ID…", help="文档编号或链接，用逗号分隔")
    add_now_option(split)
    split.set_defaults(handler=cmd_split)

    grade = actions.add_parser(
        "grade",
        parents=common,
        help="手工定级（自动研判不会调低）",
        description="手工设定事件等级并说明理由；之后自动研判只会调高、不会调低。",
    )
    grade.add_argument("incident", metavar="ID", help="事件编号")
    grade.add_argument("grade", metavar="GRADE", help="等级：" + "、".join(f"{k}（{v}）" for k, v in GRADES.items()))
    grade.add_argument("--reason", required=True, metavar="TEXT", help="定级理由")
    add_now_option(grade)
    grade.set_defaults(handler=cmd_grade)


def cmd_detect(args: argparse.Namespace, runtime: Runtime) -> int:
    from incidents.detect import detect
    from yuqing.instants import format_beijing

    now = now_of(args)
    runtime.ready()
    result = detect(runtime.sessions, now, runtime.config)
    print(
        f"研判完成（{format_beijing(now)}）：归入 {result.placed} 条文档（并入已有 {result.joined} 条，"
        f"新候选 {result.candidates} 个），新成立事件 {len(result.promoted)} 个，等级变化 {len(result.regraded)} 个，"
        f"状态变化 {len(result.transitions)} 个。"
    )
    for outcome in result.regraded:
        before, after = GRADES[outcome.grade_before or "general"], GRADES[outcome.grade_after or "general"]
        print(f"  事件 {outcome.incident_id}：{before} → {after}")
    if result.emerging:
        print("苗头性舆情：")
        for signal in result.emerging:
            print(f"  {signal.reason}")
    return 0


def cmd_list(args: argparse.Namespace, runtime: Runtime) -> int:
    from incidents.render import table, to_json, views

    now = now_of(args)
    runtime.ready()
    with runtime.sessions() as session:
        found = views(session, now, runtime.config)
        if args.json:
            for v in found:
                print(json.dumps(to_json(v, runtime.config), ensure_ascii=False))
        else:
            print(table(found))
    return 0


def cmd_show(args: argparse.Namespace, runtime: Runtime) -> int:
    from incidents.actions import find_incident
    from incidents.render import details, to_json, view

    now = now_of(args)
    runtime.ready()
    with runtime.sessions() as session:
        shown = view(session, find_incident(session, parse_incident_id(args.incident)), now, runtime.config)
        if args.json:
            print(json.dumps(to_json(shown, runtime.config), ensure_ascii=False))
        else:
            print(details(shown, runtime.config))
    return 0


def cmd_merge(args: argparse.Namespace, runtime: Runtime) -> int:
    from incidents.actions import merge
    from incidents.jurisdiction import home_province
    from storage.db import transaction

    now = now_of(args)
    runtime.ready()
    home = home_province(runtime.config.jurisdiction.province)
    with transaction(runtime.sessions) as session:
        target, source = parse_incident_id(args.target), parse_incident_id(args.source)
        outcome = merge(session, str(target), str(source), now, runtime.config, home)
    print(
        f"已把事件 {args.source} 并入事件 {outcome.incident_id}（等级：{GRADES[outcome.grade_after or 'general']}）。"
    )
    return 0


def cmd_split(args: argparse.Namespace, runtime: Runtime) -> int:
    from incidents.actions import split
    from incidents.jurisdiction import home_province
    from storage.db import transaction

    now = now_of(args)
    runtime.ready()
    home = home_province(runtime.config.jurisdiction.province)
    documents = [d for d in (part.strip() for part in args.documents.split(",")) if d]
    with transaction(runtime.sessions) as session:
        created = split(session, str(parse_incident_id(args.incident)), documents, now, runtime.config, home)
        created_id = created.id
    print(f"已从事件 {args.incident} 拆出 {len(documents)} 条文档，组成新事件 {created_id}。")
    return 0


def cmd_grade(args: argparse.Namespace, runtime: Runtime) -> int:
    from incidents.actions import set_grade
    from incidents.jurisdiction import home_province
    from storage.db import transaction

    now = now_of(args)
    runtime.ready()
    home = home_province(runtime.config.jurisdiction.province)
    with transaction(runtime.sessions) as session:
        incident = str(parse_incident_id(args.incident))
        outcome = set_grade(session, incident, args.grade, args.reason, now, runtime.config, home)
    effective = GRADES[outcome.grade_after or "general"]
    print(f"事件 {outcome.incident_id} 已手工定级；当前等级：{effective}（自动研判只会调高，不会调低）。")
    return 0
