"""(b) `fulfillmentPlan` over HTTP on the scale data set, against a real `omnichannel serve` process.

A fresh database is created on the given PostgreSQL server, loaded with
`omnichannel seed --stores 500 --products 20000` (510 locations, 60,000 variants, 1.8 million stock
rows), served by `omnichannel serve` in a subprocess, and driven on loopback by one client at a
time (latency) and then by several at once (throughput). The database is dropped afterwards.
"""

from __future__ import annotations

import asyncio
import os
import random
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx

from omnichannel.persistence import db
from omnichannel.schema.relay import encode_id

from .stats import line, summary

QUERY = """query($input: FulfillmentPlanInput!) { fulfillmentPlan(input: $input) {
  feasible explanation shipments { store { code } mode distanceKm lines { quantity unitPrice { amount } } } } }"""
CENTER = (31.2304, 121.4737)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _env(database_url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url,
        OMNICHANNEL_JWT_SECRET=secrets.token_hex(32),
        OMNICHANNEL_LOG_LEVEL="WARNING",
        OMNICHANNEL_HOME=os.path.join(tempfile.gettempdir(), "omnichannel-bench-routing"),
    )
    env.pop("REDIS_URL", None)  # one process: the in-process broker
    return env


def seed(database_url: str, stores: int, products: int) -> float:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "omnichannel.cli", "seed", "--stores", str(stores), "--products", str(products)],
        env=_env(database_url),
        check=True,
    )
    return time.perf_counter() - started


@contextmanager
def server(database_url: str) -> Iterator[str]:
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "omnichannel.cli", "serve", "--port", str(port)],
        env=_env(database_url),
        stdout=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the server did not become ready")
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


async def _stocked_variants(database_url: str, count: int) -> list[int]:
    async with db.open_database(database_url, pool_size=1):
        rows = await db.fetch(
            "SELECT variant_id FROM stock_level WHERE on_hand - reserved - safety_stock > 0 "
            "GROUP BY variant_id ORDER BY md5(variant_id::text) LIMIT $1",
            [count],
        )
    return [r["variant_id"] for r in rows]


def _inputs(variants: list[int], count: int, mode: str, stores: list[str], seed: int = 3) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    made = []
    for _ in range(count):
        lines = [
            {"variantId": encode_id("Variant", v), "quantity": rng.choice((1, 1, 1, 2))}
            for v in rng.sample(variants, 5)
        ]
        entry: dict[str, Any] = {"lines": lines, "fulfillmentMode": mode}
        if mode == "PICKUP":
            entry["pickupStoreId"] = rng.choice(stores)
        else:
            entry["destination"] = {
                "lat": CENTER[0] + rng.uniform(-0.3, 0.3),
                "lng": CENTER[1] + rng.uniform(-0.4, 0.4),
            }
        made.append(entry)
    return made


async def _drive(
    base: str, inputs: list[dict[str, Any]], concurrency: int
) -> tuple[list[float], float, dict[str, int]]:
    times: list[float] = []
    outcomes: dict[str, int] = {}
    queue = list(inputs)
    async with httpx.AsyncClient(base_url=base, timeout=30, limits=httpx.Limits(max_connections=concurrency)) as client:

        async def worker() -> None:
            while queue:
                body = {"query": QUERY, "variables": {"input": queue.pop()}}
                started = time.perf_counter()
                response = await client.post("/graphql", json=body)
                times.append(time.perf_counter() - started)
                data = response.json()
                if response.status_code != 200 or "errors" in data:
                    raise RuntimeError(f"request failed: {response.status_code} {data}")
                plan = data["data"]["fulfillmentPlan"]
                key = f"{len(plan['shipments'])} parcel(s)" if plan["feasible"] else "infeasible"
                outcomes[key] = outcomes.get(key, 0) + 1

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    return times, elapsed, outcomes


async def _store_ids(database_url: str) -> list[str]:
    async with db.open_database(database_url, pool_size=1):
        rows = await db.fetch("SELECT id FROM location WHERE kind = 'STORE' AND modes LIKE '%PICKUP%'")
    return [encode_id("Store", r["id"]) for r in rows]


def run(server_url: str, *, requests: int, stores: int, products: int, keep: bool, reuse: str | None) -> dict[str, Any]:
    name = reuse or f"omni_bench_routing_{secrets.token_hex(3)}"
    database_url = db.with_database(server_url, name)
    results: dict[str, Any] = {"database": name}
    if reuse is None:
        asyncio.run(db.create_database(database_url, exist_ok=False))
    try:
        if reuse is None:
            seconds = seed(database_url, stores, products)
            results["seed_seconds"] = seconds
            print(f"  seeded {stores} stores x {products:,} products in {seconds:.0f} s ({name})")
        variants = asyncio.run(_stocked_variants(database_url, 2000))
        pickup_stores = asyncio.run(_store_ids(database_url))
        with server(database_url) as base:
            asyncio.run(_drive(base, _inputs(variants, 50, "EXPRESS", pickup_stores, seed=9), 1))  # warm-up
            for mode, concurrency in (("EXPRESS", 1), ("EXPRESS", 8), ("PICKUP", 1), ("SAME_CITY", 1)):
                inputs = _inputs(variants, requests, mode, pickup_stores)
                times, elapsed, outcomes = asyncio.run(_drive(base, inputs, concurrency))
                figures = summary(times)
                label = f"{mode}, 5 lines, {concurrency} client(s)"
                rate = len(times) / elapsed
                results[label] = {**figures, "requests_per_second": rate, "outcomes": outcomes}
                print(line(label, figures, f"   {rate:6.0f} req/s"))
                print(f"    {len(times)} requests: " + ", ".join(f"{k}: {v}" for k, v in sorted(outcomes.items())))
    finally:
        if not keep and reuse is None:
            asyncio.run(db.drop_database(database_url))
        elif reuse is None:
            print(f"  kept database {name} (reuse it with --reuse-db {name})")
    return results
