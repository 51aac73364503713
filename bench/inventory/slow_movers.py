"""python -m bench.inventory slow-movers [--stores 500] [--products 20000] [--requests 50] [--reuse-db NAME] [--keep-db]

slowMovers and transferProposals on the scale data set: a fresh database on the PostgreSQL server
DATABASE_URL names, `seed --stores 500 --products 20000` (60,000 variants stocked at 20 stores
each, plus 60 days of sales history written set-based by the seed: timed). Requests go through the
whole app in-process (ASGI, no network), one at a time, for random stores, with an HQ token.

Baselines measured in the same run, for the same stores: the plain SQL that answers slowMovers from
the raw orders (fulfilment lines that shipped or were handed over in the window, joined to the
store's levels: what the kept sales_day aggregate replaces), and `node(id:)` of a store through the
same app (the cost of any GraphQL request with one indexed read).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import secrets
import statistics
import sys
import time
from datetime import UTC, datetime
from typing import Any

import httpx

from omnichannel.app import create_app
from omnichannel.config import load_settings
from omnichannel.domain.access import Principal, Role
from omnichannel.domain.sales_history import window_start
from omnichannel.persistence import db
from omnichannel.persistence.repositories import sales_history as sales_repo
from omnichannel.persistence.seed.demo import DEMO_PASSWORD
from omnichannel.persistence.seed.scale import seed_scale
from omnichannel.schema.relay import encode_id
from omnichannel.security import TokenService, hash_password

SLOW = """query($s: ID) { slowMovers(storeId: $s, first: 20) {
  store { code } variant { sku } onHand dailySales daysOfCover lastSoldAt } }"""
PROPOSALS = """query($s: ID) { transferProposals(storeId: $s, first: 20) {
  variant { sku } from { code } to { code } quantity distanceKm reason } }"""
STORE = "query($s: ID!) { node(id: $s) { ... on Store { code name } } }"
# slowMovers from the raw orders: the same answer, without the kept aggregate
RAW_SLOW = """
WITH sold AS (
  SELECT fl.variant_id, sum(fl.quantity) AS units
  FROM fulfillment f JOIN fulfillment_line fl ON fl.fulfillment_id = f.id
  WHERE f.location_id = $1 AND f.status IN ('SHIPPED', 'COMPLETED') AND f.updated_at >= $2 GROUP BY fl.variant_id
)
SELECT s.variant_id, s.on_hand, coalesce(w.units, 0) AS units
FROM stock_level s LEFT JOIN sold w ON w.variant_id = s.variant_id
WHERE s.location_id = $1 AND s.on_hand > 0 AND (w.units IS NULL OR s.on_hand * 30.0 >= 60 * w.units)
ORDER BY coalesce(w.units, 0) > 0, CASE WHEN coalesce(w.units, 0) = 0 THEN -s.on_hand::float8
  ELSE -(s.on_hand * 30.0 / w.units) END, s.variant_id
LIMIT 20
"""

# what transferProposals reads about the destinations, from the raw orders instead of sales_day
RAW_SOLD_AT = """
SELECT f.location_id, fl.variant_id, sum(fl.quantity) AS units
FROM fulfillment f JOIN fulfillment_line fl ON fl.fulfillment_id = f.id
WHERE fl.variant_id = ANY($1::int[]) AND f.location_id = ANY($2::int[]) AND f.status IN ('SHIPPED', 'COMPLETED')
  AND f.updated_at >= $3
GROUP BY f.location_id, fl.variant_id
"""


def _ms(values: list[float]) -> str:
    values = sorted(values)
    p99 = values[min(len(values) - 1, int(len(values) * 0.99))]
    return f"p50 {statistics.median(values) * 1000:7.2f} ms  p99 {p99 * 1000:7.2f} ms"


async def _seed(url: str, stores: int, products: int) -> None:
    async with db.open_database(url, pool_size=2):
        started = time.perf_counter()
        counts = await seed_scale(stores, products, hash_password(DEMO_PASSWORD))
        print(
            f"  seeded {counts['locations']:,} locations, {counts['variants']:,} variants, "
            f"{counts['stock_levels']:,} levels, {counts['history_orders']:,} past orders "
            f"({counts['history_units_sold']:,} units sold) in {time.perf_counter() - started:.0f} s"
        )


async def _measure(url: str, requests: int) -> dict[str, Any]:
    settings = load_settings(
        {
            "DATABASE_URL": url,
            "OMNICHANNEL_JWT_SECRET": secrets.token_hex(32),
            "OMNICHANNEL_EXPIRY_SWEEP_INTERVAL": "0",
            "OMNICHANNEL_POINTS_EXPIRY_INTERVAL": "0",
            "OMNICHANNEL_LOG_LEVEL": "WARNING",
        }
    )
    app = create_app(settings, url)
    token = TokenService(settings.jwt_secret or "").issue(Principal(Role.HQ_ADMIN, subject="bench"), ttl=3600)
    headers = {"Authorization": f"Bearer {token}"}
    async with app.router.lifespan_context(app):
        await db.execute("ANALYZE")
        rows = await db.fetch("SELECT id FROM location WHERE kind = 'STORE' ORDER BY random() LIMIT $1", [requests])
        ids = [r["id"] for r in rows]
        sales_rows = (await db.fetch("SELECT count(*) AS n FROM sales_day"))[0]["n"]
        print(f"  sales_day: {sales_rows:,} rows; {len(ids)} stores asked")
        transport = httpx.ASGITransport(app=app)
        found = {"slow": 0, "proposals": 0}
        async with httpx.AsyncClient(transport=transport, base_url="http://bench", headers=headers) as client:

            async def timed(query: str, store_id: int, field: str | None = None) -> float:
                t0 = time.perf_counter()
                response = await client.post(
                    "/graphql", json={"query": query, "variables": {"s": encode_id("Store", store_id)}}
                )
                elapsed = time.perf_counter() - t0
                body = response.json()
                assert "errors" not in body, body
                if field == "slowMovers":
                    found["slow"] += len(body["data"][field])
                elif field == "transferProposals":
                    found["proposals"] += len(body["data"][field])
                return elapsed

            for store_id in ids[:5]:  # warm-up (plans, caches, pool)
                await timed(SLOW, store_id)
                await timed(PROPOSALS, store_id)
                await timed(STORE, store_id)
            slow = [await timed(SLOW, s, "slowMovers") for s in ids]
            proposals = [await timed(PROPOSALS, s, "transferProposals") for s in ids]
            node = [await timed(STORE, s) for s in ids]
        day = window_start(datetime.now(UTC), 30)
        since = datetime.combine(day, datetime.min.time(), UTC)
        raw, kept, raw_sold, kept_sold = [], [], [], []
        stores = [r["id"] for r in await db.fetch("SELECT id FROM location WHERE kind = 'STORE'")]
        for store_id in ids:
            t0 = time.perf_counter()
            await db.fetch(RAW_SLOW, [store_id, since])
            raw.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            slow_levels = await sales_repo.slow_levels(
                store_id, since=day, window_days=30, min_days_of_cover=60.0, limit=1000
            )
            kept.append(time.perf_counter() - t0)
            variants = sorted({level.variant_id for level in slow_levels})
            t0 = time.perf_counter()
            await sales_repo.sold_at(variants, stores, since=day, window_days=30)
            kept_sold.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            await db.fetch(RAW_SOLD_AT, [variants, stores, since])
            raw_sold.append(time.perf_counter() - t0)
    return {
        "slow": slow,
        "proposals": proposals,
        "node": node,
        "raw": raw,
        "kept": kept,
        "raw_sold": raw_sold,
        "kept_sold": kept_sold,
        "found": found,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.inventory slow-movers", description=__doc__)
    parser.add_argument("--stores", type=int, default=500)
    parser.add_argument("--products", type=int, default=20_000)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument(
        "--server-url", default=os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    )
    parser.add_argument("--reuse-db", help="an already seeded database on the server (not dropped)")
    parser.add_argument("--keep-db", action="store_true")
    args = parser.parse_args(argv)
    random.seed(7)
    name = args.reuse_db or f"omni_bench_inventory_{secrets.token_hex(3)}"
    url = db.with_database(args.server_url, name)
    print(
        f"inventory benchmark: slowMovers / transferProposals on {args.stores} stores x {args.products:,} products "
        f"({os.cpu_count()} CPUs, shared machine)"
    )
    try:
        if not args.reuse_db:
            asyncio.run(db.create_database(url, exist_ok=False))
            asyncio.run(db.migrate(url))
            asyncio.run(_seed(url, args.stores, args.products))
        figures = asyncio.run(_measure(url, args.requests))
    finally:
        if not (args.reuse_db or args.keep_db):
            asyncio.run(db.drop_database(url))
        elif args.keep_db:
            print(f"  kept database {name}")
    slow, proposals, node, raw = figures["slow"], figures["proposals"], figures["node"], figures["raw"]
    print(f"  slowMovers(first: 20)              {_ms(slow)}   ({len(slow)} stores, {figures['found']['slow']} rows)")
    print(f"  transferProposals(first: 20)       {_ms(proposals)}   ({figures['found']['proposals']} proposals)")
    print(f"  baseline: node(id:) of a store     {_ms(node)}")
    print(f"  baseline: slowMovers from raw SQL  {_ms(raw)}   (SQL only, from the orders)")
    print(f"  ratio slowMovers / store read:        p50 {statistics.median(slow) / statistics.median(node):.1f}x")
    print(f"  ratio transferProposals / store read: p50 {statistics.median(proposals) / statistics.median(node):.1f}x")
    print(f"  SQL only, per store: slow levels from sales_day (limit 1000)   {_ms(figures['kept'])}")
    print(f"  SQL only, per store: destinations' sales from sales_day       {_ms(figures['kept_sold'])}")
    print(f"  SQL only, per store: destinations' sales from the raw orders  {_ms(figures['raw_sold'])}")
    print(f"  ratio raw SQL / slowMovers:           p50 {statistics.median(raw) / statistics.median(slow):.2f}x")
    print(
        "  ratio raw orders / sales_day, destinations' sales: "
        f"p50 {statistics.median(figures['raw_sold']) / statistics.median(figures['kept_sold']):.1f}x"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
