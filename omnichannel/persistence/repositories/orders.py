"""The order repository of the unit of work (domain.ports.OrderRepository).

Lock order, the same in every use case: the order row (FOR UPDATE) before its fulfilments and
before any stock row; stock rows in domain.reservations.lock_order. Placing an order locks only
stock rows (the order is new), so no two use cases can wait on each other in a cycle.
An aggregate is read in two statements: the locked order row, then (in a snapshot taken after the
lock was granted) its fulfilments with their lines.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import asyncpg

from ...domain.inventory import StockLevel, StockMovement
from ...domain.money import Money
from ...domain.order_aggregate import OrderAggregate
from ...domain.order_requests import OrderDraft
from ...domain.orders import Fulfillment, FulfillmentLine, Order
from ...domain.ports import PickupCodeTaken
from ...domain.pricing import DiscountLine
from ...domain.reservations import Hold
from ..db import execute, execute_many, fetch
from ..order_mappers import FULFILLMENT_COLUMNS, ORDER_COLUMNS, to_fulfillment, to_order
from ..session import Session
from . import order_creation, order_discounts, order_reads

PICKUP_CODE_INDEX = "uid_order_open_pickup_code"
OPEN_PAID = "('CONFIRMED', 'PICKING', 'READY_FOR_PICKUP')"

FULFILLMENTS_WITH_LINES = f"""
SELECT {", ".join("f." + c for c in FULFILLMENT_COLUMNS.split(", "))},
  ARRAY(SELECT l.variant_id FROM fulfillment_line l WHERE l.fulfillment_id = f.id ORDER BY l.id) AS l_variants,
  ARRAY(SELECT l.quantity FROM fulfillment_line l WHERE l.fulfillment_id = f.id ORDER BY l.id) AS l_quantities,
  ARRAY(SELECT l.unit_price FROM fulfillment_line l WHERE l.fulfillment_id = f.id ORDER BY l.id) AS l_prices
FROM fulfillment f WHERE f.order_id = ANY($1::int[]) ORDER BY f.order_id, f.id
"""


class OrderStore:
    def __init__(self, session: Session) -> None:
        self._session = session

    async def get(self, order_id: int) -> Order | None:
        if not self._session.in_transaction:
            found: Order | None = await self._session.loaders.order.load(order_id)
            return found
        rows = await self._fetch(f"SELECT {ORDER_COLUMNS} FROM customer_order WHERE id = $1", [order_id])
        return to_order(rows[0]) if rows else None

    async def fulfillments(self, order_id: int) -> list[Fulfillment]:
        if not self._session.in_transaction:
            found: list[Fulfillment] = await self._session.loaders.fulfillments_of_order.load(order_id)
            return found
        rows = await self._fetch(
            f"SELECT {FULFILLMENT_COLUMNS} FROM fulfillment WHERE order_id = $1 ORDER BY id", [order_id]
        )
        return [to_fulfillment(r) for r in rows]

    async def fulfillment(self, fulfillment_id: int) -> Fulfillment | None:
        if not self._session.in_transaction:
            found: Fulfillment | None = await self._session.loaders.fulfillment.load(fulfillment_id)
            return found
        rows = await self._fetch(f"SELECT {FULFILLMENT_COLUMNS} FROM fulfillment WHERE id = $1", [fulfillment_id])
        return to_fulfillment(rows[0]) if rows else None

    async def get_for_update(self, order_id: int) -> OrderAggregate | None:
        rows = await self._fetch(f"SELECT {ORDER_COLUMNS} FROM customer_order WHERE id = $1 FOR UPDATE", [order_id])
        return (await self._aggregates([to_order(rows[0])]))[0] if rows else None

    async def get_for_update_by_pickup_code(self, location_id: int, code: str) -> OrderAggregate | None:
        rows = await self._fetch(
            f"SELECT {ORDER_COLUMNS} FROM customer_order WHERE pickup_location_id = $1 AND pickup_code = $2 "
            f"AND status IN {OPEN_PAID} FOR UPDATE",
            [location_id, code],
        )
        return (await self._aggregates([to_order(rows[0])]))[0] if rows else None

    async def lock_unpaid_past_hold(self, now: datetime, limit: int) -> list[OrderAggregate]:
        rows = await self._fetch(
            # the status is a literal so the planner can prove the partial index idx_order_unpaid_hold applies
            f"SELECT {ORDER_COLUMNS} FROM customer_order WHERE status = 'PENDING_PAYMENT' "
            "AND reservation_expires_at <= $1 ORDER BY reservation_expires_at LIMIT $2 FOR UPDATE SKIP LOCKED",
            [now, limit],
        )
        return await self._aggregates([to_order(r) for r in rows])

    async def order_of_fulfillment(self, fulfillment_id: int) -> int | None:
        rows = await self._fetch("SELECT order_id FROM fulfillment WHERE id = $1", [fulfillment_id])
        return int(rows[0]["order_id"]) if rows else None

    async def handed_over_since(self, location_id: int, code: str, since: datetime) -> bool:
        rows = await self._fetch(
            "SELECT 1 FROM customer_order WHERE pickup_location_id = $1 AND pickup_code = $2 "
            # updated_at >= since too: its index keeps this to the last minutes' orders
            "AND status = 'COMPLETED' AND completed_at >= $3 AND updated_at >= $3 LIMIT 1",
            [location_id, code, since],
        )
        return bool(rows)

    async def pickup_code_in_use(self, location_id: int, code: str) -> bool:
        rows = await self._fetch(
            "SELECT 1 FROM customer_order WHERE pickup_location_id = $1 AND pickup_code = $2 "
            f"AND status IN {OPEN_PAID}",
            [location_id, code],
        )
        return bool(rows)

    async def open_parcels_of_member(self, member_id: int) -> list[tuple[Fulfillment, Order]]:
        return await order_reads.open_parcels_of_member(member_id, conn=self._session.conn)

    async def create(
        self, draft: OrderDraft, reserved: Sequence[StockMovement], *, actor: str, idempotency_id: int | None
    ) -> tuple[Order, list[Fulfillment]]:
        return await order_creation.after_reserving(self._session.conn, draft, reserved, actor, idempotency_id)

    async def create_reserving_one(
        self, draft: OrderDraft, hold: Hold, *, actor: str
    ) -> tuple[Order, list[Fulfillment], StockLevel] | None:
        return await order_creation.reserving_one(draft, hold, actor, conn=self._session.conn)

    async def save(self, order: OrderAggregate) -> None:
        if order.order_changed:
            try:
                await self._save_order(order.order)
            except asyncpg.UniqueViolationError as error:
                if error.constraint_name == PICKUP_CODE_INDEX:
                    raise PickupCodeTaken() from error
                raise
        changed = order.changed_fulfillments
        if changed:
            await execute_many(
                "UPDATE fulfillment SET status = $2, updated_at = $3 WHERE id = $1",
                [[f.id, f.status.value, f.updated_at] for f in changed],
                conn=self._session.conn,
            )
            for fulfillment in changed:
                self._session.stale("fulfillment", fulfillment.id)
            self._session.stale("fulfillments_of_order", order.order.id)

    async def _save_order(self, order: Order) -> None:
        await execute(
            "UPDATE customer_order SET status = $2, reservation_expires_at = $3, pickup_code = $4, paid_at = $5, "
            "cancelled_at = $6, completed_at = $7, cancel_reason = $8, discount_total = $9, total = $10, "
            "updated_at = $11 WHERE id = $1",
            [
                order.id,
                order.status.value,
                order.reservation_expires_at,
                order.pickup_code,
                order.paid_at,
                order.cancelled_at,
                order.completed_at,
                order.cancel_reason,
                order.discount_total.amount,
                order.total.amount,
                order.updated_at,
            ],
            conn=self._session.conn,
        )
        self._session.stale("order", order.id)

    async def set_points_earned(self, order_id: int, points: int) -> None:
        await execute(
            "UPDATE customer_order SET points_earned = $2 WHERE id = $1", [order_id, points], conn=self._session.conn
        )
        self._session.stale("order", order_id)

    async def discounts(self, order_id: int) -> list[DiscountLine]:
        return await order_discounts.of_order(self._session.conn, order_id)

    async def add_discounts(self, order_id: int, discounts: Sequence[DiscountLine]) -> None:
        await order_discounts.add(self._session.conn, order_id, discounts)

    async def replace_discounts(self, order_id: int, discounts: Sequence[DiscountLine]) -> None:
        await order_discounts.replace(self._session.conn, order_id, discounts)
        self._session.stale("discounts_of_order", order_id)

    async def _aggregates(self, orders: list[Order]) -> list[OrderAggregate]:
        if not orders:
            return []
        rows = await self._fetch(FULFILLMENTS_WITH_LINES, [[o.id for o in orders]])
        fulfillments: dict[int, list[Fulfillment]] = {o.id: [] for o in orders}
        lines: dict[int, list[FulfillmentLine]] = {o.id: [] for o in orders}
        for row in rows:
            fulfillment = to_fulfillment(row)
            fulfillments[fulfillment.order_id].append(fulfillment)
            lines[fulfillment.order_id].extend(
                FulfillmentLine(fulfillment.id, variant, quantity, Money(price))
                for variant, quantity, price in zip(
                    row["l_variants"], row["l_quantities"], row["l_prices"], strict=True
                )
            )
        return [OrderAggregate(o, fulfillments[o.id], lines[o.id]) for o in orders]

    async def _fetch(self, sql: str, params: Sequence[object]) -> list[asyncpg.Record]:
        return await fetch(sql, params, conn=self._session.conn)
