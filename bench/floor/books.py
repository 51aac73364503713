"""python -m bench.floor.books [--rounds 6] [--per-round 40]

What the store floor's books cost the order path, measured through the whole app in-process (ASGI,
no network), one request at a time, on the demo data set in a fresh database on the PostgreSQL
server DATABASE_URL names:

- `confirmPayment` of a 3-line clerk-pad order with the books (credit split, recommendation
  aggregates, the EARNED commission entry, two commission rules in force) against the same payment
  without them (the baseline: loyalty and the event log only, `handlers_for(books=False)`);
- `sellAtTill` of the same basket (priced, paid, handed over and off the shelf in one request)
  against the two requests a till needs without it (`placeOrder` STORE_POS + `confirmPayment`).

Rounds alternate the two sides of each pair so that the machine's load hits both alike.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import statistics
import time
from typing import Any

import httpx

from omnichannel.app import create_app
from omnichannel.config import load_settings
from omnichannel.domain.access import Role
from omnichannel.persistence import db
from omnichannel.persistence.seed.demo import DEMO_PASSWORD, seed_demo
from omnichannel.resolvers.auth import principal_for
from omnichannel.resolvers.in_transaction import handlers_for
from omnichannel.schema.relay import encode_id
from omnichannel.security import TokenService, hash_password

PLACE = """mutation($input: PlaceOrderInput!) { placeOrder(input: $input) {
  order { id number total { amount } } userErrors { code } } }"""
PAY = """mutation($input: ConfirmPaymentInput!) { confirmPayment(input: $input) {
  order { number status } userErrors { code } } }"""
SELL = """mutation($input: SellAtTillInput!) { sellAtTill(input: $input) {
  order { number status } userErrors { code } } }"""
RULE = (
    """mutation($input: CreateCommissionRuleInput!) { createCommissionRule(input: $input) { userErrors { code } } }"""
)

VARIANT_SQL = """
WITH p AS (INSERT INTO product (title, description) VALUES ($1, 'bench') RETURNING id),
v AS (INSERT INTO variant (product_id, sku, title, list_price) SELECT id, $1, $1, 49.90 FROM p RETURNING id)
INSERT INTO stock_level (variant_id, location_id, on_hand) SELECT v.id, l.id, 1000000 FROM v, location l
WHERE l.code = 'S01' RETURNING variant_id
"""


def _ms(values: list[float]) -> str:
    values = sorted(values)
    p99 = values[min(len(values) - 1, int(len(values) * 0.99))]
    return f"p50 {statistics.median(values) * 1000:6.2f} ms  p99 {p99 * 1000:6.2f} ms"


async def _measure(url: str, rounds: int, per_round: int) -> dict[str, list[float]]:
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
    times: dict[str, list[float]] = {"pay+books": [], "pay": [], "till": [], "place+pay": []}
    async with app.router.lifespan_context(app):
        services = app.state.services
        with_books = services.handlers
        without = handlers_for(
            loyalty_rules=settings.loyalty, store_credit_share=settings.store_credit_share, books=False
        )
        issue = TokenService(settings.jwt_secret or "").issue
        clerk = issue(await principal_for(role=Role.CLERK, store="S01", staff_email=None, member_number=None), ttl=3600)
        hq = issue(await principal_for(role=Role.HQ_ADMIN, store=None, staff_email=None, member_number=None), ttl=3600)
        store = encode_id("Store", (await db.fetch("SELECT id FROM location WHERE code = 'S01'"))[0]["id"])
        variants = [(await db.fetch(VARIANT_SQL, [f"BENCH-{secrets.token_hex(3)}"]))[0]["variant_id"] for _ in range(3)]
        lines = [{"variantId": encode_id("Variant", v), "quantity": 1} for v in variants]
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:

            async def call(query: str, variables: dict[str, Any], token: str) -> dict[str, Any]:
                response = await client.post(
                    "/graphql",
                    json={"query": query, "variables": variables},
                    headers={"Authorization": f"Bearer {token}"},
                )
                body = response.json()
                assert "errors" not in body, body
                payload = next(iter(body["data"].values()))
                assert not payload.get("userErrors"), payload
                return dict(payload)

            for rate in ("2", "4.5"):
                await call(RULE, {"input": {"name": f"Bench {rate}%", "ratePercent": rate}}, hq)

            async def place(channel: str) -> dict[str, Any]:
                request = {"channel": channel, "fulfillmentMode": "PICKUP", "pickupStoreId": store, "lines": lines}
                return dict((await call(PLACE, {"input": request}, clerk))["order"])

            async def pay(order: dict[str, Any]) -> float:
                pay_input = {
                    "orderId": order["id"],
                    "amount": order["total"]["amount"],
                    "reference": secrets.token_hex(8),
                }
                t0 = time.perf_counter()
                await call(PAY, {"input": pay_input}, clerk)
                return time.perf_counter() - t0

            for warm_up in range(2):  # plans, caches, the pool
                services.handlers = (with_books, without)[warm_up]
                await pay(await place("CLERK_PAD"))
            for round_ in range(rounds):
                for books in (True, False) if round_ % 2 == 0 else (False, True):
                    services.handlers = with_books if books else without
                    for _ in range(per_round):
                        times["pay+books" if books else "pay"].append(await pay(await place("CLERK_PAD")))
                services.handlers = with_books
                for till_first in (True, False) if round_ % 2 == 0 else (False, True):
                    for _ in range(per_round):
                        t0 = time.perf_counter()
                        if till_first:
                            sale = {"storeId": store, "lines": lines, "paymentReference": secrets.token_hex(8)}
                            await call(SELL, {"input": sale}, clerk)
                            times["till"].append(time.perf_counter() - t0)
                        else:
                            await pay(await place("STORE_POS"))
                            times["place+pay"].append(time.perf_counter() - t0)
        earned = (await db.fetch("SELECT count(*) AS n FROM commission_entry WHERE kind = 'EARNED'"))[0]["n"]
        # the proof both sides ran as labelled: an EARNED entry per clerk-pad payment with the books and per
        # till sale (a STORE_POS order from placeOrder is not attributed to a clerk: it earns none)
        expected = 1 + len(times["pay+books"]) + len(times["till"])
        assert earned == expected, (earned, expected)
        print(f"  EARNED entries written: {earned} (one per payment booked; none without the books)")
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.floor.books", description=__doc__)
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--per-round", type=int, default=40)
    parser.add_argument(
        "--server-url", default=os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    )
    args = parser.parse_args(argv)
    name = f"omni_bench_books_{secrets.token_hex(3)}"
    url = db.with_database(args.server_url, name)
    print(f"floor books benchmark ({os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}, shared machine)")
    try:
        asyncio.run(db.create_database(url, exist_ok=False))
        asyncio.run(db.migrate(url))

        async def seed() -> None:
            async with db.open_database(url, pool_size=2):
                await seed_demo(hash_password(DEMO_PASSWORD))

        asyncio.run(seed())
        times = asyncio.run(_measure(url, args.rounds, args.per_round))
    finally:
        asyncio.run(db.drop_database(url))
    for label, values in times.items():
        print(f"  {label:<10} {_ms(values)}   ({len(values)} requests)")
    ratio = statistics.median(times["pay+books"]) / statistics.median(times["pay"])
    print(f"  ratio confirmPayment with the books / without: p50 {ratio:.2f}x")
    ratio = statistics.median(times["till"]) / statistics.median(times["place+pay"])
    print(f"  ratio sellAtTill / (placeOrder + confirmPayment): p50 {ratio:.2f}x")
    print(f"  load average after the run: {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
