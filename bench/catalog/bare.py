"""The floor: a bare Starlette + asyncpg endpoint returning the benchmark query's JSON.

No GraphQL, no ORM, no middleware: parse the request, three hand-written SQL statements on one
pooled connection, build dicts, orjson. The response is byte-for-byte the JSON the GraphQL server
returns for

    products(first: N) { edges { node { title variants { sku price(channel: APP) { amount }
      stock(storeIds: [...]) { available store { name } } } } } }

(the APP price is the channel-wide APP override, else the list price; `available` is
on_hand - reserved - safety_stock, never below 0).

    python -m bench.catalog.bare --port 8001 [--workers N] [--loop asyncio|uvloop]

serves it with uvicorn exactly as `omnichannel serve` serves the app (httptools, one SO_REUSEPORT
socket per worker, no access log), so the two differ only in what runs inside a request.
"""

from __future__ import annotations

import base64
import os
from collections import defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from omnichannel.app import tune_garbage_collector

PRODUCTS = "SELECT id, title FROM product WHERE active ORDER BY id LIMIT $1"
VARIANTS = (
    "SELECT v.id, v.product_id, v.sku, COALESCE(o.amount, v.list_price) AS price FROM variant v "
    "LEFT JOIN price_override o ON o.variant_id = v.id AND o.channel = $2 AND o.location_id IS NULL "
    "WHERE v.product_id = ANY($1::int[]) AND v.active ORDER BY v.product_id, v.position, v.id"
)
STOCK = (
    "SELECT s.variant_id, GREATEST(0, s.on_hand - s.reserved - s.safety_stock) AS available, l.name "
    "FROM stock_level s JOIN location l ON l.id = s.location_id "
    "WHERE s.variant_id = ANY($1::int[]) AND s.location_id = ANY($2::int[]) ORDER BY s.variant_id, s.location_id"
)


def decode_store_id(value: str) -> int:
    kind, _, pk = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode().partition(":")
    if kind != "Store":
        raise ValueError(value)
    return int(pk)


class Floor:
    pool: asyncpg.Pool

    async def products(self, request: Request) -> Response:
        params = orjson.loads(await request.body())
        first = int(params.get("first", 20))
        channel = params.get("channel", "APP")
        store_ids = [decode_store_id(v) for v in params["storeIds"]]
        async with self.pool.acquire() as conn:
            products = await conn.fetch(PRODUCTS, first)
            variants = await conn.fetch(VARIANTS, [p["id"] for p in products], channel)
            stock = await conn.fetch(STOCK, [v["id"] for v in variants], store_ids)
        stock_of: dict[int, list[dict[str, Any]]] = defaultdict(list)
        for row in stock:
            stock_of[row["variant_id"]].append({"available": row["available"], "store": {"name": row["name"]}})
        variants_of: dict[int, list[dict[str, Any]]] = defaultdict(list)
        for v in variants:
            variants_of[v["product_id"]].append(
                {"sku": v["sku"], "price": {"amount": str(v["price"])}, "stock": stock_of.get(v["id"], [])}
            )
        edges = [{"node": {"title": p["title"], "variants": variants_of.get(p["id"], [])}} for p in products]
        return Response(orjson.dumps({"data": {"products": {"edges": edges}}}), media_type="application/json")

    @asynccontextmanager
    async def lifespan(self, _: Starlette) -> AsyncIterator[None]:
        size = int(os.environ.get("OMNICHANNEL_DB_POOL_SIZE", "10"))
        self.pool = await asyncpg.create_pool(os.environ["DATABASE_URL"], min_size=min(2, size), max_size=size)
        tune_garbage_collector()  # the same process tuning as the GraphQL server's workers: a fair floor
        try:
            yield
        finally:
            await self.pool.close()


async def healthz(_: Request) -> Response:
    return Response(b'{"status":"ok"}', media_type="application/json")


floor = Floor()
app = Starlette(
    routes=[Route("/products", floor.products, methods=["POST"]), Route("/healthz", healthz)],
    lifespan=floor.lifespan,
)


def main() -> None:
    import argparse

    from omnichannel import workers

    parser = argparse.ArgumentParser(description="the bare floor endpoint")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8001)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--loop", default="asyncio", choices=["asyncio", "uvloop"])
    args = parser.parse_args()
    workers.run(
        "bench.catalog.bare:app",
        host=args.host,
        port=args.port,
        workers=args.workers,
        loop=args.loop,
        http="httptools",
        access_log=False,
        log_level="warning",
        lifespan="on",
    )


if __name__ == "__main__":
    main()
