"""Writing a new order in one statement: order, lines, fulfilments, their lines and the ledger.

Two forms of the same statement:
- after the caller reserved the holds (one conditional UPDATE each, in lock order, in its
  transaction): the RESERVATION movements come in as arrays;
- reserving its single hold itself (an order with one line at one location, no idempotency key):
  the conditional UPDATE is the first CTE and everything else hangs off its row, so when the
  stock is not there nothing at all is written. One statement is one transaction: a single round
  trip for the whole write, its event log entries included (the unit of work's last handler cannot
  run here: there is no transaction around the statement).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from ...domain.inventory import StockLevel, StockMovement
from ...domain.online_allocation import is_online
from ...domain.order_aggregate import placed_facts
from ...domain.order_requests import OrderDraft
from ...domain.orders import Fulfillment, FulfillmentStatus, Order, OrderStatus
from ...domain.reservations import Hold
from ..db import fetch
from ..mappers import STOCK_COLUMNS
from ..order_mappers import ORDER_COLUMNS, address_to_json, to_order
from . import event_log_append
from .stock import ONLINE_CAP


def _order(source: str) -> str:
    return f"""o AS (
  INSERT INTO customer_order (id, number, channel, status, mode, member_id, placed_by, placed_by_staff_id,
    placed_at_location_id, attributed_staff_id, pickup_location_id, shipping_address, subtotal, discount_total,
    total, currency, points_redeemed, reservation_expires_at, created_at, updated_at)
  SELECT n, 'SO' || lpad(n::text, 8, '0'), $1, 'PENDING_PAYMENT', $2, $3, $4, $5, $6, $7, $8, $9::jsonb, $10, $11,
    $12, $13, $14, $15, $16, $16
  FROM {source}nextval(pg_get_serial_sequence('customer_order', 'id')) AS n
  RETURNING *
)"""


_LINES = """l AS (
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
)"""

_RESULT = f"""SELECT {", ".join("o." + c for c in ORDER_COLUMNS.split(", "))},
  ARRAY(SELECT f.id FROM f ORDER BY f.id) AS f_ids, ARRAY(SELECT f.location_id FROM f ORDER BY f.id) AS f_locations"""

AFTER_RESERVING = f"""WITH {_order("")}, {_LINES}, m AS (
  INSERT INTO stock_movement (variant_id, location_id, reason, on_hand_delta, reserved_delta, on_hand_after,
    reserved_after, note, reference, actor, created_at)
  SELECT x.variant_id, x.location_id, 'RESERVATION', 0, x.quantity, x.on_hand_after, x.reserved_after, '',
    o.number, $31, $16
  FROM o, unnest($26::int[], $27::int[], $28::int[], $29::int[], $30::int[])
    AS x(location_id, variant_id, quantity, on_hand_after, reserved_after)
), k AS (
  UPDATE idempotency_key SET order_id = (SELECT id FROM o) WHERE id = $32
)
{_RESULT}
FROM o"""

# The hold is taken only while it leaves the level above its safety stock (so no low-stock alert can
# be due: resolvers/stock_alerts.py) and, for an online order ($31), within the online share
# (persistence.repositories.stock.ONLINE_CAP); otherwise nothing is written and the caller takes the
# transactional path, which reserves (or refuses) with the in-transaction handlers.
RESERVING_ONE = f"""WITH r AS (
  UPDATE stock_level SET reserved = reserved + $28,
    online_reserved = online_reserved + CASE WHEN $31 THEN $28 ELSE 0 END, updated_at = now()
  WHERE location_id = $26 AND variant_id = $27 AND on_hand - reserved - safety_stock >= $28
    AND (safety_stock = 0 OR on_hand - reserved - $28 > safety_stock)
    AND (NOT $31 OR online_reserved + $28 <= {ONLINE_CAP.format(loc="$26")})
  RETURNING {STOCK_COLUMNS}
), {_order("r, ")}, {_LINES}, m AS (
  INSERT INTO stock_movement (variant_id, location_id, reason, on_hand_delta, reserved_delta, on_hand_after,
    reserved_after, note, reference, actor, created_at)
  SELECT r.variant_id, r.location_id, 'RESERVATION', 0, $28, r.on_hand, r.reserved, '', o.number, $29, $16
  FROM r, o
), {event_log_append.new_order_cte("$30")}
{_RESULT}, {", ".join(f"r.{c} AS r_{c}" for c in STOCK_COLUMNS.split(", "))}
FROM o, r"""


def _common(draft: OrderDraft) -> list[Any]:
    request, placement = draft.request, draft.placement
    ship_lines = [(s.location_id, line) for s in draft.shipments for line in s.lines]
    return [
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
    ]


def _created(draft: OrderDraft, row: Any) -> tuple[Order, list[Fulfillment]]:
    order = to_order(row)
    ships_with = {s.location_id: s.ships_with_id for s in draft.shipments}
    fulfillments = [
        Fulfillment(
            fid, order.id, loc, draft.request.mode, FulfillmentStatus.PENDING, draft.created_at, draft.created_at,
            ships_with.get(loc),
        )
        for fid, loc in zip(row["f_ids"], row["f_locations"], strict=True)
    ]  # fmt: skip
    return order, fulfillments


async def after_reserving(
    conn: BaseDBAsyncClient | None,
    draft: OrderDraft,
    reserved: Sequence[StockMovement],
    actor: str,
    idempotency_id: int | None,
) -> tuple[Order, list[Fulfillment]]:
    """The order, inside the caller's transaction; `reserved` are the RESERVATION movements just made."""
    params = [
        *_common(draft),
        [m.location_id for m in reserved],
        [m.variant_id for m in reserved],
        [m.reserved_delta for m in reserved],
        [m.on_hand_after for m in reserved],
        [m.reserved_after for m in reserved],
        actor,
        idempotency_id,
    ]
    rows = await fetch(AFTER_RESERVING, params, conn=conn)
    return _created(draft, rows[0])


def _unwritten(draft: OrderDraft, hold: Hold) -> tuple[Order, list[Fulfillment], StockLevel]:
    """The order, fulfilments and level the one statement is about to write, with what only it knows
    left blank (ids, the order number, the level's figures): its facts, for the event log, are built
    from these and the statement fills the blanks in."""
    request, placement, totals = draft.request, draft.placement, draft.totals
    order = Order(
        0,
        "",
        request.channel,
        OrderStatus.PENDING_PAYMENT,
        request.mode,
        placement.member_id,
        placement.placed_by,
        placement.placed_by_staff_id,
        draft.placed_at_location_id,
        placement.attributed_staff_id,
        request.pickup_location_id,
        totals.subtotal,
        totals.discount_total,
        totals.total,
        draft.points_redeemed,
        0,
        draft.reservation_expires_at,
        None,
        draft.created_at,
        draft.created_at,
        shipping_address=request.address,
    )
    fulfillments = [
        Fulfillment(0, 0, s.location_id, request.mode, FulfillmentStatus.PENDING, draft.created_at, draft.created_at,
                    s.ships_with_id)
        for s in draft.shipments
    ]  # fmt: skip
    return order, fulfillments, StockLevel(hold.location_id, hold.variant_id)


async def reserving_one(
    draft: OrderDraft, hold: Hold, actor: str, *, conn: BaseDBAsyncClient | None = None
) -> tuple[Order, list[Fulfillment], StockLevel] | None:
    """Reserve the one hold and write the order in a single statement; None (nothing written) when the
    hold is short, would bring the level to its safety stock, or is over the online share."""
    unwritten, fulfillments, level = _unwritten(draft, hold)
    facts = placed_facts(draft, unwritten, fulfillments, [level])
    assert [type(f).__name__ for f in facts] == ["StockChanged", "OrderPlaced"]
    log = event_log_append.entries_json(facts, ["level", "order"])
    online = is_online(draft.request.channel)
    params = [*_common(draft), hold.location_id, hold.variant_id, hold.quantity, actor, log or "[]", online]
    rows = await fetch(RESERVING_ONE, params, conn=conn)
    if not rows:
        return None
    row = rows[0]
    level = StockLevel(row["r_location_id"], row["r_variant_id"], row["r_on_hand"], row["r_reserved"],
                       row["r_safety_stock"], row["r_online_reserved"])  # fmt: skip
    order, fulfillments = _created(draft, row)
    return order, fulfillments, level
