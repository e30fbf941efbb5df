"""Console accounts: create, find, list, disable, set a password hash, count failed logins and lock-outs."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import Account


def find(session: Session, username: str) -> Account | None:
    return session.scalar(select(Account).where(Account.username == username))


def get(session: Session, account_id: int) -> Account | None:
    return session.get(Account, account_id)


def add(
    session: Session, username: str, role: str, department: str | None, password_hash: str, now: datetime
) -> Account:
    account = Account(
        username=username,
        role=role,
        department=department,
        password_hash=password_hash,
        disabled=False,
        failed_logins=0,
        created_at=now,
    )
    session.add(account)
    session.flush()
    return account


def all_accounts(session: Session) -> list[Account]:
    return list(session.scalars(select(Account).order_by(Account.username)))


def record_failure(session: Session, account: Account, now: datetime, limit: int, lock_until: datetime) -> bool:
    """Count one failed login; lock the account when ``limit`` is reached. True when this failure locked it."""
    account.failed_logins += 1
    if account.failed_logins >= limit:
        account.failed_logins = 0
        account.locked_until = lock_until
        return True
    return False


def record_success(session: Session, account: Account, now: datetime) -> None:
    account.failed_logins = 0
    account.locked_until = None
    account.last_login_at = now
