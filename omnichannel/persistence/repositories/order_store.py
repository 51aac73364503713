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

from ...domain.inventory import StockMovement
from ...domain.order_requests import OrderDraft
from ...domain.orders import Fulfillment, FulfillmentLine, FulfillmentStatus, Order, OrderStatus
from ..db import execute_many, fetch
from ..order_mappers import (
    FULFILLMENT_COLUMNS,
    ORDER_COLUMNS,
    address_to_json,
    to_fulfillment,
    to_fulfillment_line,
    to_order,
)

CREATE = f"""
WITH o AS (
  INSERT INTO customer_order (id, number, channel, status, mode, member_id, placed_by, placed_by_staff_id,
    placed_at_location_id, attributed_staff_id, pickup_location_id, shipping_address, subtotal, discount_total,
    total, currency, points_redeemed, reservation_expires_at, created_at, updated_at)
  SELECT n, 'SO' || lpad(n::text, 8, '0'), $1, 'PENDING_PAYMENT', $2, $3, $4, $5, $6, $7, $8, $9::jsonb, $10, $11,
    $12, $13, $14, $15, $16, $16
  FROM nextval(pg_get_serial_sequence('customer_order', 'id')) AS n
  RETURNING *
), l AS (
  INSERT INTO order_line (order_id, position, variant_id, quantity, unit_price)
  SELECT o.id, x.pos, x.variant_id, x.quantity, x.unit_price
  FROM o, unnest($17::int[], $18::int[], $19::numeric[]) WITH ORDINALITY AS x(variant_id, quantity, unit_price, pos)
), f AS (
  INSERT INTO fulfillment (order_id, location_id, mode, status, ships_with_id, created_at, updated_at)
  SELECT o.id, x.location_id, $2, 'PENDING', x.ships_with, $16, $16
  FROM o, unnest($20::int[], $21::int[]) AS x(location_id, ships_with)
  RETURNING id, location_id
), fl AS (
  INSERT INTO fulfillment_line (fulfillment_id, variant_id, quantity, unit_price)
  SELECT f.id, x.variant_id, x.quantity, x.unit_price
  FROM f JOIN unnest($22::int[], $23::int[], $24::int[], $25::numeric[]) AS x(location_id, variant_id, quantity,
    unit_price) ON x.location_id = f.location_id
), m AS (
  INSERT INTO stock_movement (variant_id, location_id, reason, on_hand_delta, reserved_delta, on_hand_after,
    reserved_after, note, reference, actor, created_at)
  SELECT x.variant_id, x.location_id, 'RESERVATION', 0, x.quantity, x.on_hand_after, x.reserved_after, '',
    o.number, $31, $16
  FROM o, unnest($26::int[], $27::int[], $28::int[], $29::int[], $30::int[])
    AS x(location_id, variant_id, quantity, on_hand_after, reserved_after)
), k AS (
  UPDATE idempotency_key SET order_id = (SELECT id FROM o) WHERE id = $32
)
SELECT {ORDER_COLUMNS},
  ARRAY(SELECT f.id FROM f ORDER BY f.id) AS f_ids, ARRAY(SELECT f.location_id FROM f ORDER BY f.id) AS f_locations
FROM o
"""


class PickupCodeTaken(Exception):
    """Another open order at the store got the same pickup code first (draw a new one and retry)."""


PICKUP_CODE_INDEX = "uid_order_open_pickup_code"


class OrderStore:
    def __init__(self, conn: BaseDBAsyncClient) -> None:
        self._conn = conn

    async def create(
        self, draft: OrderDraft, reserved: Sequence[StockMovement], actor: str, idempotency_id: int | None
    ) -> tuple[Order, list[Fulfillment]]:
        """The order, its lines, fulfilments, fulfilment lines and reservation ledger entries in one statement.

        `reserved` are the RESERVATION movements of the holds just taken; their reference becomes
        the order number.
        """
        request, placement = draft.request, draft.placement
        ship_lines = [(s.location_id, line) for s in draft.shipments for line in s.lines]
        rows = await fetch(
            CREATE,
            [
                request.channel.value,
                request.mode.value,
                placement.member_id,
                placement.placed_by,
                placement.placed_by_staff_id,
                draft.placed_at_location_id,
                placement.attributed_staff_id,
                request.pickup_location_id,
                address_to_json(request.address),
                draft.totals.subtotal.amount,
                draft.totals.discount_total.amount,
                draft.totals.total.amount,
                draft.totals.total.currency,
                draft.points_redeemed,
                draft.reservation_expires_at,
                draft.created_at,
                [line.variant_id for line in draft.lines],
                [line.quantity for line in draft.lines],
                [line.unit_price.amount for line in draft.lines],
                [s.location_id for s in draft.shipments],
                [s.ships_with_id for s in draft.shipments],
                [loc for loc, _ in ship_lines],
                [line.variant_id for _, line in ship_lines],
                [line.quantity for _, line in ship_lines],
                [line.unit_price.amount for _, line in ship_lines],
                [m.location_id for m in reserved],
                [m.variant_id for m in reserved],
                [m.reserved_delta for m in reserved],
                [m.on_hand_after for m in reserved],
                [m.reserved_after for m in reserved],
                actor,
                idempotency_id,
            ],
            conn=self._conn,
        )
        row = rows[0]
        order = to_order(row)
        ships_with = {s.location_id: s.ships_with_id for s in draft.shipments}
        fulfillments = [
            Fulfillment(
                fid,
                order.id,
                loc,
                request.mode,
                FulfillmentStatus.PENDING,
                draft.created_at,
                draft.created_at,
                ships_with.get(loc),
            )
            for fid, loc in zip(row["f_ids"], row["f_locations"], strict=True)
        ]
        return order, fulfillments

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
            f"SELECT {ORDER_COLUMNS} FROM customer_order WHERE status = $1 AND reservation_expires_at <= $2 "
            "ORDER BY reservation_expires_at LIMIT $3 FOR UPDATE SKIP LOCKED",
            [OrderStatus.PENDING_PAYMENT.value, now, limit],
            conn=self._conn,
        )
        return [to_order(r) for r in rows]
