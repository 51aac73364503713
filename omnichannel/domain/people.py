"""Staff (who sign in with a password) and members (customers, one identity across channels)."""

from __future__ import annotations

from dataclasses import dataclass

from .access import Principal, Role
from .errors import DomainError, ErrorCode


@dataclass(frozen=True, slots=True)
class StaffMember:
    id: int
    email: str
    name: str
    role: Role
    location_id: int | None
    active: bool = True


@dataclass(frozen=True, slots=True)
class Member:
    id: int
    member_number: str
    display_name: str | None
    phone: str | None
    merged_into_id: int | None = None  # a closed duplicate: everything moved to this member
    points_balance: int = 0

    @property
    def closed(self) -> bool:
        return self.merged_into_id is not None


def staff_principal(staff: StaffMember, store_code: str | None) -> Principal:
    return Principal(role=staff.role, subject=staff.email, staff_id=staff.id, store_code=store_code)


def member_principal(member: Member) -> Principal:
    return Principal(role=Role.MEMBER, subject=member.member_number, member_id=member.id)


def normalise_email(email: str) -> str:
    cleaned = email.strip().lower()
    if "@" not in cleaned or len(cleaned) > 200:
        raise DomainError(ErrorCode.INVALID_INPUT, "Enter a valid email address.", ["email"])
    return cleaned
