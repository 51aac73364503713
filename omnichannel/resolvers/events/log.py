"""This process's side of the durable event log: sequencing, tailing, and waking whoever waits.

Every server process runs three small loops:
- the sequencer gives positions to committed entries (persistence.repositories.event_log explains
  why after commit); it runs when this process committed entries, and every second in case another
  process died before it could;
- the tail reads new positions in order and hands each entry to this process's subscribers
  (broker.deliver_local) with its position: live events come from the committed log, so nothing
  is lost while Redis is down, and a subscriber can replay what it missed from any position;
- a LISTEN connection wakes the tail as soon as any process positioned entries (NOTIFY); a poll
  every second covers a lost connection.

`committed()` is what a use case awaits after its commit: when it returns, the entries are
positioned and this process's subscribers have them, so a push never trails the mutation's answer.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

import asyncpg

from ...persistence import db
from ...persistence.repositories import event_log as repo
from ...subscriptions import codec, topics
from ...subscriptions.broker import Broker

log = logging.getLogger("omnichannel.event_log")

TAIL_BATCH = 1000
POLL_SECONDS = 1.0
WAIT_SECONDS = 5.0


def topics_of(data: bytes) -> list[str]:
    try:
        return topics.for_event(codec.loads(data))
    except TypeError:  # logged for other systems only (member.merged): no live topic
        return []


class EventLog:
    def __init__(self, broker: Broker, database_url: str | None = None, *, poll_seconds: float = POLL_SECONDS) -> None:
        self.broker = broker
        self.database_url = database_url
        self.poll_seconds = poll_seconds
        self.delivered = 0  # every position up to here went to this process's subscribers
        self.head = 0  # the highest position this process knows to be committed
        self._requested = 0  # sequencing requests made / served (each served by a run that began after it)
        self._served = 0
        self._sequence_wake = asyncio.Event()
        self._tail_wake = asyncio.Event()
        self._progress = asyncio.Condition()
        self._tasks: list[asyncio.Task[None]] = []
        self._listener: asyncpg.Connection | None = None
        self._on_new: list[Callable[[], None]] = []

    @property
    def running(self) -> bool:
        return bool(self._tasks)

    def on_new_entries(self, callback: Callable[[], None]) -> None:
        """Call `callback` whenever entries were positioned or tailed (webhook workers wake on it)."""
        self._on_new.append(callback)

    async def start(self) -> None:
        last, _ = await repo.state()
        self.delivered = self.head = last
        self._tasks = [
            asyncio.create_task(self._sequence_loop(), name="event-log-sequencer"),
            asyncio.create_task(self._tail_loop(), name="event-log-tail"),
        ]
        if self.database_url is not None:
            self._tasks.append(asyncio.create_task(self._listen_loop(self.database_url), name="event-log-listen"))

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []
        await self._close_listener()

    async def committed(self) -> None:
        """Wait until entries this process committed are positioned and delivered to its subscribers.

        Bounded: if the database is slow the caller goes on; the loops deliver them later anyway.
        """
        if not self._tasks:
            return
        self._requested += 1
        ticket = self._requested
        self._sequence_wake.set()
        try:
            async with asyncio.timeout(WAIT_SECONDS), self._progress:
                await self._progress.wait_for(lambda: self._served >= ticket)
                head = self.head
                await self._progress.wait_for(lambda: self.delivered >= head)
        except TimeoutError:
            log.warning("event log entries not delivered within %.0fs; they follow later", WAIT_SECONDS)

    async def reach(self, position: int, within: float = WAIT_SECONDS) -> bool:
        """Wait until this process delivered everything up to `position`; False on timeout."""
        try:
            async with asyncio.timeout(within), self._progress:
                await self._progress.wait_for(lambda: self.delivered >= position)
            return True
        except TimeoutError:
            return False

    async def _notify_progress(self) -> None:
        async with self._progress:
            self._progress.notify_all()

    def _wake_listeners(self) -> None:
        for callback in self._on_new:
            try:
                callback()
            except Exception:
                log.exception("event log listener failed")

    async def _sequence_loop(self) -> None:
        failures = 0
        while True:
            try:
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(self.poll_seconds):
                        await self._sequence_wake.wait()
                if not self._sequence_wake.is_set() and not await repo.unplaced_exists():
                    continue
                self._sequence_wake.clear()
                ticket = self._requested
                done = await repo.sequence()
                failures = 0
                self.head = max(self.head, done.head)
                self._served = max(self._served, ticket)
                self._tail_wake.set()
                await self._notify_progress()
                if done.deliveries:
                    self._wake_listeners()
            except asyncio.CancelledError:
                raise
            except Exception:
                failures += 1
                log.exception("sequencing the event log failed; retrying")
                await asyncio.sleep(min(5.0, 0.1 * 2**failures))

    async def _tail_loop(self) -> None:
        failures = 0
        while True:
            try:
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(self.poll_seconds):
                        await self._tail_wake.wait()
                self._tail_wake.clear()
                rows = await repo.tail(self.delivered, TAIL_BATCH)
                failures = 0
                if not rows:
                    continue
                for row in rows:
                    data = row.event.encode()
                    for topic in topics_of(data):
                        self.broker.deliver_local(topic, data, row.position)
                self.delivered = rows[-1].position
                self.head = max(self.head, self.delivered)
                if len(rows) == TAIL_BATCH:
                    self._tail_wake.set()
                await self._notify_progress()
                self._wake_listeners()
            except asyncio.CancelledError:
                raise
            except Exception:
                failures += 1
                log.exception("reading the event log failed; retrying")
                await asyncio.sleep(min(5.0, 0.1 * 2**failures))

    def _notified(self, payload: str) -> None:
        self._tail_wake.set()

    async def _listen_loop(self, url: str) -> None:
        failures = 0
        while True:
            lost = asyncio.Event()
            try:
                self._listener = await db.listening_connection(url, repo.NOTIFY_CHANNEL, self._notified)
                self._listener.add_termination_listener(lambda _conn, lost=lost: lost.set())
                failures = 0
                self._tail_wake.set()  # anything positioned while we were not listening
                await lost.wait()
                log.warning("event log LISTEN connection lost; polling until it is back")
            except asyncio.CancelledError:
                raise
            except Exception:
                failures += 1
                if failures == 1:
                    log.warning("event log LISTEN connection unavailable; polling", exc_info=True)
            finally:
                await self._close_listener()
            await asyncio.sleep(min(10.0, 0.2 * 2**failures))

    async def _close_listener(self) -> None:
        if self._listener is not None:
            listener, self._listener = self._listener, None
            with contextlib.suppress(Exception):
                await listener.close()
