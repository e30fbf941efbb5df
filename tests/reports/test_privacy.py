"""De-identification: one table of realistic sentences, each with what must change and what must not."""

from __future__ import annotations

import pytest

from reports.privacy import KINDS, Deidentifier, deidentify

# ID numbers and card numbers below carry valid check digits (GB 11643 / Luhn); they belong to no one.
ID_VALID = "370102198507151237"
ID_OLD = "370283900301002"
CARD = "6217002710000684874"

CASES = [
    # --- phone numbers --------------------------------------------------------------------------------
    ("mobile", "social", "业主群里说有事打13812345678找物业。", "业主群里说有事打138****5678找物业。"),
    ("mobile with +86 and spaces", "forum", "联系我：+86 139 5311 2468", "联系我：+86 139****2468"),
    ("mobile with hyphens", "social", "电话186-0531-7788，微信同号", "电话186****7788，微信同号"),
    ("private landline", "forum", "我家电话0531-86123456，有事找我", "我家电话0531-****3456，有事找我"),
    ("landline with a full-width dash", "social", "店里座机0532－88776655", "店里座机0532-****6655"),
    ("duty landline of an office stays", "news", "市住建局值班电话0531-86123456。", "市住建局值班电话0531-86123456。"),
    (
        "hotlines 12345 and 0531-12345 stay",
        "social",
        "有问题请拨打12345政务服务便民热线或0531-12345反映。",
        "有问题请拨打12345政务服务便民热线或0531-12345反映。",
    ),
    ("400 number stays", "social", "开发商客服400-820-8820一直占线", "开发商客服400-820-8820一直占线"),
    (
        "an official release keeps its office number",
        "official",
        "咨询电话：0531-51765432（工作日）。",
        "咨询电话：0531-51765432（工作日）。",
    ),
    # --- ID cards -------------------------------------------------------------------------------------
    (
        "18-digit ID",
        "forum",
        f"求助！身份证号{ID_VALID}被人冒用签了购房合同",
        "求助！身份证号3701**********1237被人冒用签了购房合同",
    ),
    ("18-digit ID with a valid checksum, no label", "social", f"{ID_VALID} 这是他的", "3701**********1237 这是他的"),
    (
        "ID with a wrong check digit but labelled",
        "forum",
        "身份证：370102198507151234",
        "身份证：3701**********1234",
    ),
    ("15-digit old ID", "forum", f"老身份证{ID_OLD}还能用吗", "老身份证3702*******1002还能用吗"),
    (
        "document serial that looks like an ID stays",
        "official",
        "统一社会信用代码11370000004165000X，文号鲁建质安字〔2026〕12号。",
        "统一社会信用代码11370000004165000X，文号鲁建质安字〔2026〕12号。",
    ),
    # --- bank cards -----------------------------------------------------------------------------------
    ("bank card passing Luhn", "social", f"退款请打到{CARD}，谢谢", "退款请打到***************4874，谢谢"),
    ("grouped bank card", "forum", "卡号 6222 0216 0200 1234 568", "卡号 ***************4568"),
    (
        "order and waybill numbers stay",
        "social",
        "订单号2026112712345678901，快递单号773012345678901",
        "订单号2026112712345678901，快递单号773012345678901",
    ),
    # --- e-mail ----------------------------------------------------------------------------------------
    ("private e-mail", "social", "材料发我邮箱zhangsan88@163.com", "材料发我邮箱z***@163.com"),
    (
        "government e-mail stays",
        "news",
        "举报邮箱jsjb@zjt.shandong.gov.cn，受理时间工作日。",
        "举报邮箱jsjb@zjt.shandong.gov.cn，受理时间工作日。",
    ),
    # --- Weibo users and plates -----------------------------------------------------------------------
    (
        "Weibo users masked, official accounts kept",
        "social",
        "@济南发布 @大众日报 请关注！@李大嘴的日常：开发商跑路了",
        "@济南发布 @大众日报 请关注！@用户：开发商跑路了",
    ),
    ("licence plate", "social", "鲁A12345的车天天堵消防通道", "鲁A*****的车天天堵消防通道"),
    # --- names in social posts and forum messages -----------------------------------------------------
    ("villager", "social", "历下区村民张三反映，补偿款至今未到位。", "历下区村民张某反映，补偿款至今未到位。"),
    ("name jieba splits after a cue", "social", "车主张伟把车停在消防通道", "车主张某把车停在消防通道"),
    ("name without a cue in a post", "forum", "我叫周海燕，家住历下区。", "我叫周某，家住历下区。"),
    (
        "family member",
        "social",
        "今天和老公陈志强去看了房，销售小王说还能优惠。",
        "今天和老公陈某去看了房，销售小王说还能优惠。",
    ),
    ("compound surname 欧阳", "social", "网友欧阳娜娜也转发了这条视频", "网友欧阳某也转发了这条视频"),
    ("compound surname 诸葛", "social", "诸葛明亮在微博上说开发商跑路了", "诸葛某在微博上说开发商跑路了"),
    (
        "compound surname 司马, and a 小区 named after a person",
        "forum",
        "司马光小区的居民司马建国说，电梯坏了半个月。",
        "司马光小区的居民司马某说，电梯坏了半个月。",
    ),
    ("forms of address stay", "social", "王先生和李女士都说没收到通知", "王先生和李女士都说没收到通知"),
    # --- names in news and official releases ----------------------------------------------------------
    ("owner already masked", "news", "业主李某某称，开发商拖延交房已两年。", "业主李某某称，开发商拖延交房已两年。"),
    (
        "casualties named in the news",
        "news",
        "死者王大力，男，45岁，系工地工人。伤者赵丽华已送医。",
        "死者王某，男，45岁，系工地工人。伤者赵某已送医。",
    ),
    (
        "a list of owners",
        "news",
        "业主代表张建国、李秀英与开发商协商",
        "业主代表张某、李某与开发商协商",
    ),
    (
        "bureau chief in office",
        "news",
        "市住建局局长王建国表示，将依法依规处理。",
        "市住建局局长王建国表示，将依法依规处理。",
    ),
    (
        "journalist, company and media",
        "news",
        "据大众日报记者刘晓明报道，鲁兴建工承建的项目已停工整改。",
        "据大众日报记者刘晓明报道，鲁兴建工承建的项目已停工整改。",
    ),
    (
        "deputy head of department",
        "official",
        "省住房城乡建设厅副厅长孙玉芬带队督导检查。",
        "省住房城乡建设厅副厅长孙玉芬带队督导检查。",
    ),
    (
        "spokesperson, casualties and losses",
        "official",
        "新闻发言人张华介绍，事故造成3人死亡，直接经济损失1200万元。",
        "新闻发言人张华介绍，事故造成3人死亡，直接经济损失1200万元。",
    ),
    (
        "official with the title after the name",
        "news",
        "高新区管委会主任李强同志到现场指挥。",
        "高新区管委会主任李强同志到现场指挥。",
    ),
    (
        "private person in a release",
        "official",
        "2026年11月27日3时许，工人马小军在作业时坠落，经抢救无效死亡。",
        "2026年11月27日3时许，工人马某在作业时坠落，经抢救无效死亡。",
    ),
    (
        "project manager of a contractor is a private person",
        "news",
        "涉事项目经理孙德胜已被警方控制。",
        "涉事项目经理孙某已被警方控制。",
    ),
    ("name before a place-like word", "social", "刘海洋河边钓鱼时看见堤坝裂了", "刘某河边钓鱼时看见堤坝裂了"),
    # --- nothing to mask --------------------------------------------------------------------------------
    ("words that look like names", "social", "司机师傅说东方明珠那边不堵，谢谢", "司机师傅说东方明珠那边不堵，谢谢"),
    (
        "dates, times, places and developers",
        "social",
        "2026-11-27 09:15，济南高新区和邹平的恒大、万达、鲁能楼盘都在降价。",
        "2026-11-27 09:15，济南高新区和邹平的恒大、万达、鲁能楼盘都在降价。",
    ),
    (
        "place names that start with a surname",
        "forum",
        "张家庄村的王庄路上有个坑，历下区也不管。",
        "张家庄村的王庄路上有个坑，历下区也不管。",
    ),
]


@pytest.fixture(scope="module")
def deid(tmp_path_factory: pytest.TempPathFactory) -> Deidentifier:
    return Deidentifier(cache_dir=tmp_path_factory.mktemp("jieba-cache"))


def test_table_is_large_enough() -> None:
    assert len(CASES) >= 30
    assert {kind for _, kind, _, _ in CASES} == set(KINDS)


@pytest.mark.parametrize(("kind", "text", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_deidentify(deid: Deidentifier, kind: str, text: str, expected: str) -> None:
    assert deid(text, kind=kind) == expected


def test_idempotent(deid: Deidentifier) -> None:
    for _, kind, _, expected in CASES:
        assert deid(expected, kind=kind) == expected


def test_same_name_depends_on_kind(deid: Deidentifier) -> None:
    text = "张建华说小区的路灯坏了一个月。"
    assert deid(text, kind="forum") == "张某说小区的路灯坏了一个月。"
    assert deid(text, kind="news") == text


def test_keep_leaves_listed_strings(deid: Deidentifier) -> None:
    text = "刘德明在论坛里说，联系13812345678"
    assert deid(text, kind="forum") == "刘某在论坛里说，联系138****5678"
    assert deid(text, kind="forum", keep=["刘德明", "13812345678"]) == text


def test_unknown_kind_is_refused(deid: Deidentifier) -> None:
    with pytest.raises(ValueError, match="unknown kind"):
        deid("文本", kind="weibo")


def test_module_function_uses_a_shared_instance(monkeypatch: pytest.MonkeyPatch, deid: Deidentifier) -> None:
    monkeypatch.setattr("reports.privacy.default_deidentifier", lambda: deid)
    assert deidentify("村民张三反映") == "村民张某反映"


def test_empty_text(deid: Deidentifier) -> None:
    assert deid("", kind="news") == ""
