"""Finding a member at the counter: by phone, store card or member number, by staff only, always audited.

Rule: exactly one key per look-up, validated before anything is read, and every look-up (found or
not) is written to the audit with who asked, when and by which key. Reason: a look-up reveals a
person; head office must be able to answer "who looked this customer up, and why".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from .access import Principal, Role, require_role
from .errors import DomainError, ErrorCode
from .members import IdentityKind, identity, normalise_phone

LOOKUP_ROLES = (Role.CLERK, Role.STORE_MANAGER, Role.HQ_ADMIN)

_MEMBER_NUMBER = re.compile(r"^[A-Z0-9]{1,20}$")
MAX_KEY_LENGTH = 40


class LookupKey(StrEnum):
    PHONE = "PHONE"
    STORE_CARD = "STORE_CARD"
    MEMBER_NUMBER = "MEMBER_NUMBER"


FIELDS = {LookupKey.PHONE: "phone", LookupKey.STORE_CARD: "storeCard", LookupKey.MEMBER_NUMBER: "memberNumber"}


@dataclass(frozen=True, slots=True)
class Lookup:
    """One validated look-up: the key it uses and its normalised value."""

    kind: LookupKey
    value: str


@dataclass(frozen=True, slots=True)
class LookupRecord:
    """One audit entry."""

    staff_id: int | None
    actor: str
    location_id: int | None
    kind: LookupKey
    value: str
    member_id: int | None
    at: datetime


def check_may_look_up(principal: Principal) -> None:
    """Store staff at the counter and head office; members, analysts and services may not."""
    require_role(principal, *LOOKUP_ROLES)


def lookup_of(phone: str | None, store_card: str | None, member_number: str | None) -> Lookup:
    given = [
        (k, v)
        for k, v in (
            (LookupKey.PHONE, phone),
            (LookupKey.STORE_CARD, store_card),
            (LookupKey.MEMBER_NUMBER, member_number),
        )
        if v is not None
    ]
    if len(given) != 1:
        raise DomainError(ErrorCode.INVALID_INPUT, "Give exactly one of phone, storeCard or memberNumber.")
    kind, raw = given[0]
    field = FIELDS[kind]
    if len(raw) > MAX_KEY_LENGTH:
        raise DomainError(ErrorCode.INVALID_INPUT, f"{field} is too long.", [field])
    if kind is LookupKey.PHONE:
        return Lookup(kind, normalise_phone(raw, field))
    if kind is LookupKey.STORE_CARD:
        return Lookup(kind, identity(IdentityKind.STORE_CARD, raw, field).value)
    number = raw.strip().upper()
    if not _MEMBER_NUMBER.match(number):
        raise DomainError(
            ErrorCode.INVALID_INPUT, "A member number is letters and digits, e.g. M0005.", ["memberNumber"]
        )
    return Lookup(kind, number)
