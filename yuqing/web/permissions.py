"""Who may do what, decided on the server for every request (never by hiding buttons alone).

- duty (值班员): sees everything, does every action on every incident;
- department (处室): sees everything, acts only on incidents whose topics are its department's;
- leadership (领导): sees everything, comments, acts on nothing;
- admin (管理员): manages accounts; comments.
"""

from __future__ import annotations

from collections.abc import Iterable

from storage.models import Account
from yuqing.config import Config


def may_act(account: Account, topics: Iterable[str], config: Config) -> bool:
    """Whether ``account`` may act (acknowledge, respond, grade, merge, split, correct) on an incident of ``topics``."""
    if account.role == "duty":
        return True
    if account.role == "department":
        return account.department is not None and account.department in config.departments(topics)
    return False


def may_comment(account: Account) -> bool:
    return account.role in ("duty", "department", "leadership", "admin")


def may_manage_accounts(account: Account) -> bool:
    return account.role == "admin"
