"""`seed --orders N`: N paid orders over the last 180 days, set-based, with their report rollups.

Written by a handful of INSERT ... SELECT statements over generate_series (no row-by-row Python), in
one transaction, deterministic for a given seed. Realistic skew: channels (mini-program 40%, app
25%, till 20%, clerk pad 15%), stores (S01 busiest, falling off like a power law), hours (afternoon
and evening), a slow growth over the 180 days; online orders are collected in a store (45%),
couriered from a store or a regional warehouse, or delivered same-city; a fifth carry a promotion
discount, a tenth of the online ones pay part with points. Besides the N paid orders it writes 4%
as many cancelled and 6% as many expired ones (never paid).

The rollups are written from the same rows, in the same transaction: sales, credit and closed
orders by seed/rollups.py (shared with the demo's sales history), the pickup waits here;
tests/e2e/test_report_seed.py checks them against the raw rows.
"""

from __future__ import annotations

from decimal import Decimal

from tortoise.transactions import in_transaction

from .rollups import roll_up_closed_orders, roll_up_paid_orders
from .writer import execute, fetch

DAYS = 180

ORDERS = """
CREATE TEMP TABLE seed_order ON COMMIT DROP AS
WITH base AS (
  SELECT g AS n, random() AS r_channel, random() AS r_store, random() AS r_mode, random() AS r_from,
         random() AS r_day, random() AS r_hour, random() AS r_disc, random() AS r_points, random() AS r_lines,
         random() AS r_ready, random() AS r_collect, random() AS r_state
  FROM generate_series(1, {count}) g
), shaped AS (
  SELECT b.*,
    CASE WHEN r_channel < 0.40 THEN 'MINI_PROGRAM' WHEN r_channel < 0.65 THEN 'APP'
         WHEN r_channel < 0.85 THEN 'STORE_POS' ELSE 'CLERK_PAD' END AS channel,
    (SELECT array_agg(id ORDER BY code) FROM location WHERE kind = 'STORE' AND code ~ '^S[0-9]+$') AS stores,
    (SELECT array_agg(id ORDER BY code) FROM location WHERE kind <> 'STORE') AS warehouses,
    -- the day: more recent days a little busier (growth), the hour: 10:00-22:00, busiest 18:00-21:00
    date_trunc('day', now() AT TIME ZONE 'Asia/Shanghai') - (1 + floor(({days} - 1) * power(r_day, 1.15)))::int
      * interval '1 day' + (10 + 12 * power(r_hour, 0.7)) * interval '1 hour' AS local_paid
  FROM base b
), placed AS (
  SELECT s.*,
    s.stores[1 + floor(array_length(s.stores, 1) * power(r_store, 1.8))::int] AS store_id,
    CASE WHEN channel IN ('STORE_POS', 'CLERK_PAD') THEN 'PICKUP'
         WHEN r_mode < 0.45 THEN 'PICKUP' WHEN r_mode < 0.85 THEN 'EXPRESS' ELSE 'SAME_CITY' END AS mode,
    (local_paid AT TIME ZONE 'Asia/Shanghai') AS paid_at,
    1 + floor(3 * power(r_lines, 2))::int AS line_count
  FROM shaped s
)
SELECT p.*,
  CASE WHEN mode = 'EXPRESS' AND r_from < 0.3 THEN warehouses[1 + (n % array_length(warehouses, 1))]
       ELSE store_id END AS location_id,
  CASE WHEN channel IN ('STORE_POS', 'CLERK_PAD') THEN store_id END AS placed_at,
  {order0} + n AS order_id, {fulfillment0} + n AS fulfillment_id
FROM placed p
"""

LINES = """
CREATE TEMP TABLE seed_line ON COMMIT DROP AS
SELECT o.order_id, o.fulfillment_id, k AS position, va.ids[x.i] AS variant_id, va.prices[x.i] AS unit_price,
       x.quantity
FROM seed_order o CROSS JOIN LATERAL generate_series(1, o.line_count) k
CROSS JOIN (SELECT array_agg(id ORDER BY id) AS ids, array_agg(list_price ORDER BY id) AS prices,
                   count(*) AS n FROM variant) va
CROSS JOIN LATERAL (SELECT 1 + floor(va.n * power(random(), 2))::int AS i,  -- a few products sell most
                           1 + floor(2 * power(random(), 3))::int AS quantity WHERE k > 0) x
"""

TOTALS = """
CREATE TEMP TABLE seed_total ON COMMIT DROP AS
SELECT o.*, t.subtotal, t.units,
  CASE WHEN o.channel IN ('MINI_PROGRAM', 'APP') AND o.r_points < 0.1
       THEN least(floor(t.subtotal * 20)::int, 100 + floor(o.r_points * 19000)::int) ELSE 0 END AS points
FROM seed_order o JOIN (SELECT order_id, sum(unit_price * quantity) AS subtotal, sum(quantity) AS units
                        FROM seed_line GROUP BY order_id) t ON t.order_id = o.order_id;
ALTER TABLE seed_total ADD COLUMN discount numeric(12,2);
ALTER TABLE seed_total ADD COLUMN total numeric(12,2);
UPDATE seed_total SET discount = round(CASE WHEN r_disc < 0.2 THEN subtotal * 0.1 ELSE 0 END, 2) + points * 0.01;
UPDATE seed_total SET total = subtotal - discount;
"""

WRITE = [
    # orders: all paid; the ones past their wait are collected / delivered
    "INSERT INTO customer_order (id, number, channel, status, mode, placed_by, placed_at_location_id, "
    "pickup_location_id, subtotal, discount_total, total, currency, points_redeemed, created_at, updated_at, "
    "paid_at, completed_at) SELECT order_id, 'SD' || lpad(order_id::text, 10, '0'), channel, "
    "CASE WHEN r_state < 0.97 THEN 'COMPLETED' WHEN mode = 'PICKUP' THEN 'READY_FOR_PICKUP' ELSE 'CONFIRMED' END, "
    "mode, 'seed:orders', placed_at, CASE WHEN mode = 'PICKUP' THEN location_id END, subtotal, discount, total, "
    "'CNY', points, paid_at - interval '3 minutes', paid_at, paid_at, "
    "CASE WHEN r_state < 0.97 THEN paid_at + interval '1 minute' * (ready_minutes + collect_minutes) END "
    "FROM seed_wait",
    "INSERT INTO order_line (order_id, position, variant_id, quantity, unit_price) "
    "SELECT order_id, position, variant_id, quantity, unit_price FROM seed_line",
    "INSERT INTO fulfillment (id, order_id, location_id, mode, status, created_at, updated_at) "
    "SELECT fulfillment_id, order_id, location_id, mode, "
    "CASE WHEN r_state < 0.97 THEN 'COMPLETED' WHEN mode = 'PICKUP' THEN 'READY_FOR_PICKUP' ELSE 'PENDING' END, "
    "paid_at, paid_at FROM seed_wait",
    "INSERT INTO fulfillment_line (fulfillment_id, variant_id, quantity, unit_price) "
    "SELECT fulfillment_id, variant_id, quantity, unit_price FROM seed_line ORDER BY order_id, position",
    "INSERT INTO payment (order_id, reference, amount, currency, actor, created_at) "
    "SELECT order_id, 'seed-' || order_id, total, 'CNY', 'seed:orders', paid_at FROM seed_wait",
]

WAITS = """
CREATE TEMP TABLE seed_wait ON COMMIT DROP AS
SELECT t.*,
  CASE WHEN t.mode = 'PICKUP' AND t.channel IN ('MINI_PROGRAM', 'APP')
       THEN 5 + floor(400 * power(t.r_ready, 2.5))::int ELSE 0 END AS ready_minutes,
  CASE WHEN t.mode = 'PICKUP' AND t.channel IN ('MINI_PROGRAM', 'APP')
       THEN 10 + floor(2880 * power(t.r_collect, 3))::int ELSE 0 END AS collect_minutes
FROM seed_total t
"""

# the domain's wait_bucket in SQL (domain/reports.py)
BUCKET = "CASE WHEN {m} < 120 THEN {m} WHEN {m} < 1440 THEN {m} - {m} % 10 ELSE least({m} - {m} % 60, 43200) END"

ROLLUPS = [
    "INSERT INTO report_pickup (fulfillment_id, location_id, day, paid_at, ready_at, collected_at) "
    "SELECT fulfillment_id, location_id, (paid_at AT TIME ZONE 'Asia/Shanghai')::date, paid_at, "
    "paid_at + ready_minutes * interval '1 minute', CASE WHEN r_state < 0.97 THEN paid_at + "
    "(ready_minutes + collect_minutes) * interval '1 minute' END FROM seed_wait WHERE ready_minutes > 0",
    "INSERT INTO report_wait AS r (day, location_id, kind, bucket, count) "
    "SELECT (paid_at AT TIME ZONE 'Asia/Shanghai')::date, location_id, 'READY', "
    + BUCKET.format(m="ready_minutes")
    + ", count(*) FROM seed_wait WHERE ready_minutes > 0 GROUP BY 1, 2, 3, 4 "
    "ON CONFLICT (location_id, day, kind, bucket) DO UPDATE SET count = r.count + EXCLUDED.count",
    "INSERT INTO report_wait AS r (day, location_id, kind, bucket, count) "
    "SELECT (paid_at AT TIME ZONE 'Asia/Shanghai')::date, location_id, 'COLLECT', "
    + BUCKET.format(m="collect_minutes")
    + ", count(*) FROM seed_wait WHERE ready_minutes > 0 AND r_state < 0.97 GROUP BY 1, 2, 3, 4 "
    "ON CONFLICT (location_id, day, kind, bucket) DO UPDATE SET count = r.count + EXCLUDED.count",
]

# the paid orders in the shape seed/rollups.py rolls up
TO_ROLL_UP = [
    "CREATE TEMP TABLE rollup_paid ON COMMIT DROP AS SELECT order_id, paid_at, channel, mode, location_id, placed_at, "
    "units, total, discount, points FROM seed_wait",
    "CREATE TEMP TABLE rollup_line ON COMMIT DROP AS SELECT order_id, position, variant_id, unit_price, quantity "
    "FROM seed_line",
]

# orders that never got paid: cancelled by the member, or expired; counted for their store that day
UNPAID = """
INSERT INTO customer_order (id, number, channel, status, mode, placed_by, pickup_location_id, subtotal,
  discount_total, total, currency, created_at, updated_at, cancelled_at)
SELECT $1::bigint + g, 'SD' || lpad(($1::bigint + g)::text, 10, '0'), 'MINI_PROGRAM',
  CASE WHEN g % 5 < 2 THEN 'CANCELLED' ELSE 'EXPIRED' END, 'PICKUP', 'seed:orders',
  s.stores[1 + g % array_length(s.stores, 1)],
  v.list_price, 0, v.list_price, 'CNY', t, t + interval '15 minutes',
  CASE WHEN g % 5 < 2 THEN t + interval '5 minutes' END
FROM generate_series(1, $2::int) g,
  LATERAL (SELECT array_agg(id ORDER BY code) AS stores FROM location WHERE kind = 'STORE' AND code ~ '^S[0-9]+$') s,
  LATERAL (SELECT list_price FROM variant ORDER BY id LIMIT 1) v,
  LATERAL (SELECT now() - random() * $3::int * interval '1 day' AS t WHERE g > 0) tt
"""


async def seed_orders(count: int, *, store_share: Decimal, seed: float = 0.42) -> dict[str, int]:
    """Add `count` paid orders (and a few unpaid ones) with their rollups; returns what was written."""
    async with in_transaction():
        await fetch("SELECT setseed($1::float8)", seed)
        order0 = (await fetch("SELECT coalesce(max(id), 0) AS m FROM customer_order"))[0]["m"]
        fulfillment0 = (await fetch("SELECT coalesce(max(id), 0) AS m FROM fulfillment"))[0]["m"]
        variants = (await fetch("SELECT count(*) AS n FROM variant"))[0]["n"]
        if not variants:
            raise RuntimeError("seed --orders needs products: run `omnichannel seed --demo` first")
        await execute(ORDERS.format(count=int(count), days=DAYS, order0=int(order0), fulfillment0=int(fulfillment0)))
        await execute(LINES)
        for statement in TOTALS.split(";"):
            if statement.strip():
                await execute(statement)
        await execute(WAITS)
        for statement in WRITE:
            await execute(statement)
        for statement in TO_ROLL_UP:
            await execute(statement)
        await roll_up_paid_orders(store_share)
        for statement in ROLLUPS:
            await execute(statement)
        unpaid = max(1, count // 10)
        start = order0 + count
        await execute(UNPAID, start, unpaid, DAYS)
        await roll_up_closed_orders(start + 1, start + unpaid)
    for table in ("customer_order", "order_line", "fulfillment", "fulfillment_line", "payment"):
        await execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
            f"COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
        )
    await execute("ANALYZE")
    return {"paid_orders": count, "unpaid_orders": unpaid}
