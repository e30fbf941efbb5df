"""The segmenter: domain words the stock jieba dictionary gets wrong, stop words, keywords, cache, pickling."""

from __future__ import annotations

import pickle
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import jieba
import pytest

from nlp.segment import CACHE_FILE, DICTIONARY, STOPWORDS, Segmenter, read_dictionary, read_stopwords

# Segmentations the stock dictionary gets wrong (its cut in the comment), plus a few guards against
# domain words that would swallow the characters of their neighbours.
PINS = [
    ("一在建工地", ["一", "在建工地"]),  # stock: 一在 / 建工 / 地
    ("住建局", ["住建局"]),  # stock: 住 / 建局
    ("住建厅", ["住建厅"]),  # stock: 住 / 建厅
    ("住建部门介入调查", ["住建部门", "介入", "调查"]),  # not 住建部 / 门
    ("高支模坍塌", ["高支模", "坍塌"]),  # the structure stays a word of its own, as 塔吊 in 塔吊倒塌
    ("保交楼", ["保交楼"]),
    ("预售资金监管", ["预售资金监管"]),  # stock: 预售 / 资金 / 监管
    ("老旧小区改造加装电梯", ["老旧小区改造", "加装电梯"]),  # stock: 老旧 / 小区 / 改造 / 加装 / 电梯
    ("占道经营", ["占道经营"]),  # stock: 占 / 道 / 经营
    ("共有产权房", ["共有产权房"]),  # stock: 共有 / 产权 / 房
    ("公租房申请条件", ["公租房", "申请", "条件"]),  # stock: 公 / 租房 / ...
    ("保障性租赁住房", ["保障性租赁住房"]),
    ("人才公寓配租", ["人才公寓", "配租"]),
    ("棚户区改造", ["棚户区改造"]),
    ("城中村改造", ["城中村改造"]),
    ("危大工程", ["危大工程"]),  # stock: 危大 / 工程
    ("施工升降机", ["施工升降机"]),
    ("基坑坍塌", ["基坑坍塌"]),
    ("塔吊倒塌", ["塔吊", "倒塌"]),
    ("海砂房", ["海砂房"]),
    ("延期交房", ["延期交房"]),
    ("房企暴雷", ["房企暴雷"]),
    ("公积金贷款", ["公积金贷款"]),
    ("流动摊贩", ["流动摊贩"]),
    ("黑臭水体", ["黑臭水体"]),
    ("城市内涝", ["城市内涝"]),
    ("住房城乡建设局", ["住房城乡建设局"]),  # stock: 住房 / 城乡 / 建设局
    ("综合行政执法局", ["综合行政执法局"]),
    ("不动产登记中心", ["不动产登记中心"]),
    ("受伤送医", ["受伤送医"]),
    ("直接经济损失", ["直接经济损失"]),
    ("模板支撑体系失稳", ["模板支撑体系", "失稳"]),
    ("棚改安置房", ["棚改安置房"]),
    ("路面积水", ["路面积水"]),  # stock: 路 / 面积 / 水
    ("O网页链接", ["O网页链接"]),
    # guards: the domain words must not eat their neighbours
    ("受伤送医院救治", ["受伤", "送医院", "救治"]),  # not 受伤送医 / 院
    ("提交房产证明", ["提交", "房产", "证明"]),  # not 房产证 / 明
    ("二手房交易量", ["二手房", "交易量"]),
    ("物业费用太高", ["物业费用", "太高"]),  # not 物业费 / 用
    ("加强拆迁管理", ["加强", "拆迁", "管理"]),  # not 加 / 强拆
]

SAMPLE = (
    "3月5日上午，济南市历城区某在建工地发生高支模坍塌事故，造成两名工人死亡、三人受伤送医。"
    "事故发生后，市住建局立即责令该项目停工整改，并对全市在建项目开展安全隐患排查。"
    "据了解，涉事项目施工单位此前曾因违规施工被通报，监理单位未按专项施工方案进行验收。"
)


@pytest.fixture(scope="module")
def segmenter(tmp_path_factory: pytest.TempPathFactory) -> Segmenter:
    return Segmenter(cache_dir=tmp_path_factory.mktemp("segment-cache"))


@pytest.mark.parametrize(("text", "tokens"), PINS, ids=[f"pin{i:02d}" for i in range(len(PINS))])
def test_domain_words_are_cut_whole(segmenter: Segmenter, text: str, tokens: list[str]) -> None:
    assert segmenter.cut(text) == tokens


def test_a_building_site_is_not_split_into_yi_zai_jian_gong_di(segmenter: Segmenter) -> None:
    tokens = segmenter.cut("高新区一在建工地塔吊倒塌")
    assert "在建工地" in tokens
    assert not {"一在", "建工", "地"} & set(tokens)


def test_cut_keeps_punctuation_and_drops_white_space(segmenter: Segmenter) -> None:
    assert segmenter.cut("住建局  回应：\n 已介入") == ["住建局", "回应", "：", "已", "介入"]


def test_words_drop_stop_words_punctuation_and_numbers(segmenter: Segmenter) -> None:
    words = segmenter.words("我们小区的物业费又涨了！！3月起每平米2.5元，物业公司也没有解释。")
    assert "物业费" in words and "物业公司" in words and "小区" in words
    assert not {"我们", "的", "了", "也", "没有", "！", "，", "。", "3", "2.5"} & set(words)


def test_words_drop_weibo_noise(segmenter: Segmenter) -> None:
    assert segmenter.words("老楼加装电梯太难了 O网页链接 转发微博 展开全文") == ["老楼", "加装电梯", "难"]


def test_keywords_of_an_accident_report(segmenter: Segmenter) -> None:
    keywords = segmenter.keywords(SAMPLE)
    assert len(keywords) == 8
    assert {"在建工地", "高支模", "停工整改", "受伤送医"} <= set(keywords)
    assert not set(keywords) & segmenter.stopwords
    assert segmenter.keywords(SAMPLE, top_k=3) == keywords[:3]


def test_keywords_of_nothing(segmenter: Segmenter) -> None:
    assert segmenter.keywords("") == []
    assert segmenter.keywords("。。。！！") == []
    assert segmenter.keywords(SAMPLE, top_k=0) == []


def test_the_shipped_data_files_load() -> None:
    entries = read_dictionary(DICTIONARY)
    words = [word for word, _, _ in entries]
    assert len(words) >= 600
    assert len(words) == len(set(words)), "a word is listed twice"
    assert {"在建工地", "保交楼", "住建局", "占道经营", "受伤送医"} <= set(words)
    stopwords = read_stopwords(STOPWORDS)
    assert {"的", "了", "我们", "一个", "网页链接", "展开全文"} <= stopwords
    # Only the Weibo noise (tag x) is both a dictionary word, so that it stays one token, and a stop word.
    assert {tag for word, _, tag in entries if word in stopwords} == {"x"}


def test_a_malformed_dictionary_line_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "dictionary.txt"
    path.write_text("在建工地 2000 n\n塔吊 n\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"dictionary.txt:2"):
        read_dictionary(path)


def test_the_cache_file_lands_in_the_given_folder(tmp_path: Path) -> None:
    cache_dir = tmp_path / "nested" / "cache"
    segmenter = Segmenter(cache_dir=cache_dir)
    assert segmenter.cache_file == cache_dir / CACHE_FILE
    assert segmenter.cache_file.is_file()
    assert segmenter.cut("一在建工地") == ["一", "在建工地"]


def test_a_pickled_segmenter_cuts_the_same(segmenter: Segmenter) -> None:
    restored = pickle.loads(pickle.dumps(segmenter))
    assert restored.cache_dir == segmenter.cache_dir
    assert restored.tokenizer is not segmenter.tokenizer
    for text in (SAMPLE, "老旧小区改造加装电梯", "O网页链接"):
        assert restored.cut(text) == segmenter.cut(text)
        assert restored.words(text) == segmenter.words(text)
    assert restored.keywords(SAMPLE) == segmenter.keywords(SAMPLE)


def test_threads_share_one_segmenter(segmenter: Segmenter) -> None:
    texts = [text for text, _ in PINS] * 5
    with ThreadPoolExecutor(max_workers=4) as pool:
        assert list(pool.map(segmenter.cut, texts)) == [segmenter.cut(t) for t in texts]


def test_the_stock_jieba_tokenizer_is_untouched(tmp_path: Path) -> None:
    before = (jieba.dt.initialized, len(jieba.dt.FREQ), jieba.dt.total, jieba.dt.tmp_dir, jieba.dt.cache_file)
    segmenter = Segmenter(cache_dir=tmp_path)
    segmenter.cut(SAMPLE)
    segmenter.keywords(SAMPLE)
    after = (jieba.dt.initialized, len(jieba.dt.FREQ), jieba.dt.total, jieba.dt.tmp_dir, jieba.dt.cache_file)
    assert after == before
    assert segmenter.tokenizer is not jieba.dt
    assert not jieba.dt.FREQ.get("在建工地")
    assert "住建局" not in jieba.dt.user_word_tag_tab


# Texts where jieba's block splitting and letter joining matter: Latin words and digits amid Chinese, runs of
# single letters, white space and CRLF, emoji, full-width forms, characters outside the dictionary,
# dictionary words with letters, and repeated characters whose routes tie.
TRICKY = [
    "",
    "A3区万科金域蓝湾B栋3单元1502室漏水",
    "iPhone14 在 K2 路口 被 GPS 定位 ＃话题＃ 😡😡 很生气",
    "a b c\r\n\r\nd e\tf",
    "1.5万元/㎡，涨幅10%+，C++ 和 C# 都不是房子",
    "犇骉猋 龘 靐 𠀀𠀁 囧",
    "#武汉新增确诊# 【临沂一工地塔吊倒塌】 转发微博 O网页链接 ...",
    "ＡＢＣ１２３住建局　全角空格",
    "买了3A股和T恤，进了QQ群，X光片，3A股B超",  # dictionary words that begin with a letter are not joined to letters
    "啊啊啊啊啊太喜欢了哈哈哈哈哈嘻嘻嘻122",  # repeated characters: routes tie, jieba takes the longer word
]


def test_words_cut_as_jieba_does_without_its_hmm(segmenter: Segmenter) -> None:
    """``words`` segments on its own faster path; it must give exactly the tokens of jieba's own ``cut`` with
    HMM off, on every text of our corpus as on the tricky ones."""
    from nlp.corpus import CORPUS_DIR, corpus_files, read_examples

    texts = TRICKY + PINS_TEXTS + [SAMPLE] + [e.text for e in read_examples(corpus_files(CORPUS_DIR))][:3000]
    differing = [t for t in texts if segmenter._cut_without_hmm(t) != list(segmenter.tokenizer.cut(t, HMM=False))]
    assert differing == []
    assert segmenter._cut_without_hmm("iPhone14 在 K2 路口") == ["iPhone14", " ", "在", " ", "K2", " ", "路口"]


PINS_TEXTS = [text for text, _ in PINS]


def test_words_follow_a_word_added_after_they_were_first_cut(tmp_path: Path) -> None:
    segmenter = Segmenter(cache_dir=tmp_path)
    segmenter.words("南京市长江大桥")
    segmenter.tokenizer.add_word("南京市", 1)  # lowers every word's share of the total
    assert segmenter._cut_without_hmm("南京市长江大桥") == list(segmenter.tokenizer.cut("南京市长江大桥", HMM=False))
