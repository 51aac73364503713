"""Writing orders inside a unit of work: create in one statement, lock, save transitions.

Lock order, the same in every use case: the order row (FOR UPDATE) before its fulfilments and
before any stock row; stock rows in domain.reservations.lock_order. Placing an order locks only
stock rows (the order is new), so no two use cases can wait on each other in a cycle.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import asyncpg
from tortoise.backends.base.client import BaseDBAsyncClient

from ...domain.orders import Fulfillment, FulfillmentLine, Order
from ..db import execute_many, fetch
from ..order_mappers import (
    FULFILLMENT_COLUMNS,
    ORDER_COLUMNS,
    to_fulfillment,
    to_fulfillment_line,
    to_order,
)


class PickupCodeTaken(Exception):
    """Another open order at the store got the same pickup code first (draw a new one and retry)."""


PICKUP_CODE_INDEX = "uid_order_open_pickup_code"


class OrderStore:
    def __init__(self, conn: BaseDBAsyncClient) -> None:
        self._conn = conn

    async def lock(self, order_id: int) -> Order | None:
        rows = await fetch(
            f"SELECT {ORDER_COLUMNS} FROM customer_order WHERE id = $1 FOR UPDATE", [order_id], conn=self._conn
        )
        return to_order(rows[0]) if rows else None

    async def lock_by_pickup_code(self, location_id: int, code: str) -> Order | None:
        """The open, paid pickup order at this store with this code (row-locked)."""
        rows = await fetch(
            f"SELECT {ORDER_COLUMNS} FROM customer_order WHERE pickup_location_id = $1 AND pickup_code = $2 "
            "AND status IN ('CONFIRMED', 'PICKING', 'READY_FOR_PICKUP') FOR UPDATE",
            [location_id, code],
            conn=self._conn,
        )
        return to_order(rows[0]) if rows else None

    async def handed_over_since(self, location_id: int, code: str, since: datetime) -> bool:
        """Whether a pickup order at this store with this code was completed at or after `since`."""
        rows = await fetch(
            "SELECT 1 FROM customer_order WHERE pickup_location_id = $1 AND pickup_code = $2 "
            # updated_at >= since too: its index keeps this to the last minutes' orders
            "AND status = 'COMPLETED' AND completed_at >= $3 AND updated_at >= $3 LIMIT 1",
            [location_id, code, since],
            conn=self._conn,
        )
        return bool(rows)

    async def order_of_fulfillment(self, fulfillment_id: int) -> int | None:
        rows = await fetch("SELECT order_id FROM fulfillment WHERE id = $1", [fulfillment_id], conn=self._conn)
        return rows[0]["order_id"] if rows else None

    async def fulfillments(self, order_id: int) -> list[Fulfillment]:
        """An order's fulfilments (the caller holds the order's row lock)."""
        rows = await fetch(
            f"SELECT {FULFILLMENT_COLUMNS} FROM fulfillment WHERE order_id = $1 ORDER BY id",
            [order_id],
            conn=self._conn,
        )
        return [to_fulfillment(r) for r in rows]

    async def fulfillment_lines(self, fulfillment_ids: Sequence[int]) -> list[FulfillmentLine]:
        rows = await fetch(
            "SELECT fulfillment_id, variant_id, quantity, unit_price FROM fulfillment_line "
            "WHERE fulfillment_id = ANY($1::int[]) ORDER BY fulfillment_id, id",
            [list(fulfillment_ids)],
            conn=self._conn,
        )
        return [to_fulfillment_line(r) for r in rows]

    async def save(self, order: Order) -> None:
        try:
            await self._save(order)
        except asyncpg.UniqueViolationError as error:
            if error.constraint_name == PICKUP_CODE_INDEX:
                raise PickupCodeTaken() from error
            raise

    async def _save(self, order: Order) -> None:
        await fetch(
            "UPDATE customer_order SET status = $2, reservation_expires_at = $3, pickup_code = $4, paid_at = $5, "
            "cancelled_at = $6, completed_at = $7, cancel_reason = $8, updated_at = $9 WHERE id = $1",
            [
                order.id,
                order.status.value,
                order.reservation_expires_at,
                order.pickup_code,
                order.paid_at,
                order.cancelled_at,
                order.completed_at,
                order.cancel_reason,
                order.updated_at,
            ],
            conn=self._conn,
        )

    async def save_price(self, order: Order) -> None:
        """A repriced order's discount total and total (its lines and subtotal never change)."""
        await fetch(
            "UPDATE customer_order SET discount_total = $2, total = $3, updated_at = $4 WHERE id = $1",
            [order.id, order.discount_total.amount, order.total.amount, order.updated_at],
            conn=self._conn,
        )

    async def save_fulfillments(self, fulfillments: Sequence[Fulfillment]) -> None:
        if fulfillments:
            await execute_many(
                "UPDATE fulfillment SET status = $2, updated_at = $3 WHERE id = $1",
                [[f.id, f.status.value, f.updated_at] for f in fulfillments],
                conn=self._conn,
            )

    async def pickup_code_in_use(self, location_id: int, code: str) -> bool:
        rows = await fetch(
            "SELECT 1 FROM customer_order WHERE pickup_location_id = $1 AND pickup_code = $2 "
            "AND status IN ('CONFIRMED', 'PICKING', 'READY_FOR_PICKUP')",
            [location_id, code],
            conn=self._conn,
        )
        return bool(rows)

    async def lock_unpaid_past_hold(self, now: datetime, limit: int) -> list[Order]:
        """Unpaid orders whose hold is over, oldest first; rows another process is sweeping are skipped."""
        rows = await fetch(
            # the status is a literal so the planner can prove the partial index idx_order_unpaid_hold applies
            f"SELECT {ORDER_COLUMNS} FROM customer_order WHERE status = 'PENDING_PAYMENT' "
            "AND reservation_expires_at <= $1 ORDER BY reservation_expires_at LIMIT $2 FOR UPDATE SKIP LOCKED",
            [now, limit],
            conn=self._conn,
        )
        return [to_order(r) for r in rows]
