"""Signing in and minting tokens."""

from __future__ import annotations

import asyncio

from ..domain.access import STORE_ROLES, Principal, Role
from ..domain.errors import DomainError, ErrorCode
from ..domain.people import StaffMember, member_principal, normalise_email, staff_principal
from ..domain.ports import UnitOfWork
from ..domain.throttle import SIGN_IN
from ..persistence.repositories import locations, people
from ..security import TokenService, dummy_hash, verify_password
from .context import Context


async def _store_code(staff: StaffMember) -> str | None:
    if staff.location_id is None:
        return None
    found = await locations.by_ids([staff.location_id])
    return found[0].code if found else None


async def sign_in(ctx: Context, uow: UnitOfWork, *, email: str, password: str) -> tuple[str, StaffMember]:
    """Staff email + password for a token. Wrong passwords are throttled per account."""
    address = normalise_email(email)
    key = f"signin:{address}"
    now = ctx.now()
    current = await uow.throttles.state(key)
    if current is not None and current.is_locked(now):
        raise DomainError(ErrorCode.TOO_MANY_ATTEMPTS, "Too many failed sign-ins; try again later.", ["email"])
    found = await people.staff_with_hash(address)
    password_hash = found[1] if found else dummy_hash()
    valid = await asyncio.to_thread(verify_password, password_hash, password)
    if found is None or not valid:
        await uow.throttles.record_failure(key, SIGN_IN, now)  # commits on its own: the guess counts
        raise DomainError(ErrorCode.INVALID_CREDENTIALS, "Wrong email or password.", ["password"])
    await uow.throttles.clear(key)
    staff = found[0]
    token = ctx.services.tokens.issue(staff_principal(staff, await _store_code(staff)))
    return token, staff


class TokenRequestError(Exception):
    """`omnichannel token` was asked for something that does not exist."""


async def principal_for(
    *, role: Role, store: str | None, staff_email: str | None, member_number: str | None
) -> Principal:
    """The principal a token should carry (for ops and tests), resolved against the database."""
    if role is Role.MEMBER:
        if not member_number:
            raise TokenRequestError("--member NUMBER is required for role MEMBER")
        member = await people.member_by_number(member_number)
        if member is None:
            raise TokenRequestError(f"no member {member_number}")
        return member_principal(member)
    if staff_email:
        staff = await people.staff_by_email(normalise_email(staff_email))
        if staff is None:
            raise TokenRequestError(f"no staff member {staff_email}")
        if staff.role is not role:
            raise TokenRequestError(f"{staff_email} is {staff.role.value}, not {role.value}")
        return staff_principal(staff, await _store_code(staff))
    if role in STORE_ROLES:
        if not store:
            raise TokenRequestError(f"--store CODE (or --staff EMAIL) is required for role {role.value}")
        location = await locations.by_code(store)
        if location is None:
            raise TokenRequestError(f"no store {store}")
        staff = await people.first_staff(role, location.id)
        if staff is None:
            raise TokenRequestError(f"no {role.value} at {store}")
        return staff_principal(staff, location.code)
    if role in (Role.HQ_ADMIN, Role.ANALYST):
        staff = await people.first_staff(role, None)
        if staff is not None:
            return staff_principal(staff, None)
    return Principal(role=role, subject=f"{role.value.lower()}:ops")


def issue(tokens: TokenService, principal: Principal, ttl: int) -> str:
    return tokens.issue(principal, ttl)
