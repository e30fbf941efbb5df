"""Password hashes (argon2id, argon2-cffi's defaults) and the rule for a new password."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from yuqing.errors import InputError

MIN_LENGTH = 10
_HASHER = PasswordHasher()  # argon2id, RFC 9106's low-memory profile


def check_new(password: str) -> str:
    if len(password) < MIN_LENGTH:
        raise InputError(f"密码太短：至少 {MIN_LENGTH} 个字符。")
    if password.strip() != password or not password.strip():
        raise InputError("密码首尾不能是空白字符。")
    return password


def hash_password(password: str) -> str:
    return _HASHER.hash(check_new(password))


def verify(password_hash: str, password: str) -> bool:
    try:
        return _HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


# A hash of nothing anyone can type, verified when the username is unknown, so a wrong name costs the same
# time as a wrong password (no probing for account names by timing).
DUMMY_HASH = _HASHER.hash("\x00 no account has this password \x00")
