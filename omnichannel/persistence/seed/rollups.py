"""The report rollups of orders a seed has just written, set-based, in the seeding transaction.

Both seeds that write orders (`seed --orders N`, seed/orders.py, and the demo's and scale seed's
sales history, seed/history.py) fill two temp tables and call `roll_up_paid_orders`:

  rollup_paid (order_id, paid_at, channel, mode, location_id, placed_at, units, total, discount, points)
  rollup_line (order_id, position, variant_id, unit_price, quantity)

one row per paid (and not cancelled) order, fulfilled whole at `location_id`, and its lines. The
rollups follow the rules the in-transaction handlers apply (domain.reports, domain.credit): one
fulfilling location per order, so all of an order's figures go to it; what was paid is spread over
the lines by value (the remainder to the last); a store's credit share of an online order is
rounded down to the cent. `roll_up_closed_orders` counts cancelled and expired orders for their
pickup store on the day they closed (report_store_day).
"""

from __future__ import annotations

from decimal import Decimal

from .writer import execute

CREDIT = """
CREATE TEMP TABLE rollup_credit ON COMMIT DROP AS
WITH weighted AS (  -- domain.credit: what was paid spread over the lines by value, the remainder to the last
  SELECT l.order_id, l.position, round(l.unit_price * l.quantity * 100) AS w,
         sum(round(l.unit_price * l.quantity * 100)) OVER (PARTITION BY l.order_id) AS weight,
         row_number() OVER (PARTITION BY l.order_id ORDER BY l.position DESC) = 1 AS last_line,
         round(p.total * 100) AS paid, p.channel, p.location_id, p.placed_at, loc.kind = 'STORE' AS from_store,
         (p.paid_at AT TIME ZONE 'Asia/Shanghai')::date AS day
  FROM rollup_line l JOIN rollup_paid p USING (order_id) JOIN location loc ON loc.id = p.location_id
), based AS (
  SELECT *, floor(paid * w / weight) AS base FROM weighted
), parts AS (
  SELECT *, CASE WHEN last_line THEN paid - (sum(base) OVER (PARTITION BY order_id) - base) ELSE base END AS part
  FROM based
), split AS (
  SELECT order_id, day, channel, placed_at, location_id, from_store, part, floor(part * $1::numeric) AS store_part
  FROM parts
)
SELECT order_id, day, placed_at AS party, sum(part) / 100 AS amount FROM split
  WHERE channel IN ('STORE_POS', 'CLERK_PAD') GROUP BY 1, 2, 3
UNION ALL SELECT order_id, day, location_id, sum(store_part) / 100 FROM split
  WHERE channel IN ('MINI_PROGRAM', 'APP') AND from_store GROUP BY 1, 2, 3
UNION ALL SELECT order_id, day, 0, sum(part - CASE WHEN from_store THEN store_part ELSE 0 END) / 100 FROM split
  WHERE channel IN ('MINI_PROGRAM', 'APP') GROUP BY 1, 2
"""
CREDIT_JSON = """
CREATE TEMP TABLE rollup_credit_json ON COMMIT DROP AS
SELECT order_id, jsonb_agg(jsonb_build_array(party, amount::numeric(12,2)::text) ORDER BY party) AS credit
FROM rollup_credit GROUP BY order_id
"""
# what each order added, kept beside the rollups (domain.report_rollups.PaidOrder), so a later
# cancellation or refund takes back exactly that
PAID_ORDERS = """
INSERT INTO report_order (order_id, paid_at, day, channel, mode, parts, credit, store_share, refunded)
SELECT p.order_id, p.paid_at, (p.paid_at AT TIME ZONE 'Asia/Shanghai')::date, p.channel, p.mode,
  jsonb_build_object('parts', jsonb_build_array(jsonb_build_array(p.location_id, 1, p.units, p.total::text,
  p.discount::text, p.points)), 'lines', l.lines, 'selling_store_id', p.placed_at, 'paid', p.total::text,
  'coupons', '[]'::jsonb), c.credit, $1::numeric, '["0.00"]'::jsonb
FROM rollup_paid p
JOIN (SELECT l.order_id, jsonb_agg(jsonb_build_array(p.location_id, loc.kind = 'STORE', l.variant_id,
        (l.unit_price * l.quantity)::text) ORDER BY l.position) AS lines
      FROM rollup_line l JOIN rollup_paid p USING (order_id) JOIN location loc ON loc.id = p.location_id
      GROUP BY l.order_id) l USING (order_id)
JOIN rollup_credit_json c USING (order_id)
"""
SALES = """
INSERT INTO report_sales AS r (day, channel, mode, location_id, orders, orders_once, units, revenue, discount,
  points_redeemed)
SELECT (paid_at AT TIME ZONE 'Asia/Shanghai')::date, channel, mode, location_id, count(*), count(*), sum(units),
  sum(total), sum(discount), sum(points)
FROM rollup_paid GROUP BY 1, 2, 3, 4
ON CONFLICT (day, channel, mode, location_id, shard) DO UPDATE SET orders = r.orders + EXCLUDED.orders,
  orders_once = r.orders_once + EXCLUDED.orders_once, units = r.units + EXCLUDED.units,
  revenue = r.revenue + EXCLUDED.revenue, discount = r.discount + EXCLUDED.discount,
  points_redeemed = r.points_redeemed + EXCLUDED.points_redeemed
"""
CREDIT_DAYS = """
INSERT INTO report_credit AS r (day, party, amount)
SELECT day, party, sum(amount) FROM rollup_credit GROUP BY 1, 2
ON CONFLICT (day, party, shard) DO UPDATE SET amount = r.amount + EXCLUDED.amount
"""
CLOSED = """
INSERT INTO report_store_day AS r (day, location_id, cancelled, expired)
SELECT (coalesce(cancelled_at, updated_at) AT TIME ZONE 'Asia/Shanghai')::date, pickup_location_id,
  count(*) FILTER (WHERE status = 'CANCELLED'), count(*) FILTER (WHERE status = 'EXPIRED')
FROM customer_order WHERE id BETWEEN $1 AND $2 AND status IN ('CANCELLED', 'EXPIRED') AND paid_at IS NULL
GROUP BY 1, 2
ON CONFLICT (day, location_id) DO UPDATE SET cancelled = r.cancelled + EXCLUDED.cancelled,
  expired = r.expired + EXCLUDED.expired
"""


async def roll_up_paid_orders(store_share: Decimal) -> None:
    """Add the orders in rollup_paid / rollup_line to report_order, report_sales and report_credit
    (inside the caller's transaction; the temp tables go at its COMMIT)."""
    await execute(CREDIT, Decimal(store_share))
    await execute(CREDIT_JSON)
    await execute(PAID_ORDERS, Decimal(store_share))
    await execute(SALES)
    await execute(CREDIT_DAYS)


async def roll_up_closed_orders(first_id: int, last_id: int) -> None:
    """Count the never-paid cancelled and expired orders with ids in [first_id, last_id]."""
    await execute(CLOSED, first_id, last_id)
