"""Matters: what happened, named the several ways real posts name it.

The letters' matters (fit-out, title deeds, sales tricks, property fees, traffic, greening, rubbish) were added from
the wordings most frequent in the real message board (``../shared/data/real/messages-2020.jsonl``) that no matter
covered: there, two letters on one estate months apart are one thread only when they share a matter.

Two headlines of one collapse rarely share a word: 在建住宅楼整体倒塌, 倒覆楼房评估价格出炉, 倒楼调查, 楼房倒覆悲剧.
Grouping needs to see that they speak of one kind of event; this table maps the wordings to one matter each.
A matter alone says little (collapses happen everywhere), so grouping counts it only together with time and
place (``incidents.grouping``: the same matter in the same city within the acute window).
"""

from __future__ import annotations

import re

MATTERS: dict[str, str] = {
    "collapse": r"倒塌|坍塌|倒覆|倒楼|楼倒|垮塌|塌陷|塌方|塌落|倾覆|倒伏|楼脆脆|楼歪歪",
    "crane": r"塔吊|塔式起重机|起重机|吊车|吊臂|臂架",
    "fall": r"坠落|高坠|坠亡|坠楼|摔落",
    "fire": r"火灾|起火|着火|失火|大火|燃烧|火情",
    "explosion": r"爆炸|爆燃|闪爆",
    "gas": r"燃气泄漏|煤气泄漏|中毒|窒息|一氧化碳",
    "flood": r"内涝|积水|被淹|淹没|水漫|暴雨",
    "leak": r"漏水|渗水|渗漏|返潮|发霉",
    "cracks": r"开裂|裂缝|裂纹|墙皮脱落|空鼓",
    "facade": r"外墙砖|外墙皮|瓷砖脱落|墙砖|高空坠物",
    "stalled": r"烂尾|停工|停建|延期交房|逾期交房|交不了房|复工",
    "wages": r"欠薪|讨薪|拖欠工资|农民工工资|讨要工资",
    "demolition": r"强拆|强制拆除|违法拆除|暴力拆迁|拆迁",
    "compensation": r"补偿款|安置费|过渡费|补偿标准|补偿协议",
    "resettlement": r"回迁|安置房|还建房|棚改",
    "noise": r"噪音|噪声|扰民|夜间施工|通宵施工",
    "fumes": r"油烟|烟道|异味|臭味|粉尘|扬尘",
    "illegal_building": r"违建|违章搭建|违章建筑|私搭乱建|加建|加盖",
    "street_vending": r"占道经营|摆摊|流动摊贩|小贩",
    "enforcement": r"城管|执法人员|暴力执法|粗暴执法",
    "parking": r"乱停|停车位|车位|违停|占用消防通道|消防通道",
    "mortgage": r"房贷|按揭|月供|还贷|延后还款|延期还款|信用卡|花呗|借呗|车贷|网贷",  # loan repayments
    "rent": r"房租|租金|减租|免租|租户",
    "price": r"房价|限购|限价|楼市|调控",
    "water_main": r"爆管|水管爆裂|停水|供水管",
    "heating": r"供暖|暖气|采暖",
    "elevator": r"电梯",
    "kindergarten": r"幼儿园|入园|学位|入学",
    "power_line": r"高压线|高压电线|变电站|电线杆|输电线",
    "fitout": r"精装|装修标准|装修质量|装修款|装修费|毛坯|交付标准",
    "title_deed": r"产权证|不动产证|不动产权证|房产证|办证|网签",
    "sales": r"捂盘|一房二卖|虚假宣传|捆绑销售|公摊|霸王条款",
    "property_fee": r"物业费|物业管理费|维修基金|维修资金|停车费",
    "traffic": r"红绿灯|拥堵|堵车|交通堵塞|断头路",
    "greening": r"绿化|毁绿|砍树|公共绿地|小区绿地|侵占绿地|占用绿地",  # not 绿地, a developer's name
    "garbage": r"垃圾站|垃圾桶|垃圾清运|垃圾分类|垃圾堆|生活垃圾|建筑垃圾|垃圾中转",  # not 垃圾, an insult
}
_PATTERNS = {matter: re.compile(pattern) for matter, pattern in MATTERS.items()}


def find_matters(text: str) -> list[str]:
    """The matters ``text`` speaks of, in the order of :data:`MATTERS`."""
    return [matter for matter, pattern in _PATTERNS.items() if pattern.search(text)]
