"""Throttling wrong coupon codes: per clerk and per store at the till, per member online."""

from __future__ import annotations

from datetime import datetime

from ..domain import coupons as rules
from ..domain.access import Principal
from ..domain.ports import UnitOfWork
from ..domain.throttle import ThrottlePolicy

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


async def locked_out(uow: UnitOfWork, keys: Keys, now: datetime) -> bool:
    for key, _ in keys:
        state = await uow.throttles.state(key)
        if state is not None and state.is_locked(now):
            return True
    return False


async def count_wrong_guess(uow: UnitOfWork, keys: Keys, now: datetime) -> None:
    """Outside a transaction (after the refused one rolled back): each count commits on its own."""
    for key, policy in keys:
        await uow.throttles.record_failure(key, policy, now)
