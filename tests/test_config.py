"""config.toml: the shipped file loads, and every kind of mistake gets a message that names it."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from yuqing import config
from yuqing.errors import ConfigError

ROOT = Path(__file__).resolve().parents[1]


def problems_of(path: Path, environ: dict[str, str] | None = None) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        config.load(path, environ or {})
    return caught.value.problems


def test_shipped_config_loads_with_design_defaults() -> None:
    loaded = config.load(ROOT / "config.toml", {})
    assert loaded.clocks.release == timedelta(hours=5)
    assert loaded.clocks.press_conference == timedelta(hours=24)
    assert loaded.grading.accident.major.deaths == 10
    assert loaded.grading.accident.especially_major.economic_loss_yuan == 100_000_000
    assert loaded.topics.shantytown.department == "住房保障处"
    assert loaded.jurisdiction.province == "山东省"
    assert loaded.database.url == f"sqlite:///{ROOT / 'data' / 'yuqing.db'}"


def test_empty_file_gives_every_default(write_config) -> None:
    loaded = config.load(write_config(""), {})
    assert loaded.topics.expropriation.department == "房地产市场监管处"
    assert loaded.clocks.reminders_release == [timedelta(hours=2), timedelta(hours=1), timedelta(minutes=30)]
    assert loaded.sources == []


def test_unknown_key_names_file_key_and_the_keys_allowed(write_config) -> None:
    path = write_config('[smtp]\nhots = "mail.example.cn"\n')
    [message] = problems_of(path)
    assert message.startswith(f"{path}: [smtp].hots: 未知的键。提示：检查拼写；这里可用的键：host、port、")


def test_unknown_section_is_rejected(write_config) -> None:
    [message] = problems_of(write_config("[smpt]\nhost = 'x'\n"))
    assert ": smpt: 未知的键。提示：检查拼写；这里可用的键：database、sources、topics" in message


def test_wrong_type_says_what_was_expected_and_how_to_fix(write_config) -> None:
    path = write_config('[smtp]\nport = "465"\n')
    assert problems_of(path) == [
        f"{path}: [smtp].port: 应为整数，实际为 '465'。提示：去掉引号，写成 port = 465 这样的数字。"
    ]


def test_every_problem_is_reported_at_once(write_config) -> None:
    path = write_config('[smtp]\nport = "465"\nsecurity = "ssl"\n[clocks]\nrelease = "5 hours"\n')
    messages = problems_of(path)
    assert len(messages) == 3
    assert any("[smtp].security: 应为以下之一：'none', 'starttls' or 'tls'，实际为 'ssl'" in m for m in messages)
    assert any('[clocks].release: 应为时长字符串，如 "30s"、"10m"、"2h"、"1d"' in m for m in messages)


def test_source_errors_name_the_entry(write_config) -> None:
    path = write_config(
        '[[sources]]\nname = "省厅"\ntype = "official"\nurl = "http://a.example/"\ntier = "official"\n'
        '[[sources]]\nname = "微博"\ntype = "weibo"\nurl = "https://m.example/"\ntier = "self_media"\n'
        "interval = 10\n"
    )
    messages = problems_of(path)
    assert any(m.startswith(f'{path}: [[sources]] 第 2 项（name = "微博"）.interval: 应为时长字符串') for m in messages)


def test_duplicate_source_names_and_weibo_without_keywords(write_config) -> None:
    body = '[[sources]]\nname = "a"\ntype = "feed"\nurl = "http://a.example/rss"\ntier = "local"\n'
    [message] = problems_of(write_config(body * 2))
    assert '来源名称 "a" 重复' in message
    weibo = '[[sources]]\nname = "w"\ntype = "weibo"\nurl = "https://m.example/"\ntier = "self_media"\n'
    [message] = problems_of(write_config(weibo))
    assert "必须给出 keywords" in message


def test_bad_crontab_and_bad_address(write_config) -> None:
    path = write_config('[schedule]\nweekly_digest = "every monday"\n[recipients]\nduty = ["值班室"]\n')
    messages = problems_of(path)
    assert any("[schedule].weekly_digest: 应为 crontab 表达式" in m for m in messages)
    assert any("[recipients].duty[0]: 应为邮箱地址" in m for m in messages)


def test_thresholds_must_be_ordered(write_config) -> None:
    path = write_config("[grading.accident.major]\ndeaths = 40\nserious_injuries = 50\neconomic_loss_yuan = 1\n")
    messages = problems_of(path)
    assert any("deaths 的门槛应满足 especially_major > major > large" in m for m in messages)


def test_missing_environment_secret(write_config) -> None:
    path = write_config('[smtp]\nusername = "yuqing@example.cn"\npassword_env = "MAIL_PASS"\n')
    [message] = problems_of(path, {})
    assert message.startswith(
        f"{path}: [smtp].password_env: 应为已设置的环境变量名，但环境变量 MAIL_PASS 未设置。提示：export MAIL_PASS=…"
    )
    loaded = config.load(path, {"MAIL_PASS": "s3cret"})
    assert loaded.smtp_password == "s3cret"
    assert "s3cret" not in path.read_text(encoding="utf-8")


def test_secret_value_in_place_of_a_name_is_refused(write_config) -> None:
    [message] = problems_of(write_config('[smtp]\npassword_env = "my password!"\n'))
    assert "应为环境变量名（字母、数字和下划线），而不是密钥本身" in message


def test_toml_syntax_error_and_missing_file(tmp_path: Path, write_config) -> None:
    [message] = problems_of(write_config("[smtp\nhost = 1\n"))
    assert "TOML 语法错误" in message and "line 1" in message
    [message] = problems_of(tmp_path / "nope.toml")
    assert message == f"找不到配置文件 {tmp_path / 'nope.toml'}。提示：用 --config 指定 config.toml 的路径。"


def test_database_url_from_environment_overrides_the_file(write_config) -> None:
    path = write_config('[database]\nurl = "sqlite:///rel/y.db"\n')
    assert config.load(path, {}).database.url == f"sqlite:///{path.parent / 'rel' / 'y.db'}"
    loaded = config.load(path, {"YUQING_DATABASE_URL": "postgresql://u@h/db"})
    assert loaded.database.url == "postgresql://u@h/db"
    with pytest.raises(ConfigError, match="环境变量 YUQING_DATABASE_URL: 应为"):
        config.load(path, {"YUQING_DATABASE_URL": "mysql://u@h/db"})


def test_silence_limit_defaults_to_six_intervals(write_config) -> None:
    path = write_config(
        '[[sources]]\nname = "a"\ntype = "feed"\nurl = "http://a.example/rss"\ntier = "local"\ninterval = "5m"\n'
    )
    assert config.load(path, {}).sources[0].silence_limit == timedelta(minutes=30)


@pytest.mark.parametrize(
    "section, key",
    [
        ("alerts", "lease"),
        ("alerts", "retry_initial"),
        ("alerts", "retry_max"),
        ("schedule", "alerts_tick"),
        ("crawl", "download_timeout"),
        ("clocks", "release"),
        ("clocks", "acknowledge"),
    ],
)
def test_a_zero_duration_is_refused_where_it_would_spin_or_breach_at_once(write_config, section: str, key: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ConfigError) as raised:
        config.load(write_config(f'[{section}]\n{key} = "0s"\n'))
    assert f"[{section}].{key}: 不能短于" in str(raised.value)


def test_a_source_polled_every_zero_seconds_is_refused(write_config) -> None:  # type: ignore[no-untyped-def]
    source = '[[sources]]\nname = "快讯"\ntype = "feed"\nurl = "https://a.cn/rss"\ntier = "local"\ninterval = "0s"\n'
    with pytest.raises(ConfigError) as raised:
        config.load(write_config(source))
    assert "interval" in str(raised.value) and "不能短于 1s" in str(raised.value)
