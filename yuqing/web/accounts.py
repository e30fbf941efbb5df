"""Accounts as a service: the ``yuqing users`` commands and the console's account page call these.

Every change is written to the audit log with who made it (``by``: an account name, or ``命令行`` for the
command line) in the transaction that makes it. Passwords are never logged or audited, only that one was set.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import TYPE_CHECKING

from storage import accounts as account_rows
from storage import audit
from storage.db import transaction
from storage.models import Account
from yuqing.config import Config
from yuqing.errors import InputError
from yuqing.vocabulary import ACCOUNT_ROLES, TOPICS
from yuqing.web.passwords import hash_password

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

COMMAND_LINE = "命令行"
_USERNAME = re.compile(r"^[A-Za-z0-9_.\-\u4e00-\u9fff]{2,32}$")


def check_role(role: str, department: str | None, config: Config) -> tuple[str, str | None]:
    by_label = {label: key for key, label in ACCOUNT_ROLES.items()}
    key = role if role in ACCOUNT_ROLES else by_label.get(role)
    if key is None:
        known = "、".join(f"{k}（{v}）" for k, v in ACCOUNT_ROLES.items())
        raise InputError(f"未知的角色 {role!r}。可选：{known}。")
    known_departments = config.departments(TOPICS)
    if key == "department":
        if not department:
            raise InputError(f"处室账户须用 --department 指明处室，可选：{'、'.join(known_departments)}。")
        if department not in known_departments:
            raise InputError(
                f"未知的处室 {department!r}。"
                f"可选（config.toml 的 [topics.*] department）：{'、'.join(known_departments)}。"
            )
        return key, department
    if department:
        raise InputError("只有处室（department）账户需要 --department。")
    return key, None


def add(
    sessions: sessionmaker[Session],
    config: Config,
    username: str,
    role: str,
    department: str | None,
    password: str,
    now: datetime,
    by: str,
) -> Account:
    username = username.strip()
    if not _USERNAME.match(username):
        raise InputError(f"用户名 {username!r} 无效：2–32 个字符，可用汉字、字母、数字、下划线、点和连字符。")
    role, department = check_role(role, department, config)
    password_hash = hash_password(password)
    with transaction(sessions) as session:
        if account_rows.find(session, username) is not None:
            raise InputError(f"用户名 {username} 已存在。提示：用 yuqing users list 查看现有账户。")
        account = account_rows.add(session, username, role, department, password_hash, now)
        audit.append(
            session, now, by, "account_add", f"account:{username}", after={"role": role, "department": department}
        )
        session.expunge(account)
    return account


def _existing(session: Session, username: str) -> Account:
    account = account_rows.find(session, username)
    if account is None:
        raise InputError(f"找不到账户 {username}。提示：用 yuqing users list 查看现有账户。")
    return account


def set_disabled(sessions: sessionmaker[Session], username: str, disabled: bool, now: datetime, by: str) -> None:
    with transaction(sessions) as session:
        account = _existing(session, username)
        before = account.disabled
        account.disabled = disabled
        action = "account_disable" if disabled else "account_enable"
        audit.append(
            session, now, by, action, f"account:{username}", before={"disabled": before}, after={"disabled": disabled}
        )


def reset_password(sessions: sessionmaker[Session], username: str, password: str, now: datetime, by: str) -> None:
    password_hash = hash_password(password)
    with transaction(sessions) as session:
        account = _existing(session, username)
        account.password_hash = password_hash
        account.failed_logins = 0
        account.locked_until = None
        audit.append(session, now, by, "account_password", f"account:{username}")


def listing(sessions: sessionmaker[Session]) -> list[Account]:
    with sessions() as session:
        found = account_rows.all_accounts(session)
        for account in found:
            session.expunge(account)
        return found
