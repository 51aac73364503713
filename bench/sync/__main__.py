"""python -m bench.sync [--rounds 3] [--json FILE]

The ERP's bulk sync end to end: a 2,000-row syncProducts batch and a 10,000-row syncStock batch
(every row a change) posted over HTTP to a real `omnichannel serve` process with a SERVICE token,
timed from the request to the answer; the same batch again (a replay). Baseline, in the same run
and against the same database: plain SQL through asyncpg - COPY of the same rows into a staging
table, then one set-based UPDATE ... FROM (stock) or INSERT ... SELECT (products). Ratios are
sync / baseline (medians over the rounds). Fresh database (demo data), dropped afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import secrets
import statistics
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from ..orders import setup

LOCATIONS = [f"S{n:02d}" for n in range(1, 13)] + ["W01", "W02"]
PRODUCTS = 1000  # x 2 variants = 2,000 product rows
STOCK_ROWS = 10_000
SYNC_PRODUCTS = (
    "mutation($i: SyncProductsInput!) { syncProducts(input: $i) { result { applied unchanged replayed "
    "rejected { row code } } userErrors { code message } } }"
)
SYNC_STOCK = (
    "mutation($i: SyncStockInput!) { syncStock(input: $i) { result { applied unchanged replayed "
    "rejected { row code } } userErrors { code message } } }"
)


def product_rows(prefix: str) -> list[dict[str, Any]]:
    return [
        {
            "productCode": f"{prefix}-P{p:05d}",
            "productTitle": f"Bench {prefix} {p}",
            "categoryName": f"Bench {prefix} {p % 10}",
            "sku": f"{prefix}-P{p:05d}-V{v}",
            "variantTitle": f"Size {v}",
            "barcode": f"{prefix}{p:05d}{v}",
            "listPrice": f"{19 + p % 50}.90",
        }
        for p in range(PRODUCTS)
        for v in range(2)
    ]


def stock_rows(skus: list[str], round_: int) -> list[dict[str, Any]]:
    pairs = [(code, sku) for sku in skus for code in LOCATIONS][:STOCK_ROWS]
    return [{"storeCode": c, "sku": s, "onHand": 1 + (n + round_ * 7) % 40 + round_} for n, (c, s) in enumerate(pairs)]


async def _post(
    http: httpx.AsyncClient, base: str, token: str, query: str, batch_id: str, rows: list[dict]
) -> tuple[float, dict]:
    body = {"query": query, "variables": {"i": {"batchId": batch_id, "rows": rows}}}
    started = time.perf_counter()
    response = await http.post(f"{base}/graphql", json=body, headers={"authorization": f"Bearer {token}"})
    elapsed = time.perf_counter() - started
    payload = response.json()
    assert "errors" not in payload, payload["errors"]
    (answer,) = payload["data"].values()
    assert answer["userErrors"] == [], answer["userErrors"]
    return elapsed, answer["result"]


async def _copy_baseline_products(dsn: str, rows: list[dict[str, Any]], prefix: str) -> float:
    """COPY the rows into a staging table and INSERT them as products and variants in two statements."""
    conn = await asyncpg.connect(dsn)
    try:
        started = time.perf_counter()
        async with conn.transaction():
            await conn.execute(
                "CREATE TEMP TABLE stage_products (product_code text, product_title text, category_name text, "
                "sku text, variant_title text, barcode text, list_price numeric) ON COMMIT DROP"
            )
            await conn.copy_records_to_table(
                "stage_products",
                records=[
                    (
                        f"B{r['productCode']}",
                        r["productTitle"],
                        r["categoryName"],
                        f"B{r['sku']}",
                        r["variantTitle"],
                        f"B{r['barcode']}",
                        Decimal(r["listPrice"]),
                    )
                    for r in rows
                ],
            )
            await conn.execute(
                "INSERT INTO product (code, title, active) SELECT DISTINCT product_code, product_title, true "
                "FROM stage_products"
            )
            await conn.execute(
                "INSERT INTO variant (product_id, sku, barcode, title, list_price, position, active) "
                "SELECT p.id, s.sku, s.barcode, s.variant_title, s.list_price, 0, true "
                "FROM stage_products s JOIN product p ON p.code = s.product_code"
            )
        return time.perf_counter() - started
    finally:
        await conn.close()


async def _copy_baseline_stock(dsn: str, rows: list[dict[str, Any]]) -> float:
    """COPY the rows into a staging table and apply them with one UPDATE ... FROM."""
    conn = await asyncpg.connect(dsn)
    try:
        started = time.perf_counter()
        async with conn.transaction():
            await conn.execute("CREATE TEMP TABLE stage_stock (store_code text, sku text, on_hand int) ON COMMIT DROP")
            await conn.copy_records_to_table(
                "stage_stock", records=[(r["storeCode"], r["sku"], r["onHand"] + 1) for r in rows]
            )
            await conn.execute(
                "UPDATE stock_level s SET on_hand = x.on_hand FROM stage_stock x "
                "JOIN location l ON l.code = x.store_code JOIN variant v ON v.sku = x.sku "
                "WHERE s.location_id = l.id AND s.variant_id = v.id"
            )
        return time.perf_counter() - started
    finally:
        await conn.close()


async def measure(fixture: setup.Fixture, base: str, rounds: int) -> dict[str, Any]:
    dsn = setup._dsn(fixture.database_url)
    token = fixture.service_token
    figures: dict[str, list[float]] = {
        k: [] for k in ("products_sync", "products_replay", "products_copy", "stock_sync", "stock_replay", "stock_copy")
    }
    async with httpx.AsyncClient(timeout=300) as http:
        for round_ in range(rounds):
            prefix = f"R{round_}{secrets.token_hex(2).upper()}"
            rows = product_rows(prefix)
            elapsed, result = await _post(http, base, token, SYNC_PRODUCTS, f"{prefix}-products", rows)
            assert (result["applied"], result["rejected"]) == (len(rows), []), result
            figures["products_sync"].append(elapsed)
            elapsed, result = await _post(http, base, token, SYNC_PRODUCTS, f"{prefix}-products", rows)
            assert result["replayed"], result
            figures["products_replay"].append(elapsed)
            figures["products_copy"].append(await _copy_baseline_products(dsn, rows, prefix))

            counts = stock_rows([r["sku"] for r in rows], round_)
            elapsed, result = await _post(http, base, token, SYNC_STOCK, f"{prefix}-stock", counts)
            assert (result["applied"], result["rejected"]) == (STOCK_ROWS, []), result
            figures["stock_sync"].append(elapsed)
            elapsed, result = await _post(http, base, token, SYNC_STOCK, f"{prefix}-stock", counts)
            assert result["replayed"], result
            figures["stock_replay"].append(elapsed)
            figures["stock_copy"].append(await _copy_baseline_stock(dsn, counts))
            print(
                f"  round {round_ + 1}: products {figures['products_sync'][-1]:.2f} s (replay "
                f"{figures['products_replay'][-1]:.2f} s, COPY baseline {figures['products_copy'][-1]:.2f} s); "
                f"stock {figures['stock_sync'][-1]:.2f} s (replay {figures['stock_replay'][-1]:.2f} s, "
                f"COPY baseline {figures['stock_copy'][-1]:.2f} s)"
            )
    medians = {k: statistics.median(v) for k, v in figures.items()}
    summary = {
        "rounds": figures,
        "medians_s": medians,
        "ratio_products_sync_to_copy": medians["products_sync"] / medians["products_copy"],
        "ratio_stock_sync_to_copy": medians["stock_sync"] / medians["stock_copy"],
        "stock_rows_per_s": STOCK_ROWS / medians["stock_sync"],
        "product_rows_per_s": 2 * PRODUCTS / medians["products_sync"],
    }
    products_ratio = summary["ratio_products_sync_to_copy"]
    print(
        f"medians: 2,000 product rows {medians['products_sync']:.2f} s = {products_ratio:.1f} x "
        f"COPY ({medians['products_copy']:.2f} s); 10,000 stock rows {medians['stock_sync']:.2f} s = "
        f"{summary['ratio_stock_sync_to_copy']:.1f} x COPY ({medians['stock_copy']:.2f} s); replays "
        f"{medians['products_replay']:.2f} s / {medians['stock_replay']:.2f} s"
    )
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", help="write the figures here")
    args = parser.parse_args()
    server_url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    load = os.getloadavg()
    print(f"bench.sync on {platform.node()} ({os.cpu_count()} CPUs, load {load[0]:.1f})")
    with setup.database(server_url, os.environ.get("REDIS_URL")) as fixture, setup.serve(fixture) as server:
        results = asyncio.run(measure(fixture, server.base, args.rounds))
    results["load_before"] = load
    results["load_after"] = os.getloadavg()
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
