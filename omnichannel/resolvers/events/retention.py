"""Retention: entries older than the configured number of days are deleted, oldest first.

Runs in every server process; one prunes at a time (an advisory lock), the others skip that round.
An entry with a webhook delivery still pending is kept, and so is everything after it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from ...persistence.repositories import event_log as repo
from ..availability import is_unavailable

log = logging.getLogger("omnichannel.event_log")

INTERVAL_SECONDS = 3600.0
FIRST_DELAY_SECONDS = 60.0


async def prune_once(now: datetime, days: int) -> int:
    return await repo.prune(now - timedelta(days=days))


async def run(clock: Callable[[], datetime], days: int, interval: float = INTERVAL_SECONDS) -> None:
    await asyncio.sleep(FIRST_DELAY_SECONDS)
    while True:
        try:
            deleted = await prune_once(clock(), days)
            if deleted:
                log.info("event log retention: deleted %d entries older than %d days", deleted, days)
        except asyncio.CancelledError:
            raise
        except Exception as error:
            if is_unavailable(error):
                log.warning("event log retention skipped, database unavailable; trying again in %.0fs", interval)
            else:
                log.exception("event log retention failed; trying again in %.0fs", interval)
        await asyncio.sleep(interval)
