"""The unit of work over PostgreSQL (domain.ports.UnitOfWork): every repository, one transaction.

    uow = TortoiseUnitOfWork(loaders=ctx.loaders, handlers=services.handlers)
    order = await uow.orders.get(order_id)                  # outside a transaction: its own statement
    async def change(tx: UnitOfWork) -> OrderAggregate:     # inside: one transaction
        order = await tx.orders.get_for_update(order_id)
        ...
        tx.record(*order.events)
        return order
    changed = await uow.atomic(change)                      # handlers, then COMMIT; uow.committed has the events

`atomic` rolls back on any exception (dropping what was recorded) and runs the whole work again
when PostgreSQL reports a deadlock or a serialization failure, so those never reach a client. The
in-transaction handlers (domain.ports.EventHandlers) run after the work and before COMMIT, on this
same unit of work: their writes commit or roll back with the change. The last of them appends the
change's facts to the durable event log (`uow.event_log`), so a fact other systems follow exists
exactly when its change does (a transactional outbox).
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from typing import TypeVar

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from ..domain import ports
from ..domain.events import DomainEvent
from ..domain.ports import EventHandlers, UnitOfWork
from .loaders import Loaders
from .repositories.allocation import AllocationStore
from .repositories.catalog import CatalogStore
from .repositories.categories import CategoryStore
from .repositories.commission import CommissionRuleStore, CommissionStore
from .repositories.coupons import CouponStore
from .repositories.credit import SalesCreditStore
from .repositories.event_log_append import EventLogStore
from .repositories.floor import TryOnStore
from .repositories.floor_sales import SaleFactsStore
from .repositories.idempotency import IdempotencyStore
from .repositories.locations import LocationStore
from .repositories.members import MemberStore
from .repositories.orders import OrderStore
from .repositories.payments import PaymentStore
from .repositories.points import PointsStore
from .repositories.prices import PriceStore
from .repositories.products import ProductStore
from .repositories.promotions import PromotionStore
from .repositories.recommendations import PurchaseCountStore
from .repositories.refunds import RefundStore
from .repositories.report_rollups import ReportRollupStore
from .repositories.routing import RoutingStore
from .repositories.sales_history import SalesStore
from .repositories.stock import StockStore
from .repositories.stock_alerts import StockAlertStore
from .repositories.sync import SyncStore
from .repositories.throttles import ThrottleStore
from .repositories.transfers import TransferStore
from .session import Session

T = TypeVar("T")

RETRYABLE_SQLSTATES = frozenset({"40P01", "40001"})  # deadlock_detected, serialization_failure
RETRIES = 5


class TortoiseUnitOfWork:
    def __init__(self, *, loaders: Loaders | None = None, handlers: EventHandlers | None = None) -> None:
        self._session = session = Session(loaders if loaders is not None else Loaders())
        self._handlers = handlers if handlers is not None else EventHandlers()
        self._pending: list[DomainEvent] | None = None  # the open transaction's events (None: none open)
        self.committed: list[DomainEvent] = []
        self.orders: ports.OrderRepository = OrderStore(session)
        self.payments: ports.PaymentRepository = PaymentStore(session)
        self.stock: ports.StockRepository = StockStore(session)
        self.idempotency: ports.IdempotencyRepository = IdempotencyStore(session)
        self.catalog: ports.CatalogRepository = CatalogStore(session)
        self.categories: ports.CategoryRepository = CategoryStore(session)
        self.products: ports.ProductRepository = ProductStore(session)
        self.prices: ports.PriceRepository = PriceStore(session)
        self.sync: ports.SyncRepository = SyncStore(session)
        self.locations: ports.LocationRepository = LocationStore(session)
        self.routing: ports.RoutingRepository = RoutingStore(session)
        self.promotions: ports.PromotionRepository = PromotionStore(session)
        self.members: ports.MemberRepository = MemberStore(session)
        self.coupons: ports.CouponRepository = CouponStore(session)
        self.points: ports.PointsRepository = PointsStore(session)
        self.throttles: ports.ThrottleRepository = ThrottleStore(session)
        self.try_ons: ports.TryOnRepository = TryOnStore(session)
        self.commission_rules: ports.CommissionRuleRepository = CommissionRuleStore(session)
        self.refunds: ports.RefundRepository = RefundStore(session)
        self.transfers: ports.TransferRepository = TransferStore(session)
        self.sales: ports.SalesRepository = SalesStore(session)
        self.event_log: ports.EventLogRepository = EventLogStore(session)
        self.sale_facts: ports.SaleFactsRepository = SaleFactsStore(session)
        self.sales_credit: ports.SalesCreditRepository = SalesCreditStore(session)
        self.commission: ports.CommissionRepository = CommissionStore(session)
        self.purchase_counts: ports.PurchaseCountRepository = PurchaseCountStore(session)
        self.stock_alerts: ports.StockAlertRepository = StockAlertStore(session)
        self.allocation: ports.AllocationRepository = AllocationStore(session)
        self.reports: ports.ReportRollupRepository = ReportRollupStore(session)

    @property
    def conn(self) -> BaseDBAsyncClient:
        """The open transaction's connection (for SQL written in tests; use cases use the repositories)."""
        if self._session.conn is None:
            raise RuntimeError("no transaction is open: use uow.atomic(work)")
        return self._session.conn

    def record(self, *events: DomainEvent) -> None:
        if self._pending is not None:
            self._pending.extend(events)
            return
        waiting = [type(e).__name__ for e in events if self._handlers.waits_for(e)]
        if waiting:
            raise RuntimeError(f"{waiting} recorded outside a transaction, but in-transaction handlers wait for them")
        self.committed.extend(events)

    def handles(self, *event_types: type[DomainEvent]) -> bool:
        return self._handlers.handles(*event_types)

    async def atomic(self, work: Callable[[UnitOfWork], Awaitable[T]]) -> T:
        if self._pending is not None:
            raise RuntimeError("atomic() inside atomic(): a change is one transaction")
        for attempt in range(RETRIES + 1):
            try:
                return await self._once(work)
            except Exception as error:
                if attempt < RETRIES and is_retryable(error):
                    await asyncio.sleep(random.uniform(0.005, 0.02) * (attempt + 1))
                    continue
                raise
        raise AssertionError("unreachable")

    async def _once(self, work: Callable[[UnitOfWork], Awaitable[T]]) -> T:
        pending: list[DomainEvent] = []
        try:
            async with in_transaction("default") as conn:  # COMMIT on leaving without an exception
                self._session.conn, self._pending = conn, pending
                result = await work(self)
                await self._handlers.run(self, pending)
        finally:
            self._session.conn, self._pending = None, None
            self._session.forget_stale()
        self.committed.extend(pending)
        return result


def is_retryable(error: BaseException) -> bool:
    seen: BaseException | None = error
    while seen is not None:
        if getattr(seen, "sqlstate", None) in RETRYABLE_SQLSTATES:
            return True
        seen = seen.__cause__ or seen.__context__
    return False


async def transactional(
    work: Callable[[TortoiseUnitOfWork], Awaitable[T]], *, handlers: EventHandlers | None = None
) -> tuple[T, list[DomainEvent]]:
    """Run work in a fresh unit of work (scripts and tests); returns its result and committed events."""
    uow = TortoiseUnitOfWork(handlers=handlers)

    async def typed(tx: UnitOfWork) -> T:
        assert tx is uow
        return await work(uow)

    result = await uow.atomic(typed)
    return result, list(uow.committed)
