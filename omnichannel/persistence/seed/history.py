"""Sales history for the seeded data sets: past orders, set-based, and the sales they made.

Every store level gets a popularity (a quarter never sell, a few sell most days) and sells on about
days x popularity x rate of the last `days` business days (Shanghai), each drawn at random. Each
sale is an order of its own taken at the store (till, mini program or app pickups), handed over the
same day; about one in ten was cancelled instead. Only COMPLETED and CANCELLED orders are written:
after seeding nothing is reserved and no payment is due. The units sold go into sales_day (and, by
channel group, into channel_sales) in the same transaction (what resolvers/sales_history.py and
the stock repository keep live), so slowMovers, transferProposals and the automatic online share
show real figures at once; its paid orders get their payment and, like `seed --orders`, their
report rollups (seed/rollups.py: sales, credit, cancelled orders), so the dashboards cover it too.
The stock levels are what is left after this history: the ledger gets a SYNC of the units sold
before it (the stock that was there), then each order's RESERVATION and its SALE (RELEASE when
cancelled), so it still sums to every level and every order reserved its lines.

Deterministic: `setseed` and no parallel workers make random() repeat run to run. Members, points,
coupons and store credit are not seeded for these orders (walk-in customers); the recommendation
aggregates are rebuilt from them.
"""

from __future__ import annotations

from decimal import Decimal

from ...domain.credit import DEFAULT_STORE_SHARE
from ..repositories import recommendations
from .rollups import roll_up_closed_orders, roll_up_paid_orders
from .writer import execute, fetch

HISTORY = """
CREATE TEMP TABLE seed_history ON COMMIT DROP AS
WITH levels AS MATERIALIZED (
  SELECT s.location_id, s.variant_id, v.list_price AS price,
         CASE WHEN random() < 0.25 THEN 0 ELSE random() ^ 3 END AS popularity
  FROM stock_level s JOIN location l ON l.id = s.location_id JOIN variant v ON v.id = s.variant_id
  WHERE l.kind = 'STORE' AND l.active AND s.location_id = ANY($1::int[])
  ORDER BY s.location_id, s.variant_id
), counted AS MATERIALIZED (  -- how many days each level sold on: days x popularity x rate, rounded at random
  SELECT location_id, variant_id, price, popularity, floor($2::int * popularity * $3::float8 + random())::int AS sales
  FROM levels WHERE popularity > 0 ORDER BY location_id, variant_id
), sales AS (
  SELECT c.location_id, c.variant_id, c.price, c.popularity, g
  FROM counted c CROSS JOIN LATERAL generate_series(1, least(c.sales, $2::int)) g
  ORDER BY c.location_id, c.variant_id, g OFFSET 0  -- a fence: random() below runs once per sale, in this order
), sold AS (
  SELECT location_id, variant_id, price,
         (now() AT TIME ZONE 'Asia/Shanghai')::date - 1 - floor(random() * $2::int)::int AS day,
         1 + floor(random() * (1 + 3 * popularity))::int AS units,
         random() < 0.1 AS cancelled, random() AS hour_roll, random() AS channel_roll
  FROM sales
)
SELECT nextval(pg_get_serial_sequence('customer_order', 'id'))::int AS order_id,
       nextval(pg_get_serial_sequence('fulfillment', 'id'))::int AS fulfillment_id,
       location_id, variant_id, price, day, units, cancelled,
       (day + interval '10 hours' + hour_roll * interval '11 hours') AT TIME ZONE 'Asia/Shanghai' AS at,
       CASE WHEN channel_roll < 0.6 THEN 'STORE_POS' WHEN channel_roll < 0.85 THEN 'MINI_PROGRAM' ELSE 'APP' END
         AS channel
FROM sold
"""

ORDERS = """
INSERT INTO customer_order (id, number, channel, status, mode, member_id, placed_by, placed_at_location_id,
  pickup_location_id, subtotal, discount_total, total, currency, created_at, updated_at, paid_at, cancelled_at,
  completed_at, cancel_reason)
SELECT order_id, 'SO' || lpad(order_id::text, 8, '0'), channel,
       CASE WHEN cancelled THEN 'CANCELLED' ELSE 'COMPLETED' END, 'PICKUP', NULL, 'seed:history',
       CASE WHEN channel = 'STORE_POS' THEN location_id END, location_id, price * units, 0, price * units, 'CNY',
       at, at, CASE WHEN cancelled THEN NULL ELSE at END, CASE WHEN cancelled THEN at END,
       CASE WHEN cancelled THEN NULL ELSE at END, CASE WHEN cancelled THEN 'changed my mind' END
FROM seed_history
"""
LINES = """
INSERT INTO order_line (order_id, position, variant_id, quantity, unit_price)
SELECT order_id, 1, variant_id, units, price FROM seed_history
"""
FULFILLMENTS = """
INSERT INTO fulfillment (id, order_id, location_id, mode, status, created_at, updated_at)
SELECT fulfillment_id, order_id, location_id, 'PICKUP', CASE WHEN cancelled THEN 'CANCELLED' ELSE 'COMPLETED' END,
       at, at
FROM seed_history
"""
FULFILLMENT_LINES = """
INSERT INTO fulfillment_line (fulfillment_id, variant_id, quantity, unit_price)
SELECT fulfillment_id, variant_id, units, price FROM seed_history
"""
PAYMENTS = """
INSERT INTO payment (order_id, reference, amount, currency, actor, created_at)
SELECT order_id, 'seed-' || order_id, price * units, 'CNY', 'seed:history', at FROM seed_history WHERE NOT cancelled
"""
# the paid orders in the shape seed/rollups.py rolls up (one line each, no discount, no points)
TO_ROLL_UP = [
    "CREATE TEMP TABLE rollup_paid ON COMMIT DROP AS SELECT order_id, at AS paid_at, channel, 'PICKUP' AS mode, "
    "location_id, CASE WHEN channel = 'STORE_POS' THEN location_id END AS placed_at, units, price * units AS total, "
    "0::numeric(12,2) AS discount, 0 AS points FROM seed_history WHERE NOT cancelled",
    "CREATE TEMP TABLE rollup_line ON COMMIT DROP AS SELECT order_id, 1 AS position, variant_id, price AS unit_price, "
    "units AS quantity FROM seed_history WHERE NOT cancelled",
]
# The ledger of that history, so every level still equals the sum of its movements and every order
# reserved its lines: per level, the stock that was there before it (SYNC +units sold), then per sale
# in time order its RESERVATION and its SALE (or RELEASE, cancelled); each with the level after it.
RESTOCK = """
INSERT INTO stock_movement (variant_id, location_id, reason, on_hand_delta, reserved_delta, on_hand_after,
  reserved_after, note, reference, actor, created_at)
SELECT h.variant_id, h.location_id, 'SYNC', sum(h.units), 0, s.on_hand + sum(h.units), 0,
       'stock before the seeded sales history', 'seed:history', 'seed', min(h.at) - interval '1 hour'
FROM seed_history h JOIN stock_level s ON s.location_id = h.location_id AND s.variant_id = h.variant_id
WHERE NOT h.cancelled
GROUP BY h.location_id, h.variant_id, s.on_hand
ORDER BY h.location_id, h.variant_id
"""
MOVEMENTS = """
WITH ev AS (
  SELECT h.*, s.on_hand,
         sum(CASE WHEN h.cancelled THEN 0 ELSE h.units END)
           OVER (PARTITION BY h.location_id, h.variant_id ORDER BY h.at, h.order_id) AS sold_through,
         sum(CASE WHEN h.cancelled THEN 0 ELSE h.units END) OVER (PARTITION BY h.location_id, h.variant_id) AS sold_all
  FROM seed_history h JOIN stock_level s ON s.location_id = h.location_id AND s.variant_id = h.variant_id
)
INSERT INTO stock_movement (variant_id, location_id, reason, on_hand_delta, reserved_delta, on_hand_after,
  reserved_after, note, reference, actor, created_at)
SELECT variant_id, location_id,
       CASE WHEN k = 1 THEN 'RESERVATION' WHEN cancelled THEN 'RELEASE' ELSE 'SALE' END,
       CASE WHEN k = 2 AND NOT cancelled THEN -units ELSE 0 END,
       CASE WHEN k = 1 THEN units ELSE -units END,
       CASE WHEN k = 1 THEN on_hand + sold_all - sold_through + CASE WHEN cancelled THEN 0 ELSE units END
            ELSE on_hand + sold_all - sold_through END,
       CASE WHEN k = 1 THEN units ELSE 0 END,
       '', 'SO' || lpad(order_id::text, 8, '0'), 'seed:history', at
FROM ev CROSS JOIN (VALUES (1), (2)) AS step(k)
ORDER BY location_id, variant_id, at, order_id, k
"""
SALES = """
INSERT INTO channel_sales (location_id, day, online_units, store_units)
SELECT location_id, (at AT TIME ZONE 'UTC')::date,
       coalesce(sum(units) FILTER (WHERE channel IN ('MINI_PROGRAM', 'APP')), 0),
       coalesce(sum(units) FILTER (WHERE channel NOT IN ('MINI_PROGRAM', 'APP')), 0)
FROM seed_history WHERE NOT cancelled GROUP BY 1, 2
ON CONFLICT (location_id, day) DO UPDATE SET online_units = channel_sales.online_units + EXCLUDED.online_units,
  store_units = channel_sales.store_units + EXCLUDED.store_units
"""
SALES = """
INSERT INTO sales_day AS d (location_id, variant_id, day, units, last_sold_at)
SELECT location_id, variant_id, day, sum(units), max(at) FROM seed_history WHERE NOT cancelled
GROUP BY location_id, variant_id, day
ON CONFLICT (location_id, variant_id, day)
DO UPDATE SET units = d.units + EXCLUDED.units, last_sold_at = greatest(d.last_sold_at, EXCLUDED.last_sold_at)
"""

# ... and into channel_sales (units by location, UTC day and channel group: what the automatic online
# share reads, and what each live sale adds itself to in persistence/repositories/stock.py)
CHANNEL_SALES = """
INSERT INTO channel_sales AS c (location_id, day, online_units, store_units)
SELECT location_id, (at AT TIME ZONE 'UTC')::date,
       coalesce(sum(units) FILTER (WHERE channel IN ('MINI_PROGRAM', 'APP')), 0),
       coalesce(sum(units) FILTER (WHERE channel NOT IN ('MINI_PROGRAM', 'APP')), 0)
FROM seed_history WHERE NOT cancelled
GROUP BY 1, 2
ON CONFLICT (location_id, day)
DO UPDATE SET online_units = c.online_units + EXCLUDED.online_units, store_units = c.store_units + EXCLUDED.store_units
"""


async def seed_history(
    location_ids: list[int],
    *,
    days: int = 60,
    rate: float = 0.6,
    seed: float = 0.42,
    store_share: Decimal = DEFAULT_STORE_SHARE,
) -> dict[str, int]:
    """Write `days` days of past sales at these stores (inside the caller's transaction), with their
    report rollups. `rate` scales how often a level sells (the most popular sell on about that share
    of days); `store_share` is the store's credit share of an online order (settings)."""
    await execute("SET LOCAL max_parallel_workers_per_gather = 0")  # random() in one order, run to run
    await fetch("SELECT setseed($1)", seed)
    await execute(HISTORY, location_ids, days, rate)
    written = (ORDERS, LINES, FULFILLMENTS, FULFILLMENT_LINES, PAYMENTS, RESTOCK, MOVEMENTS, CHANNEL_SALES, SALES)
    for statement in (*written, *TO_ROLL_UP):
        await execute(statement)
    await roll_up_paid_orders(store_share)
    span = await fetch("SELECT min(order_id) AS first, max(order_id) AS last FROM seed_history WHERE cancelled")
    if span[0]["first"] is not None:
        await roll_up_closed_orders(span[0]["first"], span[0]["last"])
    counted = await fetch(
        "SELECT count(*) AS orders, count(*) FILTER (WHERE cancelled) AS cancelled, "
        "coalesce(sum(units) FILTER (WHERE NOT cancelled), 0) AS units FROM seed_history"
    )
    await recommendations.rebuild()
    return {
        "history_orders": int(counted[0]["orders"]),
        "history_cancelled": int(counted[0]["cancelled"]),
        "history_units_sold": int(counted[0]["units"]),
    }
