"""The expiry sweeper: unpaid orders past their hold become EXPIRED and their stock is released.

Runs inside every server process (started by the app lifespan). Each order is expired in its own
short transaction, picked with FOR UPDATE SKIP LOCKED, so several processes sweep side by side
without ever releasing the same stock twice. The hold itself was fixed when the order was placed.
The in-transaction handlers give the order's coupons and points back; its facts are published
after each commit.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from ...domain.ports import UnitOfWork
from ..availability import cancelled, is_unavailable
from ..context import Services
from ..mutation import publish
from . import steps

log = logging.getLogger("omnichannel.expiry")

MAX_PER_TICK = 500
KEEP_IDEMPOTENCY_KEYS = timedelta(hours=24)


async def expire_one(uow: UnitOfWork, now: datetime) -> bool:
    """Expire the unpaid order whose hold ended first, if any. True when one was expired."""

    async def expire(tx: UnitOfWork) -> bool:
        due = await tx.orders.lock_unpaid_past_hold(now, limit=1)
        if not due:
            return False
        await steps.expire(tx, due[0], now)
        return True

    return await uow.atomic(expire)


async def sweep(services: Services, clock: Callable[[], datetime], limit: int = MAX_PER_TICK) -> int:
    """Expire every order due now (at most `limit`); returns how many."""
    count = 0
    now = clock()
    while count < limit:
        uow = services.new_uow()
        expired = await expire_one(uow, now)
        await publish(services.broker, uow.committed)
        if not expired:
            break
        count += 1
    return count


async def run(services: Services, interval: float) -> None:
    """Sweep every `interval` seconds until cancelled; one failing sweep never stops the next."""
    ticks = 0
    while True:
        try:
            expired = await sweep(services, services.clock)
            if expired:
                log.info("expired %d unpaid order(s)", expired)
            ticks += 1
            if ticks % 1000 == 0:
                await services.new_uow().idempotency.forget_older_than(services.clock() - KEEP_IDEMPOTENCY_KEYS)
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
