"""The recommendation aggregates: kept in the payment's transaction, read in a few indexed statements.

- member_purchase (member_id, variant_id): paid orders of the member with the variant, last payment;
- variant_pair (variant_id, other_id): paid orders with both variants (each pair in both directions);
- category_sales (category_id, variant_id): units and orders paid, per category of the product.

A paid order counts until it is cancelled. `rebuild` recomputes all three from the orders in a few
set-based statements (for a database that already has orders); a test proves upkeep == rebuild.
"""

from __future__ import annotations

from datetime import datetime

from tortoise.backends.base.client import BaseDBAsyncClient

from ...domain.catalog import Variant
from ...domain.recommendations import PER_SEED, SEEDS, TRY_ONS_READ, BestSeller, BoughtWith, Signals, Tried
from ..db import execute, fetch
from ..session import Session

PAID = "o.paid_at IS NOT NULL AND o.status <> 'CANCELLED'"
# the categories of a variant: its product's (one place to change when products get several)
VARIANT_CATEGORY = "SELECT v.id AS variant_id, p.category_id FROM variant v JOIN product p ON p.id = v.product_id"

_KEEP = f"""
WITH line AS (
  SELECT variant_id, sum(quantity)::bigint AS units FROM order_line WHERE order_id = $1 GROUP BY variant_id
), purchase AS (
  INSERT INTO member_purchase AS t (member_id, variant_id, orders, last_paid_at)
  SELECT $2::int, variant_id, 1, $3 FROM line WHERE $2::int IS NOT NULL ORDER BY variant_id
  ON CONFLICT (member_id, variant_id) DO UPDATE
  SET orders = t.orders + 1, last_paid_at = greatest(t.last_paid_at, excluded.last_paid_at)
), pair AS (
  INSERT INTO variant_pair AS t (variant_id, other_id, orders)
  SELECT a.variant_id, b.variant_id, 1 FROM line a JOIN line b ON a.variant_id <> b.variant_id
  ORDER BY 1, 2
  ON CONFLICT (variant_id, other_id) DO UPDATE SET orders = t.orders + 1
)
INSERT INTO category_sales AS t (category_id, variant_id, units, orders)
SELECT c.category_id, line.variant_id, line.units, 1 FROM line JOIN ({VARIANT_CATEGORY}) c
ON c.variant_id = line.variant_id WHERE c.category_id IS NOT NULL ORDER BY 1, 2
ON CONFLICT (category_id, variant_id) DO UPDATE SET units = t.units + excluded.units, orders = t.orders + 1
"""

_FORGET = f"""
WITH line AS (
  SELECT variant_id, sum(quantity)::bigint AS units FROM order_line WHERE order_id = $1 GROUP BY variant_id
), pair AS (
  UPDATE variant_pair t SET orders = t.orders - 1 FROM line a, line b
  WHERE a.variant_id <> b.variant_id AND t.variant_id = a.variant_id AND t.other_id = b.variant_id
)
UPDATE category_sales t SET units = t.units - line.units, orders = t.orders - 1
FROM line JOIN ({VARIANT_CATEGORY}) c ON c.variant_id = line.variant_id
WHERE t.category_id = c.category_id AND t.variant_id = line.variant_id
"""

# one member's purchases of these variants, recomputed from their orders (after a paid order is cancelled)
_RECOUNT_MEMBER = f"""
WITH fresh AS (
  SELECT l.variant_id, count(DISTINCT o.id)::int AS orders, max(o.paid_at) AS last_paid_at
  FROM customer_order o JOIN order_line l ON l.order_id = o.id
  WHERE o.member_id = $1 AND l.variant_id = ANY($2::int[]) AND {PAID} GROUP BY l.variant_id
), gone AS (
  DELETE FROM member_purchase t WHERE t.member_id = $1 AND t.variant_id = ANY($2::int[])
  AND NOT EXISTS (SELECT 1 FROM fresh WHERE fresh.variant_id = t.variant_id)
)
UPDATE member_purchase t SET orders = fresh.orders, last_paid_at = fresh.last_paid_at FROM fresh
WHERE t.member_id = $1 AND t.variant_id = fresh.variant_id
"""


async def keep_paid_order(
    conn: BaseDBAsyncClient | None, order_id: int, member_id: int | None, paid_at: datetime
) -> None:
    """In the payment's transaction: count the order in every aggregate (once: payment happens once)."""
    await execute(_KEEP, [order_id, member_id, paid_at], conn=conn)


async def forget_paid_order(conn: BaseDBAsyncClient | None, order_id: int, member_id: int | None) -> None:
    """In a paid order's cancellation (the order already CANCELLED in this transaction): take it out again."""
    await execute(_FORGET, [order_id], conn=conn)
    await execute(
        "DELETE FROM variant_pair WHERE orders <= 0 AND variant_id IN "
        "(SELECT variant_id FROM order_line WHERE order_id = $1)",
        [order_id],
        conn=conn,
    )
    if member_id is not None:
        rows = await fetch("SELECT DISTINCT variant_id FROM order_line WHERE order_id = $1", [order_id], conn=conn)
        await execute(_RECOUNT_MEMBER, [member_id, [r["variant_id"] for r in rows]], conn=conn)


class PurchaseCountStore:
    """The recommendation aggregates, kept by the order's unit of work (domain.ports.PurchaseCountRepository)."""

    def __init__(self, session: Session) -> None:
        self._session = session

    async def count_paid_order(self, order_id: int, member_id: int | None, paid_at: datetime) -> None:
        await keep_paid_order(self._session.conn, order_id, member_id, paid_at)

    async def uncount_paid_order(self, order_id: int, member_id: int | None) -> None:
        await forget_paid_order(self._session.conn, order_id, member_id)


REBUILD = [
    "TRUNCATE member_purchase, variant_pair, category_sales",
    f"INSERT INTO member_purchase (member_id, variant_id, orders, last_paid_at) "
    f"SELECT o.member_id, l.variant_id, count(DISTINCT o.id), max(o.paid_at) FROM customer_order o "
    f"JOIN order_line l ON l.order_id = o.id WHERE {PAID} AND o.member_id IS NOT NULL GROUP BY 1, 2",
    f"INSERT INTO variant_pair (variant_id, other_id, orders) "
    f"SELECT a.variant_id, b.variant_id, count(DISTINCT o.id) FROM customer_order o "
    f"JOIN order_line a ON a.order_id = o.id JOIN order_line b ON b.order_id = o.id AND b.variant_id <> a.variant_id "
    f"WHERE {PAID} GROUP BY 1, 2",
    f"INSERT INTO category_sales (category_id, variant_id, units, orders) "
    f"SELECT c.category_id, l.variant_id, sum(l.quantity), count(DISTINCT o.id) FROM customer_order o "
    f"JOIN order_line l ON l.order_id = o.id JOIN ({VARIANT_CATEGORY}) c ON c.variant_id = l.variant_id "
    f"WHERE {PAID} AND c.category_id IS NOT NULL GROUP BY 1, 2",
    "ANALYZE member_purchase, variant_pair, category_sales",
]


async def rebuild(conn: BaseDBAsyncClient | None = None) -> None:
    """Recompute every aggregate from the paid orders (set-based; run inside one transaction)."""
    for statement in REBUILD:
        await execute(statement, conn=conn)


_SIGNALS = f"""
WITH bought AS (
  SELECT variant_id, last_paid_at FROM member_purchase WHERE member_id = $1
), tried AS (
  SELECT variant_id, location_id, at FROM try_on WHERE member_id = $1 ORDER BY at DESC, id DESC LIMIT $4
), seeds AS (
  SELECT variant_id FROM (SELECT variant_id, at FROM tried UNION ALL SELECT variant_id, last_paid_at FROM bought) x
  GROUP BY variant_id ORDER BY max(at) DESC, variant_id LIMIT $3
), pairs AS (
  SELECT p.other_id AS variant_id, sum(p.orders)::bigint AS figure,
         (array_agg(p.variant_id ORDER BY p.orders DESC, p.variant_id))[1] AS via
  FROM seeds s CROSS JOIN LATERAL (SELECT variant_id, other_id, orders FROM variant_pair
                                   WHERE variant_id = s.variant_id ORDER BY orders DESC, other_id LIMIT $5) p
  WHERE NOT EXISTS (SELECT 1 FROM bought b WHERE b.variant_id = p.other_id)
  GROUP BY p.other_id ORDER BY figure DESC, p.other_id LIMIT $2
), cats AS (
  SELECT DISTINCT c.category_id FROM seeds s JOIN ({VARIANT_CATEGORY}) c ON c.variant_id = s.variant_id
  WHERE c.category_id IS NOT NULL
), best AS (
  SELECT cs.variant_id, cs.units AS figure, cats.category_id FROM cats CROSS JOIN LATERAL (
    SELECT variant_id, units FROM category_sales WHERE category_id = cats.category_id
    AND NOT EXISTS (SELECT 1 FROM bought b WHERE b.variant_id = category_sales.variant_id)
    ORDER BY units DESC, variant_id LIMIT $2) cs
), found AS (
  SELECT 'BOUGHT' AS kind, variant_id, NULL::bigint AS figure, NULL::int AS ref, last_paid_at AS at FROM bought
  UNION ALL SELECT 'TRIED', variant_id, NULL, location_id, at FROM tried
  UNION ALL SELECT 'WITH', variant_id, figure, via, NULL FROM pairs
  UNION ALL SELECT 'BEST', variant_id, figure, category_id, NULL FROM best
)
SELECT f.kind, f.variant_id, f.figure, f.ref, f.at, v.product_id, v.sku, v.barcode, v.title, v.list_price,
       v.active, pr.active AS product_active,
       CASE f.kind WHEN 'TRIED' THEN loc.name WHEN 'WITH' THEN via.title WHEN 'BEST' THEN cat.name END AS label
FROM found f JOIN variant v ON v.id = f.variant_id JOIN product pr ON pr.id = v.product_id
LEFT JOIN location loc ON f.kind = 'TRIED' AND loc.id = f.ref
LEFT JOIN variant via ON f.kind = 'WITH' AND via.id = f.ref
LEFT JOIN category cat ON f.kind = 'BEST' AND cat.id = f.ref
"""


async def signals(member_id: int, *, limit: int) -> Signals:
    """Everything one member's recommendations need, in one statement: purchases, recent try-ons, the
    strongest partners of their recent variants, the best sellers of those variants' categories, and
    the rows of every variant named (to prime the request's loader)."""
    rows = await fetch(_SIGNALS, [member_id, limit, SEEDS, TRY_ONS_READ, PER_SEED])
    found = Signals()
    for r in rows:
        variant = Variant(
            r["variant_id"], r["product_id"], r["sku"], r["barcode"], r["title"], r["list_price"], r["active"]
        )
        found.variants[variant.id] = variant
        offered = r["active"] and r["product_active"]
        kind = r["kind"]
        if kind == "BOUGHT":
            found.bought.add(variant.id)
        elif kind == "TRIED" and offered:
            found.tried.append(Tried(variant.id, r["label"] or "a store", r["at"]))
        elif kind == "WITH" and offered:
            found.bought_with.append(BoughtWith(variant.id, int(r["figure"]), r["ref"], r["label"] or ""))
        elif kind == "BEST" and offered:
            found.best_sellers.append(BestSeller(variant.id, int(r["figure"]), r["label"] or ""))
    return found
