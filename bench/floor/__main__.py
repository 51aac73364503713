"""python -m bench.floor [--orders 1000000] [--members 200000] [--requests 300] [--reuse-db NAME] [--keep-db]

`recommendations(memberId, first: 10)` on the scale data set: a fresh database on the PostgreSQL
server DATABASE_URL names, `seed --stores 50 --products 5000` (15,000 variants in categories), then
N paid orders of 1 to 4 lines by members, written set-based in SQL, and try-ons; the aggregates
are rebuilt from the orders (persistence.repositories.recommendations.rebuild, timed). Requests go
through the whole app in-process (ASGI, no network), one at a time, for random members.

Baselines measured in the same run: `member(id)` through the same app (the cost of any GraphQL
request with one indexed read), and the co-occurrence read the aggregates replace, computed from the
raw paid orders for the same members (a scan of every paid order with a variant of theirs).
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
from typing import Any

import httpx

from omnichannel.app import create_app
from omnichannel.config import load_settings
from omnichannel.domain.access import Principal, Role
from omnichannel.persistence import db
from omnichannel.persistence.repositories import recommendations as aggregates
from omnichannel.persistence.seed.demo import DEMO_PASSWORD
from omnichannel.persistence.seed.scale import seed_scale
from omnichannel.schema.relay import encode_id
from omnichannel.security import TokenService, hash_password

RECOMMEND = "query($m: ID) { recommendations(memberId: $m, first: 10) { reason score variant { sku title } } }"
MEMBER = "query($m: ID!) { node(id: $m) { ... on Member { memberNumber pointsBalance } } }"
RAW_CO_OCCURRENCE = """
WITH mine AS (SELECT DISTINCT l.variant_id FROM customer_order o JOIN order_line l ON l.order_id = o.id
              WHERE o.member_id = $1 AND o.paid_at IS NOT NULL AND o.status <> 'CANCELLED')
SELECT b.variant_id, count(DISTINCT o.id) AS orders FROM order_line a JOIN mine ON mine.variant_id = a.variant_id
JOIN customer_order o ON o.id = a.order_id JOIN order_line b ON b.order_id = a.order_id AND b.variant_id <> a.variant_id
WHERE o.paid_at IS NOT NULL AND o.status <> 'CANCELLED' GROUP BY b.variant_id ORDER BY orders DESC LIMIT 10
"""

MEMBERS_SQL = """
INSERT INTO member (member_number, display_name, phone)
SELECT 'B' || lpad(g::text, 7, '0'), 'Bench member ' || g, '139' || lpad(g::text, 8, '0')
FROM generate_series(1, $1) g
"""
# popular variants are popular (a skewed pick), baskets of 1-4 lines, paid over the last 365 days
ORDERS_SQL = """
WITH src AS (
  SELECT g AS n,
         (SELECT min(id) FROM member WHERE member_number LIKE 'B%') + (hashint4(g) & 2147483647) % $2 AS member_id,
         now() - ((hashint4(g + 7) & 2147483647) % 31536000) * interval '1 second' AS paid_at,
         1 + (hashint4(g + 13) & 2147483647) % 4 AS lines
  FROM generate_series($3::int, $3::int + $1 - 1) g
)
INSERT INTO customer_order (number, channel, status, mode, member_id, placed_by, subtotal, total, created_at,
                            updated_at, paid_at, completed_at)
SELECT 'BN' || lpad(n::text, 9, '0'), 'APP', 'COMPLETED', 'PICKUP', member_id, 'bench', 100, 100, paid_at,
       paid_at, paid_at, paid_at FROM src
"""
LINES_SQL = """
WITH variants AS (SELECT array_agg(id ORDER BY id) AS ids, count(*) AS n FROM variant),
o AS (SELECT id, 1 + (hashint4(id + 13) & 2147483647) % 4 AS lines FROM customer_order WHERE number LIKE 'BN%')
INSERT INTO order_line (order_id, position, variant_id, quantity, unit_price)
SELECT o.id, p,
       variants.ids[1 + floor(variants.n * power(((hashint4(o.id * 4 + p) & 2147483647) / 2147483648.0), 3))::int],
       1 + (hashint4(o.id + p) & 1), 50
FROM o CROSS JOIN generate_series(0, 3) p CROSS JOIN variants WHERE p < o.lines
ON CONFLICT DO NOTHING
"""
TRY_ONS_SQL = """
INSERT INTO try_on (member_id, location_id, variant_id, source, at)
SELECT m.id, (SELECT min(id) FROM location), (SELECT min(id) FROM variant) + (hashint4(g) & 2147483647) % 15000,
       'RFID', now() - (g % 30) * interval '1 day'
FROM generate_series(1, $1) g
JOIN LATERAL (SELECT id FROM member WHERE member_number = 'B' || lpad((1 + g % $2)::text, 7, '0')) m ON true
"""


def _ms(values: list[float]) -> str:
    values = sorted(values)
    p99 = values[min(len(values) - 1, int(len(values) * 0.99))]
    return f"p50 {statistics.median(values) * 1000:7.2f} ms  p99 {p99 * 1000:7.2f} ms"


async def _seed(url: str, orders: int, members: int, try_ons: int) -> None:
    async with db.open_database(url, pool_size=2):
        started = time.perf_counter()
        await seed_scale(50, 5000, hash_password(DEMO_PASSWORD))
        await db.execute(MEMBERS_SQL, [members])
        print(f"  scale catalogue and {members:,} members in {time.perf_counter() - started:.0f} s")
        started = time.perf_counter()
        batch = 200_000
        for first in range(1, orders + 1, batch):
            await db.execute(ORDERS_SQL, [min(batch, orders - first + 1), members, first])
        await db.execute("ANALYZE customer_order")
        await db.execute(LINES_SQL)
        await db.execute(TRY_ONS_SQL, [try_ons, members])
        await db.execute("ANALYZE order_line")
        await db.execute("ANALYZE try_on")
        print(
            f"  {orders:,} paid orders with their lines, {try_ons:,} try-ons in {time.perf_counter() - started:.0f} s"
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
        started = time.perf_counter()
        await db.connection().execute_script("BEGIN; " + "; ".join(aggregates.REBUILD) + "; COMMIT")
        await db.execute("VACUUM ANALYZE member_purchase, variant_pair, category_sales")  # index-only scans
        rebuild = time.perf_counter() - started
        pairs = (await db.fetch("SELECT count(*) AS n FROM variant_pair"))[0]["n"]
        print(f"  aggregates rebuilt in {rebuild:.1f} s ({pairs:,} variant pairs)")
        ids = [
            r["id"]
            for r in await db.fetch(
                "SELECT id FROM member WHERE member_number LIKE 'B%' ORDER BY random() LIMIT $1", [requests]
            )
        ]
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench", headers=headers) as client:

            async def timed(query: str, member_id: int) -> float:
                t0 = time.perf_counter()
                response = await client.post(
                    "/graphql", json={"query": query, "variables": {"m": encode_id("Member", member_id)}}
                )
                elapsed = time.perf_counter() - t0
                body = response.json()
                assert "errors" not in body, body
                return elapsed

            for member_id in ids[:20]:  # warm-up (plans, caches, pool)
                await timed(RECOMMEND, member_id)
                await timed(MEMBER, member_id)
            recommend = [await timed(RECOMMEND, m) for m in ids]
            member = [await timed(MEMBER, m) for m in ids]
        raw = []
        for member_id in ids[:20]:
            t0 = time.perf_counter()
            await db.fetch(RAW_CO_OCCURRENCE, [member_id])
            raw.append(time.perf_counter() - t0)
    return {"rebuild_s": rebuild, "pairs": pairs, "recommend": recommend, "member": member, "raw": raw}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.floor", description=__doc__)
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--members", type=int, default=200_000)
    parser.add_argument("--try-ons", type=int, default=300_000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument(
        "--server-url", default=os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    )
    parser.add_argument("--reuse-db", help="an already seeded database on the server (not dropped)")
    parser.add_argument("--keep-db", action="store_true")
    args = parser.parse_args(argv)
    random.seed(7)
    name = args.reuse_db or f"omni_bench_floor_{secrets.token_hex(3)}"
    url = db.with_database(args.server_url, name)
    print(f"floor benchmark: recommendations on {args.orders:,} paid orders ({os.cpu_count()} CPUs, shared machine)")
    try:
        if not args.reuse_db:
            asyncio.run(db.create_database(url, exist_ok=False))
            asyncio.run(db.migrate(url))
            asyncio.run(_seed(url, args.orders, args.members, args.try_ons))
        figures = asyncio.run(_measure(url, args.requests))
    finally:
        if not (args.reuse_db or args.keep_db):
            asyncio.run(db.drop_database(url))
        elif args.keep_db:
            print(f"  kept database {name}")
    rec, mem, raw = figures["recommend"], figures["member"], figures["raw"]
    print(f"  recommendations(first: 10)         {_ms(rec)}   ({len(rec)} requests)")
    print(f"  baseline: node(id:) of a member    {_ms(mem)}")
    print(f"  baseline: co-occurrence from raw   {_ms(raw)}   ({len(raw)} members, SQL only)")
    print(f"  ratio recommendations / member read: p50 {statistics.median(rec) / statistics.median(mem):.1f}x")
    print(f"  ratio raw scan / recommendations:    p50 {statistics.median(raw) / statistics.median(rec):.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
