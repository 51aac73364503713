"""One member across channels: identities, phone sign-in with one-time codes, merging duplicates."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from .errors import DomainError, ErrorCode
from .people import Member


class IdentityKind(StrEnum):
    PHONE = "PHONE"
    WECHAT_OPENID = "WECHAT_OPENID"  # the mini-program's per-app user id
    WECHAT_UNIONID = "WECHAT_UNIONID"  # WeChat's id across the chain's apps
    STORE_CARD = "STORE_CARD"  # the plastic card scanned at the till


@dataclass(frozen=True, slots=True)
class Identity:
    kind: IdentityKind
    value: str


@dataclass(frozen=True, slots=True)
class SignInPolicy:
    code_length: int = 6
    ttl: timedelta = timedelta(minutes=5)
    max_attempts: int = 5  # wrong guesses before a code is dead
    resend_after: timedelta = timedelta(seconds=60)
    max_per_hour: int = 5


SIGN_IN = SignInPolicy()

_PHONE = re.compile(r"^1[3-9]\d{9}$")
_WECHAT_ID = re.compile(r"^[A-Za-z0-9_-]{6,64}$")
_CARD = re.compile(r"^\d{8,20}$")


def normalise_phone(raw: str, field: str = "phone") -> str:
    """A mainland mobile number as 11 digits (accepts +86 / 0086, spaces and hyphens)."""
    digits = re.sub(r"[\s-]", "", raw)
    for prefix in ("+86", "0086"):
        if digits.startswith(prefix):
            digits = digits[len(prefix) :]
    if not _PHONE.match(digits):
        raise DomainError(ErrorCode.INVALID_INPUT, "Enter an 11-digit mobile number.", [field])
    return digits


def identity(kind: IdentityKind, raw: str, field: str) -> Identity:
    """A validated identity value of this kind."""
    value = raw.strip()
    if kind is IdentityKind.PHONE:
        return Identity(kind, normalise_phone(value, field))
    pattern = _CARD if kind is IdentityKind.STORE_CARD else _WECHAT_ID
    if not pattern.match(value):
        raise DomainError(ErrorCode.INVALID_INPUT, f"That is not a valid {kind.value.lower()}.", [field])
    return Identity(kind, value)


def masked_phone(phone: str) -> str:
    return phone[:3] + "****" + phone[-4:] if len(phone) >= 7 else "****"


def new_sign_in_code(policy: SignInPolicy = SIGN_IN) -> str:
    return "".join(str(secrets.randbelow(10)) for _ in range(policy.code_length))


@dataclass(frozen=True, slots=True)
class SignInCode:
    id: int
    phone: str
    code_hash: str
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None
    attempts: int


def check_code_request(recent: list[SignInCode], now: datetime, policy: SignInPolicy = SIGN_IN) -> None:
    """Codes for one phone: not again while the last is fresh and unused, and a few an hour at most
    (texts cost money and annoy people)."""
    last_hour = [c for c in recent if now - c.created_at < timedelta(hours=1)]
    unused = [c.created_at for c in last_hour if c.used_at is None]
    if unused and now - max(unused) < policy.resend_after:
        wait = int((policy.resend_after - (now - max(unused))).total_seconds()) + 1
        raise DomainError(
            ErrorCode.TOO_MANY_CODE_REQUESTS,
            f"A code was just sent; ask again in {wait}s.",
            ["phone"],
            retry_after=wait,
        )
    if len(last_hour) >= policy.max_per_hour:
        oldest = min(c.created_at for c in last_hour)
        wait = max(1, int((oldest + timedelta(hours=1) - now).total_seconds()) + 1)
        raise DomainError(
            ErrorCode.TOO_MANY_CODE_REQUESTS,
            f"Too many codes asked for; try again in {wait}s.",
            ["phone"],
            retry_after=wait,
        )


def check_code_usable(code: SignInCode | None, now: datetime, policy: SignInPolicy = SIGN_IN) -> SignInCode:
    if code is None or code.used_at is not None or now >= code.expires_at or code.attempts >= policy.max_attempts:
        raise DomainError(
            ErrorCode.SIGN_IN_CODE_EXPIRED, "This code has expired or been used; ask for a new one.", ["code"]
        )
    return code


def wrong_code() -> DomainError:
    return DomainError(ErrorCode.INVALID_SIGN_IN_CODE, "That code is not right.", ["code"])


@dataclass(frozen=True, slots=True)
class MergeSummary:
    """What moved from the duplicate to the survivor."""

    points: int
    coupons: int
    identities: int
    orders: int


def check_merge(survivor: Member, duplicate: Member) -> None:
    """Head office folds `duplicate` into `survivor`; both must be open, and different."""
    if survivor.id == duplicate.id:
        raise DomainError(ErrorCode.INVALID_INPUT, "A member cannot be merged into itself.", ["duplicateId"])
    for member, field in ((survivor, "survivorId"), (duplicate, "duplicateId")):
        if member.merged_into_id is not None:
            raise DomainError(
                ErrorCode.MEMBER_MERGED, f"{member.member_number} was already merged into another member.", [field]
            )


def member_number(sequence: int) -> str:
    return f"M{sequence:04d}"
