"""Members sign in with their phone: a one-time code, exchanged for a MEMBER token.

A phone nobody has used yet becomes a new member; a known phone is the same member whatever the
channel, and the channel's own identity (WeChat openid/unionid, store card) is linked to it.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from ..domain.errors import DomainError, ErrorCode
from ..domain.members import (
    SIGN_IN,
    Identity,
    IdentityKind,
    check_code_request,
    check_code_usable,
    identity,
    masked_phone,
    new_sign_in_code,
    normalise_phone,
    wrong_code,
)
from ..domain.people import Member, member_principal
from ..domain.ports import UnitOfWork
from ..security import hash_sign_in_code, same_hash
from .context import Context

log = logging.getLogger("omnichannel.members")


@dataclass(frozen=True, slots=True)
class CodeSent:
    sent_to: str  # masked phone
    expires_at: datetime
    resend_after: datetime


async def request_code(ctx: Context, uow: UnitOfWork, *, phone: str) -> CodeSent:
    """Send a one-time code to a phone (throttled per phone; only its keyed hash is stored)."""
    number = normalise_phone(phone)
    now = ctx.now()
    code = new_sign_in_code()
    secret = ctx.services.tokens.secret

    async def change(tx: UnitOfWork) -> None:
        await tx.members.lock_phone(number)
        check_code_request(await tx.members.recent_codes(number, now - timedelta(hours=1)), now)
        await tx.members.add_code(number, hash_sign_in_code(secret, number, code), now, now + SIGN_IN.ttl)

    await uow.atomic(change)
    try:
        await ctx.services.code_sender.send(number, code)
    except Exception:
        log.exception("could not send a sign-in code to %s", masked_phone(number))
        raise DomainError(ErrorCode.INVALID_INPUT, "The code could not be sent; try again.", ["phone"]) from None
    return CodeSent(masked_phone(number), now + SIGN_IN.ttl, now + SIGN_IN.resend_after)


LINKABLE = (IdentityKind.WECHAT_OPENID, IdentityKind.WECHAT_UNIONID, IdentityKind.STORE_CARD)


def linkable_identities(links: Sequence[tuple[IdentityKind, str]]) -> list[Identity]:
    found = []
    for n, (kind, value) in enumerate(links):
        if kind not in LINKABLE:
            raise DomainError(
                ErrorCode.INVALID_INPUT, "Only WeChat ids and store cards can be linked.", ["link", str(n)]
            )
        found.append(identity(kind, value, f"link.{n}"))
    return found


async def sign_in_with_code(
    ctx: Context, uow: UnitOfWork, *, phone: str, code: str, links: Sequence[tuple[IdentityKind, str]] = ()
) -> tuple[str, Member]:
    """Exchange a phone's one-time code for a MEMBER token; the member is found (or made) by phone."""
    number = normalise_phone(phone)
    extra = linkable_identities(links)
    now = ctx.now()
    secret = ctx.services.tokens.secret

    async def change(tx: UnitOfWork) -> Member | None:
        await tx.members.lock_phone(number)
        current = check_code_usable(await tx.members.latest_code(number), now)
        if not same_hash(current.code_hash, hash_sign_in_code(secret, number, code.strip())):
            await tx.members.count_wrong_attempt(current.id)
            return None  # committed: the wrong guess counts
        if not await tx.members.use_code(current.id, now):
            raise DomainError(ErrorCode.SIGN_IN_CODE_EXPIRED, "This code has already been used.", ["code"])
        phone_identity = Identity(IdentityKind.PHONE, number)
        member = await tx.members.by_identity(phone_identity)
        if member is None:
            member = await tx.members.create(number)
            await tx.members.link(member.id, phone_identity)
        for n, item in enumerate(extra):
            if await tx.members.link(member.id, item) != member.id:
                raise DomainError(
                    ErrorCode.IDENTITY_IN_USE,
                    f"This {item.kind.value.lower()} belongs to another member; ask a store to merge your accounts.",
                    ["link", str(n)],
                )
        return member

    member = await uow.atomic(change)
    if member is None:
        raise wrong_code()
    principal = member_principal(member)
    token = ctx.services.tokens.issue(principal)
    # the rest of this operation answers as the member just signed in (their identities, points...),
    # not as the anonymous caller who sent the code
    ctx.principal = principal
    return token, member
