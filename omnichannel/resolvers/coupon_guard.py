"""Throttling wrong coupon codes: per clerk and per store at the till, per member online.

An attempt with codes is checked and counted in one step before the codes are tried (`guessing`,
domain/throttle.py), so 50 concurrent wrong codes by one member are answered "wrong code" at most as
many times as the limit, while honest concurrent attempts queue.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from ..domain import coupons as rules
from ..domain.access import Principal
from ..domain.errors import DomainError, ErrorCode
from ..domain.ports import UnitOfWork
from ..domain.throttle import ThrottlePolicy
from .context import Context

Keys = list[tuple[str, ThrottlePolicy]]


def guess_keys(principal: Principal, store_id: int | None) -> Keys:
    """Whose wrong guesses count: the clerk's and their store's, or the member's."""
    keys: Keys = []
    if principal.staff_id is not None:
        keys.append((f"coupon:staff:{principal.staff_id}", rules.GUESSES_PER_STAFF))
        if store_id is not None and principal.is_store_staff:
            keys.append((f"coupon:store:{store_id}", rules.GUESSES_PER_STORE))
    elif principal.member_id is not None:
        keys.append((f"coupon:member:{principal.member_id}", rules.GUESSES_PER_MEMBER))
    else:
        keys.append((f"coupon:subject:{principal.subject}", rules.GUESSES_PER_STAFF))
    return keys


async def begin_guess(ctx: Context, uow: UnitOfWork, keys: Keys) -> int:
    """0: the codes may be tried now (the attempt is in flight until finish_guess); else the seconds
    until guessing opens again."""
    return await uow.throttles.begin_attempt(keys, ctx.now)


async def finish_guess(ctx: Context, uow: UnitOfWork, keys: Keys, *, wrong: bool) -> None:
    await uow.throttles.finish_attempt(keys, ctx.now(), wrong=wrong)


@asynccontextmanager
async def guessing(ctx: Context, uow: UnitOfWork, keys: Keys, *, with_codes: bool) -> AsyncIterator[None]:
    """Around trying coupon codes: refuses (TOO_MANY_COUPON_ATTEMPTS with the wait) while locked out;
    the attempt counts as a failure only when the block raises INVALID_COUPON_CODE."""
    if not with_codes:
        yield
        return
    wait = await begin_guess(ctx, uow, keys)
    if wait:
        raise rules.too_many_guesses(wait)
    wrong = False
    try:
        yield
    except DomainError as error:
        wrong = error.code is ErrorCode.INVALID_COUPON_CODE
        raise
    finally:
        await finish_guess(ctx, uow, keys, wrong=wrong)
