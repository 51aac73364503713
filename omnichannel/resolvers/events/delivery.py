"""Delivering webhook attempts: every server process runs a few worker slots.

A slot takes a connection from the workers' own pool, claims up to a batch of due attempts
(FOR UPDATE SKIP LOCKED: no two slots or processes ever hold the same one), posts them
concurrently, records each result (and schedules the retry of each failure) and commits. If the
process dies meanwhile, its transaction rolls back and another process delivers those attempts
again: an event is never dropped, and the receiver recognises a repeat by its id.

Slots wake when this process positioned or read new entries, and at least every second, or when
the soonest retry is due, whichever comes first.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable

import asyncpg
import orjson

from ...domain import webhooks as rules
from ...domain.global_ids import global_id
from ...persistence.repositories import webhooks as repo
from ...subscriptions.webhook_http import WebhookSender
from ..availability import is_unavailable

log = logging.getLogger("omnichannel.webhooks")

SLOTS = 4
BATCH = 8  # httpcore's pool slows down sharply past a handful of connections: small pools, one per slot
IDLE_SECONDS = 1.0


def body_of(claimed: repo.Claimed) -> bytes:
    """{"id", "type", "at", "data"}: data is the payload object itself, byte for byte as stored."""
    return orjson.dumps(
        {
            "id": global_id("Event", claimed.event_id),
            "type": claimed.type,
            "at": claimed.at,
            "data": orjson.Fragment(claimed.payload),
        }
    )


class Deliverer:
    def __init__(
        self,
        pool: asyncpg.Pool,
        policy: Callable[[], rules.WebhookPolicy],
        *,
        slots: int = SLOTS,
        batch: int = BATCH,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.pool = pool
        self.policy = policy
        self.slots = slots
        self.batch = batch
        self.clock = clock
        self._senders: list[WebhookSender] = []
        self._wake = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    def wake(self) -> None:
        self._wake.set()

    async def start(self) -> None:
        self._senders = [WebhookSender(lambda: self.policy().allow_private_targets) for _ in range(self.slots)]
        self._tasks = [asyncio.create_task(self._slot(i), name=f"webhook-slot-{i}") for i in range(self.slots)]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []
        for sender in self._senders:
            await sender.aclose()
        self._senders = []

    async def _slot(self, index: int) -> None:
        """Slot 0 watches the queue; the others join in when there is more than one batch to do."""
        failures = 0
        while True:
            try:
                idle = await self._work(self._senders[index])
                failures = 0
                if idle is not None:
                    with contextlib.suppress(TimeoutError):
                        async with asyncio.timeout(idle if index == 0 else IDLE_SECONDS * 10):
                            await self._wake.wait()
                    self._wake.clear()
            except asyncio.CancelledError:
                raise
            except Exception as error:
                failures += 1
                if is_unavailable(error):  # an outage (/readyz reports it): no traceback every time
                    log.warning("webhook deliveries paused, database unavailable; retrying")
                else:
                    log.exception("webhook delivery failed; retrying")
                await asyncio.sleep(min(10.0, 0.2 * 2**failures))

    async def _work(self, sender: WebhookSender) -> float | None:
        """Deliver one batch; None when there may be more now, else how long to wait for the next."""
        async with self.pool.acquire() as raw, raw.transaction():
            claimed = await repo.claim(raw, self.batch)
            if claimed:
                if len(claimed) == self.batch:
                    self.wake()  # more may be due: let the other slots help
                results = await asyncio.gather(*(self._attempt(sender, c) for c in claimed))
                await repo.record(raw, results)
                return None
            due_in = await repo.next_due_in(raw)
        if due_in is None:
            return IDLE_SECONDS
        return max(0.01, min(IDLE_SECONDS, due_in))

    async def _attempt(self, sender: WebhookSender, claimed: repo.Claimed) -> repo.Attempted:
        body = body_of(claimed)
        headers = [
            (b"omnichannel-event-id", global_id("Event", claimed.event_id).encode()),
            (b"omnichannel-event-type", claimed.type.encode()),
            (b"omnichannel-signature", rules.signature(claimed.secret, int(self.clock()), body).encode()),
        ]
        policy = self.policy()
        answer = await sender.post(claimed.url, body, headers, policy.timeout)
        result = rules.outcome(claimed.attempt, answer.delivered, policy.retry_base)
        if not answer.delivered:
            log.info("webhook %d attempt %d of event %d failed: %s", claimed.webhook_id, claimed.attempt,
                     claimed.event_id, answer.error)  # fmt: skip
        return repo.Attempted(
            claimed.id, claimed.webhook_id, claimed.event_id, claimed.attempt, result.status, answer.status,
            answer.error, result.retry_in,
        )  # fmt: skip
