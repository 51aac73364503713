"""This process's side of the durable event log: sequencing, tailing, and waking whoever waits.

Every server process runs one pump and one listener, on connections of their own (never queued
behind requests):
- the pump positions committed entries (persistence.repositories.event_log explains why after
  commit) when this process committed some, and every second in case another process died before
  it could; then it reads the new positions in order and hands each entry to this process's
  subscribers (broker.deliver_local) with its position. Live events come from the committed log,
  so nothing is lost while Redis is down, and a subscriber can replay what it missed from any
  position;
- the listener (LISTEN) wakes the pump as soon as any process positioned entries (NOTIFY); the
  pump also polls every second, which covers a lost connection.

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
from ..availability import is_unavailable

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
        self._waiters: list[tuple[int, asyncio.Future[None]]] = []
        self._wake = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._listener: asyncpg.Connection | None = None
        self._own: asyncpg.Pool | None = None  # the loop's connections: never queued behind requests
        self._on_new: list[Callable[[], None]] = []

    @property
    def running(self) -> bool:
        return bool(self._tasks)

    def on_new_entries(self, callback: Callable[[], None]) -> None:
        """Call `callback` whenever entries were positioned or read (webhook workers wake on it)."""
        self._on_new.append(callback)

    async def start(self) -> None:
        last, _ = await repo.state()
        self.delivered = self.head = last
        if self.database_url is not None:
            self._own = await db.open_pool(self.database_url, 2)
        self._tasks = [asyncio.create_task(self._pump(), name="event-log-pump")]
        if self.database_url is not None:
            self._tasks.append(asyncio.create_task(self._listen_loop(self.database_url), name="event-log-listen"))

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []
        for _, waiter in self._waiters:
            waiter.cancel()
        self._waiters = []
        await self._close_listener()
        if self._own is not None:
            await self._own.close()
            self._own = None

    async def committed(self) -> None:
        """Wait until entries this process committed are positioned and delivered to its subscribers.

        Bounded: if the database is slow the caller goes on; the loop delivers them later anyway.
        """
        if not self._tasks:
            return
        self._requested += 1
        waiter = asyncio.get_running_loop().create_future()
        self._waiters.append((self._requested, waiter))
        self._wake.set()
        try:
            async with asyncio.timeout(WAIT_SECONDS):
                await waiter
        except TimeoutError:
            log.warning("event log entries not delivered within %.0fs; they follow later", WAIT_SECONDS)

    def _wake_listeners(self) -> None:
        for callback in self._on_new:
            try:
                callback()
            except Exception:
                log.exception("event log listener failed")

    async def _pump(self) -> None:
        """Position what this process committed (or anything left unpositioned), then read and deliver
        everything new, in one task: a waiting request is released by the run that read its entries."""
        failures = 0
        while True:
            try:
                polled = False
                if not self._wake.is_set():
                    with contextlib.suppress(TimeoutError):
                        async with asyncio.timeout(self.poll_seconds):
                            await self._wake.wait()
                    polled = not self._wake.is_set()
                self._wake.clear()
                ticket = self._requested
                if ticket > self._served or (polled and await repo.unplaced_exists(own=self._own)):
                    done = await repo.sequence(own=self._own)
                    self.head = max(self.head, done.head)
                    if done.deliveries:
                        self._wake_listeners()
                read = await self._read_new()
                self._served = max(self._served, ticket)
                self._release()
                failures = 0
                if read:
                    self._wake_listeners()
            except asyncio.CancelledError:
                raise
            except Exception as error:
                failures += 1
                if is_unavailable(error):  # an outage (/readyz reports it): no traceback every time
                    log.warning("event log paused, database unavailable; retrying")
                else:
                    log.exception("sequencing or reading the event log failed; retrying")
                await asyncio.sleep(min(5.0, 0.1 * 2**failures))

    async def _read_new(self) -> int:
        """Deliver every committed entry after `delivered`, in position order; returns how many."""
        read = 0
        while True:
            rows = await repo.tail(self.delivered, TAIL_BATCH, own=self._own)
            for row in rows:
                data = row.event.encode()
                for topic in topics_of(data):
                    self.broker.deliver_local(topic, data, row.position)
            if rows:
                self.delivered = rows[-1].position
                self.head = max(self.head, self.delivered)
                read += len(rows)
            if len(rows) < TAIL_BATCH:
                return read

    def _release(self) -> None:
        waiting = []
        for ticket, waiter in self._waiters:
            if ticket <= self._served:
                if not waiter.done():
                    waiter.set_result(None)
            else:
                waiting.append((ticket, waiter))
        self._waiters = waiting

    def _notified(self, payload: str) -> None:
        self._wake.set()

    async def _listen_loop(self, url: str) -> None:
        failures = 0
        while True:
            lost = asyncio.Event()
            try:
                self._listener = await db.listening_connection(url, repo.NOTIFY_CHANNEL, self._notified)
                self._listener.add_termination_listener(lambda _conn, lost=lost: lost.set())
                failures = 0
                self._wake.set()  # anything positioned while we were not listening
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
