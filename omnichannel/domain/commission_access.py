"""Who sees which commission: clerks their own, store managers their store's, head office all.

Rule: a scope is decided before anything is read and narrows the query (never filters rows after
reading), and asking for someone else's figures is refused plainly (FORBIDDEN), not answered empty.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from .access import Principal, Role, require_signed_in
from .errors import AccessDenied, DomainError, ErrorCode

READ_ALL = frozenset({Role.HQ_ADMIN, Role.ANALYST})
MAX_PERIOD_DAYS = 366


@dataclass(frozen=True, slots=True)
class Scope:
    staff_id: int | None  # only this clerk's entries
    location_id: int | None  # only entries attributed to this store


def scope(
    principal: Principal,
    *,
    staff_id: int | None,
    staff_location_id: int | None,
    location_id: int | None,
    own_location_id: int | None,
) -> Scope:
    """staff_location_id: where the asked-for staff member works; own_location_id: the caller's store."""
    require_signed_in(principal)
    if principal.role in READ_ALL:
        return Scope(staff_id, location_id)
    if principal.role is Role.CLERK and principal.staff_id is not None:
        if staff_id not in (None, principal.staff_id) or location_id not in (None, own_location_id):
            raise AccessDenied()
        return Scope(principal.staff_id, location_id)
    if principal.role is Role.STORE_MANAGER and own_location_id is not None:
        if location_id not in (None, own_location_id):
            raise AccessDenied()
        if staff_id is not None and staff_location_id != own_location_id:
            raise AccessDenied()
        return Scope(staff_id, own_location_id)
    raise AccessDenied()


def check_period(start: datetime | None, end: datetime | None) -> None:
    if start is not None and end is not None:
        if start >= end:
            raise DomainError(ErrorCode.INVALID_INPUT, "from must come before to.", ["from"])
        if (end - start).days > MAX_PERIOD_DAYS:
            raise DomainError(ErrorCode.INVALID_INPUT, f"A period is at most {MAX_PERIOD_DAYS} days.", ["to"])
