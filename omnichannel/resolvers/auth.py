"""Signing in and minting tokens."""

from __future__ import annotations

import asyncio
import hashlib

from ..domain.access import STORE_ROLES, Principal, Role
from ..domain.errors import DomainError, ErrorCode
from ..domain.people import StaffMember, member_principal, normalise_email, staff_principal
from ..domain.ports import UnitOfWork
from ..domain.throttle import SIGN_IN_ACCOUNT_FROM_ADDRESS, SIGN_IN_FROM_ADDRESS
from ..persistence.repositories import locations, people
from ..security import TokenService, dummy_hash, verify_password
from .context import Context


def _digest(email: str) -> str:
    """A fixed-length stand-in for an address in throttle keys (keys are at most 200 characters)."""
    return hashlib.sha256(email.encode()).hexdigest()[:32]


async def _store_code(staff: StaffMember) -> str | None:
    if staff.location_id is None:
        return None
    found = await locations.by_ids([staff.location_id])
    return found[0].code if found else None


async def sign_in(ctx: Context, uow: UnitOfWork, *, email: str, password: str) -> tuple[str, StaffMember]:
    """Staff email + password for a token.

    Wrong passwords are throttled per account and client address, and per address across accounts
    (domain/throttle.py): a guesser locks out only itself, never the account's owner elsewhere. The
    attempt is checked and counted in one step before the password is verified."""
    address = normalise_email(email)
    account_key = (f"signin:{_digest(address)}:{ctx.address}", SIGN_IN_ACCOUNT_FROM_ADDRESS)
    address_key = (f"signin-from:{ctx.address}", SIGN_IN_FROM_ADDRESS)
    keys = [account_key, address_key]
    wait = await uow.throttles.begin_attempt(keys, ctx.now)
    if wait:
        raise DomainError(
            ErrorCode.TOO_MANY_ATTEMPTS,
            f"Too many failed sign-ins from this address; try again in {wait} seconds.",
            ["email"],
            retry_after=wait,
        )
    valid = False
    try:
        found = await people.staff_with_hash(address)
        password_hash = found[1] if found else dummy_hash()  # the same time whether the account exists or not
        verified = await asyncio.to_thread(verify_password, password_hash, password)
        valid = found is not None and verified
    finally:
        await uow.throttles.finish_attempt(keys, ctx.now(), wrong=not valid)
    if not valid or found is None:
        raise DomainError(ErrorCode.INVALID_CREDENTIALS, "Wrong email or password.", ["password"])
    await uow.throttles.clear(account_key[0])  # "in a row": the right password starts the count again
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
