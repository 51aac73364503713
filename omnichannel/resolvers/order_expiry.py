"""The expiry sweeper: unpaid orders past their hold become EXPIRED and their stock is released.

Runs inside every server process (started by the app lifespan). Each order is expired in its own
short transaction, picked with FOR UPDATE SKIP LOCKED, so several processes sweep side by side
without ever releasing the same stock twice. The hold itself was fixed when the order was placed.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from ..domain.loyalty import LoyaltyRules
from ..persistence.repositories import idempotency
from ..persistence.uow import UnitOfWork, transactional
from ..subscriptions.broker import Broker
from . import stock_holds
from .availability import cancelled, is_unavailable
from .publish import publish

log = logging.getLogger("omnichannel.expiry")

MAX_PER_TICK = 500
KEEP_IDEMPOTENCY_KEYS = timedelta(hours=24)


async def expire_one(broker: Broker, now: datetime, loyalty: LoyaltyRules) -> bool:
    """Expire the unpaid order whose hold ended first, if any. True when one was expired."""

    async def work(uow: UnitOfWork) -> bool:
        due = await uow.orders.lock_unpaid_past_hold(now, limit=1)
        if not due:
            return False
        await stock_holds.expire(uow, due[0], now, loyalty=loyalty)
        return True

    expired, events = await transactional(work)
    await publish(broker, events)
    return expired


async def sweep(broker: Broker, clock: Callable[[], datetime], loyalty: LoyaltyRules, limit: int = MAX_PER_TICK) -> int:
    """Expire every order due now (at most `limit`); returns how many."""
    count = 0
    now = clock()
    while count < limit and await expire_one(broker, now, loyalty):
        count += 1
    return count


async def run(broker: Broker, clock: Callable[[], datetime], interval: float, loyalty: LoyaltyRules) -> None:
    """Sweep every `interval` seconds until cancelled; one failing sweep never stops the next."""
    ticks = 0
    while True:
        try:
            expired = await sweep(broker, clock, loyalty)
            if expired:
                log.info("expired %d unpaid order(s)", expired)
            ticks += 1
            if ticks % 1000 == 0:
                await idempotency.forget_older_than(clock() - KEEP_IDEMPOTENCY_KEYS)
        except asyncio.CancelledError:
            raise
        except Exception as error:
            if cancelled():  # the database layer turned our cancellation into another error: stop all the same
                raise asyncio.CancelledError from error
            if is_unavailable(error):  # an outage (/readyz reports it): no traceback every few seconds
                log.warning("expiry sweep skipped, database unavailable; retrying in %.1fs", interval)
            else:
                log.exception("expiry sweep failed; retrying in %.1fs", interval)
        await asyncio.sleep(interval)
