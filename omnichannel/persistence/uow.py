"""Unit of work: one database transaction that rolls back unless committed, plus its events.

The events other systems follow are appended to the durable event log just before COMMIT, in the
same transaction: the change and its event exist together or not at all (transactional outbox).

Use cases run their work through `transactional`, which retries the whole unit when PostgreSQL
reports a deadlock or a serialization failure, so those never reach a client.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import Any, Self, TypeVar

from tortoise.backends.base.client import BaseDBAsyncClient, TransactionContext
from tortoise.transactions import in_transaction

from .repositories import event_log
from .repositories.inventory import StockStore
from .repositories.order_store import OrderStore
from .repositories.reservations import ReservationStore
from .repositories.routing import RulesStore

T = TypeVar("T")

RETRYABLE_SQLSTATES = frozenset({"40P01", "40001"})  # deadlock_detected, serialization_failure


class UnitOfWork:
    def __init__(self) -> None:
        self.events: list[Any] = []
        self._committed = False
        self._context: TransactionContext | None = None
        self._conn: BaseDBAsyncClient | None = None

    @property
    def conn(self) -> BaseDBAsyncClient:
        if self._conn is None:
            raise RuntimeError("unit of work used outside 'async with'")
        return self._conn

    @property
    def stock(self) -> StockStore:
        return StockStore(self.conn)

    @property
    def orders(self) -> OrderStore:
        return OrderStore(self.conn)

    @property
    def reservations(self) -> ReservationStore:
        return ReservationStore(self.conn)

    @property
    def routing_rules(self) -> RulesStore:
        return RulesStore(self.conn)

    def record(self, event: Any) -> None:
        """Remember an event to publish once the transaction has committed."""
        self.events.append(event)

    async def __aenter__(self) -> Self:
        self._context = in_transaction("default")
        self._conn = await self._context.__aenter__()
        return self

    async def commit(self) -> None:
        await event_log.append(self.conn, self.events)
        await self.conn.commit()  # type: ignore[attr-defined]
        self._committed = True

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        assert self._context is not None
        if exc_type is None and not self._committed:
            await self.conn.rollback()  # type: ignore[attr-defined]
        await self._context.__aexit__(exc_type, exc, tb)
        if not self._committed:
            self.events.clear()


def is_retryable(error: BaseException) -> bool:
    seen: BaseException | None = error
    while seen is not None:
        if getattr(seen, "sqlstate", None) in RETRYABLE_SQLSTATES:
            return True
        seen = seen.__cause__ or seen.__context__
    return False


async def transactional(work: Callable[[UnitOfWork], Awaitable[T]], *, retries: int = 5) -> tuple[T, list[Any]]:
    """Run work in a fresh unit of work and commit; returns its result and the events to publish."""
    for attempt in range(retries + 1):
        uow = UnitOfWork()
        try:
            async with uow:
                result = await work(uow)
                await uow.commit()
            return result, list(uow.events)
        except Exception as error:
            if attempt < retries and is_retryable(error):
                await asyncio.sleep(random.uniform(0.005, 0.02) * (attempt + 1))
                continue
            raise
    raise AssertionError("unreachable")
