"""Incidents on real text: replay a real stream through ``ingest``, ``tag`` and ``detect --now`` and score the
grouping against the answer written down by hand.

    .venv/bin/python bench/replay.py bench/replays/message-board.json [--verbose]
    .venv/bin/python bench/replay.py fortnight          # the team's own scenario (tests/incidents/scenarios)
    .venv/bin/python bench/replay.py all

A replay file (``bench/replays/*.json``) names a file of ``../shared/data/real/`` and lists its items by id, each
with the instant it is replayed at and the thread it belongs to (one named thing and one matter, or one event),
or null; ``grades`` gives, per thread, the grade it should have had from which post on; ``out_of_scope`` names
the threads whose matter ``../shared/docs/labels.md`` gives no topic (a kindergarten's places, a bus line),
with why: like a post that names its thread only in a hashtag, their posts are not required to form an
incident (no topic starts nothing) and count only when placed with another thread. The texts are read from
the real file at run time and never copied here. Everything runs on a temporary SQLite database with the
shipped tagger and the default configuration; detect runs at every ``step`` that holds a post (empty stretches
are skipped, then detect runs once more a step after the last post).

Printed: pairwise precision/recall/F1 (pairs with at least one threaded post), per thread its size, the
incidents holding it (and how many of them are listed: candidates are not), recall (share in its main
incident), purity (share of that incident that is its own), posts left out; the share of threaded posts in
their thread's main incident; and per graded thread the grade timeline expected and found. Targets (issue 15):
per-thread recall ≥ 0.80 and purity ≥ 0.90, no thread in more than two incidents; for the fortnight F1 ≥ 0.90
and every incident graded as expected.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import sys
import tempfile
import time
from collections import defaultdict
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

REAL = ROOT.parent / "shared" / "data" / "real"
REPLAYS = ROOT / "bench" / "replays"
SCENARIOS = ROOT / "tests" / "incidents" / "scenarios"
GRADE_NAMES = {"extraordinary": "特别重大", "major": "重大", "large": "较大", "general": "一般"}
STEPS = {"1h": timedelta(hours=1), "1d": timedelta(days=1), "30m": timedelta(minutes=30)}
TIERS = {"social": "self_media", "forum": "local", "news": "local", "official": "official"}


def real_texts(file: str, ids: set[str]) -> dict[str, dict[str, Any]]:
    path = REAL / file
    if not path.is_file():
        raise SystemExit(f"找不到真实数据 {path}：回放需要 ../shared/data/real/ 与本仓库并列。")
    found: dict[str, dict[str, Any]] = {}
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            if row["id"] in ids:
                found[row["id"]] = row
    missing = ids - set(found)
    if missing:
        raise SystemExit(f"{file} 中缺少 {len(missing)} 条回放条目，例如 {sorted(missing)[:3]}")
    return found


def replay_documents(replay: dict[str, Any]) -> tuple[list[dict[str, Any]], str]:
    """Document JSON lines for the replay's items, and the sources section of the config."""
    items = replay["items"]
    rows = real_texts(replay["file"], {item["id"] for item in items})
    kind, source = replay["kind"], replay["source"]
    documents = []
    for item in items:
        row = rows[item["id"]]
        documents.append(
            {
                "url": f"https://replay.invalid/{replay['file']}/{item['id']}",
                "title": row.get("title") or "",
                "text": row.get("text") or row.get("title") or "",
                "published_at": item["at"],
                "source": source,
                "kind": kind,
            }
        )
    sources = (
        f'[[sources]]\nname = "{source}"\ntype = "site"\nurl = "https://replay.invalid/"\n'
        f'tier = "{replay.get("tier", TIERS[kind])}"\nenabled = false\n'
    )
    return documents, sources


def play(documents: list[dict[str, Any]], sources: str, step: timedelta, workdir: Path) -> dict[str, Any]:
    """Ingest, tag and detect ``documents`` in a fresh database; what was placed and the database's url."""
    from incidents.detect import detect
    from yuqing import config as config_module
    from yuqing.cli import main
    from yuqing.runtime import build

    database = workdir / "replay.db"
    url = f"sqlite:///{database}"
    config_path = workdir / "config.toml"
    config_path.write_text(f'[database]\nurl = "{url}"\n\n{sources}', encoding="utf-8")
    stream = workdir / "documents.jsonl"
    stream.write_text("".join(json.dumps(d, ensure_ascii=False) + "\n" for d in documents), encoding="utf-8")
    common = ["--log-level", "WARNING", "--config", str(config_path)]
    for command in (["init-db"], ["ingest", str(stream)], ["tag", "--workers", "1"]):
        with contextlib.redirect_stdout(io.StringIO()):
            status = main([*common, *command])
        if status != 0:
            raise SystemExit(f"yuqing {command[0]} 失败（退出状态 {status}）")
    config = config_module.load(config_path)
    runtime = build(config)
    instants = sorted(datetime.fromisoformat(d["published_at"]) for d in documents)
    started = time.perf_counter()
    runs = 0
    try:
        for now in detect_instants(instants, step):
            detect(runtime.sessions, now, config)
            runs += 1
    finally:
        runtime.dispose()
    return {"url": url, "runs": runs, "detect_seconds": time.perf_counter() - started}


def detect_instants(instants: list[datetime], step: timedelta) -> list[datetime]:
    """The ends of the steps that hold a post, then one step after the last."""
    if not instants:
        return []
    first = instants[0]
    ends: list[datetime] = []
    for at in instants:
        end = first + step * (-(-(at - first) // step) or 1)
        if not ends or end > ends[-1]:
            ends.append(end)
    ends.append(ends[-1] + step)
    return ends


def placements(url: str) -> tuple[dict[str, int], dict[int, dict[str, Any]], dict[int, list[tuple[datetime, str]]]]:
    """URL → incident, the incidents (status, grade, title), and each incident's grade history."""
    from sqlalchemy import create_engine, select

    from storage.models import Document, GradeChange, Incident, IncidentDocument

    engine = create_engine(url)
    with engine.connect() as connection:
        placed = dict(
            connection.execute(
                select(Document.url, IncidentDocument.incident_id).join(
                    IncidentDocument, IncidentDocument.document_id == Document.id
                )
            ).all()
        )
        incidents = {
            row.id: {"status": row.status, "grade": row.grade, "title": row.title, "detected_at": row.detected_at}
            for row in connection.execute(select(Incident))
        }
        history: dict[int, list[tuple[datetime, str]]] = defaultdict(list)
        for incident_id, at, grade in connection.execute(
            select(GradeChange.incident_id, GradeChange.at, GradeChange.grade).order_by(GradeChange.at)
        ):
            history[incident_id].append((at, grade))
    engine.dispose()
    return placed, incidents, history


def report_replay(path: Path, verbose: bool) -> dict[str, Any]:
    from incidents.replay import score
    from yuqing.instants import format_beijing

    replay = json.loads(path.read_text(encoding="utf-8"))
    documents, sources = replay_documents(replay)
    answer = {d["url"]: item["thread"] for d, item in zip(documents, replay["items"], strict=True)}
    by_id = {item["id"]: d["url"] for d, item in zip(documents, replay["items"], strict=True)}
    with tempfile.TemporaryDirectory() as tmp:
        played = play(documents, sources, STEPS[replay["step"]], Path(tmp))
        placed, incidents, history = placements(played["url"])
    weak = {d["url"] for d, item in zip(documents, replay["items"], strict=True) if item.get("weak")}
    outside = replay.get("out_of_scope", {})
    unasked = {d["url"] for d, item in zip(documents, replay["items"], strict=True) if item["thread"] in outside}
    result = score(answer, placed, weak | unasked)
    threaded = [t for t in result.threads]
    multi = [t for t in threaded if t.posts >= 2]
    in_main = sum(t.recall * t.posts for t in threaded)
    total = sum(t.posts for t in threaded)
    print(f"\n== {replay['name']}：{len(documents)} 条，{len(threaded)} 个线索（{len(multi)} 个多于 1 条）")
    if weak:
        joined = sum(1 for url in weak if url in placed)
        print(f"仅在话题标签中提及事项的帖子（不要求归入）：{len(weak)} 条，其中归入事件 {joined} 条")
    if unasked:
        joined = sum(1 for url in unasked if url in placed)
        print(
            f"不属本部门职责的线索（按 labels.md 无议题，不要求成事件）：{len(outside)} 个，{len(unasked)} 条，"
            f"其中归入事件 {joined} 条"
        )
    print(
        f"detect 运行 {played['runs']} 次，{played['detect_seconds']:.1f} 秒；"
        f"归入事件 {len(placed)} 条，事件（含候选）{len({*placed.values()})} 个"
    )
    print(f"成对：precision {result.precision:.3f}  recall {result.recall:.3f}  F1 {result.f1:.3f}")
    share = f"{in_main / total:.3f}（{in_main:.0f}/{total}）"
    print(f"线索内帖子在其主事件中的比例：{share}；未归入任何事件：{result.left_out}")
    ok = [t for t in multi if t.recall >= 0.8 and t.purity >= 0.9 and t.incidents <= 2]
    print(
        f"多帖线索达标（recall≥0.80、purity≥0.90、≤2 个事件）：{len(ok)}/{len(multi)}；"
        f"平均 recall {_mean(t.recall for t in multi):.3f}，平均 purity {_mean(t.purity for t in multi):.3f}，"
        f"最多拆成 {max((t.incidents for t in multi), default=0)} 个事件"
    )
    # what the duty officer sees: candidates are never listed, so a thread's listed incidents are the promoted ones
    listed: dict[str, set[int]] = defaultdict(set)
    for url, thread_key in answer.items():
        if thread_key is not None and url in placed and incidents[placed[url]]["status"] != "candidate":
            listed[thread_key].add(placed[url])
    print("线索                       帖数 事件数 其中列出 recall purity 未归入  主事件标题")
    for thread in sorted(threaded, key=lambda t: (-t.posts, t.thread)):
        if thread.posts < 2 and not verbose:
            continue
        title = incidents[thread.main_incident]["title"][:40] if thread.main_incident else "—"
        print(
            f"{thread.thread:<26} {thread.posts:>4} {thread.incidents:>5} {len(listed[thread.thread]):>7} "
            f"{thread.recall:>6.2f} {thread.purity:>6.2f} {thread.left_out:>5}   {title}"
        )
    for key, timeline in sorted(replay.get("grades", {}).items()):
        main = next((t.main_incident for t in threaded if t.thread == key), None)
        if len(timeline) < 2 and key.count("/") and not verbose:
            continue
        want = "，".join(
            f"{GRADE_NAMES[g['grade']]} 自 {format_beijing(datetime.fromisoformat(_at(replay, g['from'])))}"
            for g in timeline
        )
        if main is None:
            got = "未成事件"
        elif incidents[main]["status"] == "candidate":
            got = "候选，未确认"
        else:
            got = "，".join(f"{GRADE_NAMES.get(g, g)} 于 {format_beijing(at)}" for at, g in history[main]) or "无定级"
        print(f"定级 {key}：应为 {want}；实际 {got}")
    _ = by_id
    return {"name": replay["name"], "f1": result.f1, "threads_ok": len(ok), "threads": len(multi)}


def _at(replay: dict[str, Any], item_id: str) -> str:
    return next(item["at"] for item in replay["items"] if item["id"] == item_id)


def _mean(values: Any) -> float:
    values = list(values)
    return sum(values) / len(values) if values else 0.0


def report_fortnight() -> dict[str, Any]:
    """The team's own fortnight (tests/incidents/scenarios): pairwise F1 and grades right."""
    from incidents.replay import score

    documents = [json.loads(line) for line in (SCENARIOS / "documents.jsonl").read_text(encoding="utf-8").splitlines()]
    expected = {i["key"]: i for i in json.loads((SCENARIOS / "incidents.json").read_text(encoding="utf-8"))}
    sources = (SCENARIOS / "sources.toml").read_text(encoding="utf-8")
    answer = {d["url"]: d["incident"] for d in documents}
    with tempfile.TemporaryDirectory() as tmp:
        played = play(documents, sources, timedelta(hours=1), Path(tmp))
        placed, incidents, _history = placements(played["url"])
    result = score(answer, placed)
    right = 0
    wrong = []
    for thread in result.threads:
        want = expected[thread.thread]
        got = incidents.get(thread.main_incident or -1)
        if got and got["status"] != "candidate" and got["grade"] == want["grade"]:
            right += 1
        else:
            wrong.append((thread.thread, got and got["status"], got and got["grade"], want["grade"]))
    print(f"\n== 自有两周场景：{len(documents)} 条，{len(expected)} 个事件；detect {played['detect_seconds']:.1f} 秒")
    print(f"成对：precision {result.precision:.3f}  recall {result.recall:.3f}  F1 {result.f1:.3f}")
    print(f"定级正确：{right}/{len(expected)}" + (f"；错误：{wrong}" if wrong else ""))
    for thread in result.threads:
        if thread.incidents > 1 or thread.purity < 1 or thread.left_out:
            print(
                f"  {thread.thread:<40} {thread.posts:>3} 条 {thread.incidents} 个事件 recall {thread.recall:.2f} "
                f"purity {thread.purity:.2f} 未归入 {thread.left_out}"
            )
    return {"name": "fortnight", "f1": result.f1, "grades": right}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("replay", help="回放文件（bench/replays/*.json）、fortnight 或 all")
    parser.add_argument("--verbose", action="store_true", help="也列出单帖线索与全部定级")
    args = parser.parse_args()
    if args.replay in ("fortnight", "all"):
        report_fortnight()
    if args.replay == "all":
        for path in sorted(REPLAYS.glob("*.json")):
            report_replay(path, args.verbose)
    elif args.replay != "fortnight":
        report_replay(Path(args.replay), args.verbose)


if __name__ == "__main__":
    main()
