"""Build ``bench/replays/headlines-collapse.json``: the 2009 collapse of a 13-storey building under construction
in Shanghai (上海闵行, 莲花河畔景苑), as the news headlines of ``../shared/data/real/headlines.jsonl`` followed it
for two weeks, among other real-estate and society headlines and three other collapses elsewhere.

Headlines carry no date: the collapse's twelve are placed on the days their content belongs to (the first
report on the morning of 2009-06-27, the press conference announced for 3 July, the arrest of an official
last), the others at seeded random instants over the same fortnight. Which headline belongs to which event was
decided by reading them; the choice is the lists below.

    python tools/replays/headlines.py
"""

from __future__ import annotations

import json
import random
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
REAL = ROOT.parent / "shared" / "data" / "real" / "headlines.jsonl"
OUT = ROOT / "bench" / "replays" / "headlines-collapse.json"
START = datetime.fromisoformat("2009-06-26T00:00:00+08:00")

# The collapse, in the order and at the instants (Beijing) the news reported it.
COLLAPSE = [
    ("thucnews-dev-07677", "2009-06-27T09:40"),  # 13层在建住宅楼整体倒塌1人死亡
    ("thucnews-dev-08785", "2009-06-27T16:20"),  # 出事楼盘已被暂停销售
    ("thucnews-dev-08364", "2009-06-28T10:05"),  # 抢险工作结束 调查结果今公布
    ("thucnews-test-05172", "2009-06-29T11:30"),  # 检察院介入倒楼调查
    ("thucnews-dev-07198", "2009-06-29T20:10"),  # 评论：不要变成悬疑剧
    ("thucnews-dev-08270", "2009-06-30T14:00"),  # 开发商负责人被司法控制
    ("thucnews-dev-05894", "2009-07-01T09:15"),  # 倒楼调查：退赔款7.7亿谁买单
    ("thucnews-test-05924", "2009-07-02T17:00"),  # 预告：3日直播调查发布会
    ("thucnews-dev-02331", "2009-07-03T15:30"),  # 未倒楼房检测报告
    ("thucnews-test-05472", "2009-07-04T10:00"),  # 现场恢复平静 业主期待协调
    ("thucnews-dev-01235", "2009-07-06T11:00"),  # 倒覆楼房评估价格出炉
    ("thucnews-dev-07216", "2009-07-09T08:30"),  # 所涉镇长助理被捕
]
# Other collapses: each its own event, never to be glued to the Shanghai one.
OTHERS = {
    "thucnews-dev-03724": "shijiazhuang_collapse",  # 石家庄一在建房屋遭雷击倒塌
    "thucnews-test-04705": "nigeria_collapse",
    "thucnews-dev-01422": "haiti_collapse",
}
NOISE = {"realty": 380, "news_house": 120, "society": 100}


def main() -> None:
    rows = [json.loads(line) for line in REAL.read_text(encoding="utf-8").splitlines() if line.strip()]
    taken = {i for i, _at in COLLAPSE} | set(OTHERS)
    rng = random.Random(20091)
    span = int(timedelta(days=15).total_seconds())
    items = [{"id": i, "at": f"{at}:00+08:00", "thread": "shanghai_collapse"} for i, at in COLLAPSE]
    for item_id, thread in OTHERS.items():
        at = START + timedelta(seconds=rng.randrange(span))
        items.append({"id": item_id, "at": at.isoformat(), "thread": thread})
    for category, count in NOISE.items():
        pool = sorted(r["id"] for r in rows if r.get("category") == category and r["id"] not in taken)
        for item_id in rng.sample(pool, count):
            at = START + timedelta(seconds=rng.randrange(span))
            items.append({"id": item_id, "at": at.isoformat(), "thread": None})
    items.sort(key=lambda item: (item["at"], item["id"]))
    replay = {
        "name": "headlines-collapse",
        "description": (
            "News headlines following the 2009 collapse of a building under construction in Shanghai for two "
            "weeks (12 headlines, placed on their days by hand), among 600 real-estate and society headlines "
            "and three other collapses, at seeded instants."
        ),
        "file": "headlines.jsonl",
        "source": "新闻标题",
        "kind": "news",
        "tier": "provincial",
        "step": "1h",
        "threads": {
            "shanghai_collapse": "上海闵行在建13层住宅楼整体倒覆（1人死亡），此后两周的调查、问责、赔偿报道（省外）",
            "shijiazhuang_collapse": "石家庄在建房屋遭雷击倒塌（17死3伤）：另一事件",
            "nigeria_collapse": "尼日利亚楼房倒塌：境外，另一事件",
            "haiti_collapse": "海地大楼倒塌：境外，另一事件",
        },
        "grades": {
            "shanghai_collapse": [
                {
                    "from": "thucnews-dev-07677",
                    "grade": "general",
                    "why": "1 death (一般 by casualties); outside the province; no gathering signal",
                }
            ],
            "shijiazhuang_collapse": [
                {"from": "thucnews-dev-03724", "grade": "major", "why": "17 deaths: 重大 (10–29)"}
            ],
        },
        "items": items,
    }
    OUT.write_text(json.dumps(replay, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"{OUT}: {len(items)} items")


if __name__ == "__main__":
    main()
