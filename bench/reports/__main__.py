"""python -m bench.reports [--orders 1000000] [--repeat 30] [--payments 400] [--json FILE] [--keep NAME]

The dashboards at chain scale. A fresh database (demo data, then `seed --orders N`, timed); each
report run through the GraphQL schema in-process as an analyst, p50/p99 over --repeat runs, against
the same figure computed by a plain SQL aggregate over the raw orders in the same run (the ratio
raw / report says how much the rollups save); then confirmPayment throughput through the app (HTTP
in-process, 8 at a time) with the rollup handlers and without them, alternated. The database is
dropped afterwards unless --keep names one to reuse (seeded once, then kept).
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
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import httpx

from omnichannel.app import create_app
from omnichannel.config import load_settings
from omnichannel.domain.access import Principal, Role
from omnichannel.persistence import db
from omnichannel.persistence.seed.demo import DEMO_PASSWORD, seed_demo
from omnichannel.persistence.seed.orders import seed_orders
from omnichannel.resolvers.context import Context, Services
from omnichannel.resolvers.in_transaction import handlers_for
from omnichannel.schema.build import build_schema
from omnichannel.security import TokenService, hash_password
from omnichannel.subscriptions.broker import InMemoryBroker

ZONE = ZoneInfo("Asia/Shanghai")
JWT_SECRET = "bench-secret-" + "r" * 32

REPORTS: dict[str, tuple[int, str, dict[str, Any]]] = {
    # name: (days back, document, extra variables)
    "salesReport DAY x CHANNEL, 90 d": (
        90,
        "query($from: DateTime!, $to: DateTime!) { salesReport(from: $from, to: $to, groupBy: [DAY, CHANNEL]) "
        "{ day channel orders units revenue { amount } discount { amount } pointsRedeemed refunded { amount } } }",
        {},
    ),
    "salesReport all 4 dimensions, 180 d": (
        180,
        "query($from: DateTime!, $to: DateTime!) { salesReport(from: $from, to: $to, "
        "groupBy: [DAY, CHANNEL, STORE, FULFILLMENT_MODE]) { day channel store { code } fulfillmentMode orders "
        "revenue { amount } } }",
        {},
    ),
    "channelMix, 90 d": (
        90,
        "query($from: DateTime!, $to: DateTime!) { channelMix(from: $from, to: $to) "
        "{ onlineShare pickupShare orders } }",
        {},
    ),
    "fulfillmentReport, 30 d": (
        30,
        "query($from: DateTime!, $to: DateTime!) { fulfillmentReport(from: $from, to: $to) { store { code } orders "
        "pickupShare minutesToReadyP50 minutesToReadyP90 minutesToCollectP50 expired cancelled } }",
        {},
    ),
    "creditReport, 90 d": (
        90,
        "query($from: DateTime!, $to: DateTime!) { creditReport(from: $from, to: $to) "
        "{ store { code } amount { amount } } }",
        {},
    ),
    "pointsUsage, 90 d": (
        90,
        "query($from: DateTime!, $to: DateTime!) { pointsUsage(from: $from, to: $to) "
        "{ earned redeemed expired reversed } }",
        {},
    ),
    "couponUsage, 90 d": (
        90,
        "query($from: DateTime!, $to: DateTime!) { couponUsage(from: $from, to: $to) { template { title } claimed "
        "redeemed discount { amount } } }",
        {},
    ),
}

PAID = "o.paid_at >= $1 AND o.paid_at < $2 AND o.status NOT IN ('CANCELLED', 'EXPIRED')"
RAW: dict[str, str] = {
    "salesReport DAY x CHANNEL, 90 d": (
        "SELECT (o.paid_at AT TIME ZONE 'Asia/Shanghai')::date, o.channel, count(*), sum(l.units), sum(o.total), "
        "sum(o.discount_total), sum(o.points_redeemed), sum(coalesce(r.amount, 0)) FROM customer_order o "
        "JOIN (SELECT order_id, sum(quantity) AS units FROM order_line GROUP BY order_id) l ON l.order_id = o.id "
        "LEFT JOIN (SELECT order_id, sum(amount) AS amount FROM refund WHERE status = 'SUCCEEDED' GROUP BY order_id) r "
        f"ON r.order_id = o.id WHERE {PAID} GROUP BY 1, 2 ORDER BY 1, 2"
    ),
    "salesReport all 4 dimensions, 180 d": (
        "SELECT (o.paid_at AT TIME ZONE 'Asia/Shanghai')::date, o.channel, f.location_id, o.mode, count(*), "
        f"sum(o.total) FROM customer_order o JOIN fulfillment f ON f.order_id = o.id WHERE {PAID} "
        "GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4"
    ),
    "channelMix, 90 d": f"SELECT o.channel, o.mode, count(*) FROM customer_order o WHERE {PAID} GROUP BY 1, 2",
    "fulfillmentReport, 30 d": (
        "SELECT f.location_id, count(*) FILTER (WHERE o.status NOT IN ('CANCELLED', 'EXPIRED')), "
        "count(*) FILTER (WHERE o.mode = 'PICKUP'), "
        "percentile_disc(0.5) WITHIN GROUP (ORDER BY o.completed_at - o.paid_at), "
        "percentile_disc(0.9) WITHIN GROUP (ORDER BY o.completed_at - o.paid_at) "
        "FROM customer_order o JOIN fulfillment f ON f.order_id = o.id "
        "WHERE o.paid_at >= $1 AND o.paid_at < $2 GROUP BY 1"
    ),
    "creditReport, 90 d": (
        "SELECT CASE WHEN o.channel IN ('STORE_POS', 'CLERK_PAD') THEN o.placed_at_location_id ELSE f.location_id END, "
        f"sum(o.total) FROM customer_order o JOIN fulfillment f ON f.order_id = o.id WHERE {PAID} GROUP BY 1"
    ),
    "pointsUsage, 90 d": (
        "SELECT kind, sum(points) FROM points_entry WHERE created_at >= $1 AND created_at < $2 GROUP BY kind"
    ),
    "couponUsage, 90 d": (
        "SELECT c.template_id, count(*), sum(d.amount) FROM customer_order o JOIN order_discount d "
        f"ON d.order_id = o.id JOIN coupon c ON c.id = d.coupon_id WHERE {PAID} GROUP BY 1"
    ),
}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def timed(call: Callable[[], Awaitable[Any]], repeat: int) -> tuple[float, float]:
    await call()  # warm: plans, caches
    took = []
    for _ in range(repeat):
        started = time.perf_counter()
        await call()
        took.append((time.perf_counter() - started) * 1000)
    return statistics.median(took), percentile(took, 0.99)


async def reports(url: str, repeat: int) -> dict[str, Any]:
    schema = build_schema()
    services = Services(broker=InMemoryBroker(), tokens=TokenService(JWT_SECRET))
    today = datetime.now(ZONE).date() + timedelta(days=1)
    figures: dict[str, Any] = {}
    raw_conn = await asyncpg.connect(db._dsn_and_options(url)[0])
    try:
        for name, (days, document, extra) in REPORTS.items():
            start = today - timedelta(days=days)
            since = datetime(start.year, start.month, start.day, tzinfo=ZONE)
            until = datetime(today.year, today.month, today.day, tzinfo=ZONE)
            variables = {"from": since.isoformat(), "to": until.isoformat(), **extra}

            async def report(document: str = document, variables: dict[str, Any] = variables) -> None:
                context = Context(services=services, principal=Principal(Role.ANALYST, "bench"))
                result = await schema.execute(document, variable_values=variables, context_value=context)
                assert not result.errors, result.errors

            async def plain(sql: str = RAW[name], since: datetime = since, until: datetime = until) -> None:
                await raw_conn.fetch(sql, since, until)

            p50, p99 = await timed(report, repeat)
            raw50, raw99 = await timed(plain, max(3, repeat // 5))
            figures[name] = {
                "report_p50_ms": round(p50, 2),
                "report_p99_ms": round(p99, 2),
                "raw_sql_p50_ms": round(raw50, 1),
                "raw_sql_p99_ms": round(raw99, 1),
                "raw_over_report": round(raw50 / p50, 1),
            }
            print(f"{name:40s} report p50 {p50:7.2f} ms p99 {p99:7.2f} | raw SQL p50 {raw50:8.1f} ms "
                  f"p99 {raw99:8.1f} | x{raw50 / p50:.1f}", flush=True)  # fmt: skip
    finally:
        await raw_conn.close()
    return figures


async def payments(url: str, count: int, rounds: int) -> dict[str, Any]:
    """confirmPayment per second, 8 at a time, with and without the rollup handlers (alternated)."""
    env = {
        "DATABASE_URL": url,
        "OMNICHANNEL_JWT_SECRET": JWT_SECRET,
        "OMNICHANNEL_EXPIRY_SWEEP_INTERVAL": "0",
        "OMNICHANNEL_LOG_LEVEL": "WARNING",
        "OMNICHANNEL_DB_POOL_SIZE": "12",
        "OMNICHANNEL_HOME": os.environ.get("OMNICHANNEL_HOME", "/tmp/omnichannel-bench"),
    }
    settings = load_settings(env)
    app = create_app(settings, url)
    tokens = TokenService(JWT_SECRET)
    services = None
    results: dict[str, list[float]] = {"with rollups": [], "without rollups": []}
    async with app.router.lifespan_context(app):
        services = app.state.services
        conn = await asyncpg.connect(db._dsn_and_options(url)[0])
        async with conn.transaction():  # deep stock at the pickup stores, through the ledger (as bench/orders)
            await conn.execute(
                "INSERT INTO stock_movement (variant_id, location_id, reason, on_hand_delta, reserved_delta, "
                "on_hand_after, reserved_after, note, reference, actor) SELECT s.variant_id, s.location_id, 'SYNC', "
                "100000, 0, s.on_hand + 100000, s.reserved, 'bench top-up', 'bench', 'bench' FROM stock_level s "
                "JOIN location l ON l.id = s.location_id WHERE l.kind = 'STORE' AND l.modes LIKE '%PICKUP%'"
            )
            await conn.execute(
                "UPDATE stock_level s SET on_hand = on_hand + 100000 FROM location l WHERE l.id = s.location_id "
                "AND l.kind = 'STORE' AND l.modes LIKE '%PICKUP%'"
            )
        pairs = await conn.fetch(
            "SELECT l.id AS store, s.variant_id FROM stock_level s JOIN location l ON l.id = s.location_id "
            "WHERE l.kind = 'STORE' AND l.modes LIKE '%PICKUP%' AND s.on_hand - s.reserved > 1000 "
            "ORDER BY 1, 2 LIMIT 200"
        )
        await conn.close()
        from omnichannel.schema.relay import encode_id

        member = tokens.issue(Principal(Role.MEMBER, "M0001", member_id=1), ttl=3600)
        service = tokens.issue(Principal(Role.SERVICE, "bench"), ttl=3600)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as http:

            async def call(query: str, variables: dict[str, Any], bearer: str) -> dict[str, Any]:
                response = await http.post(
                    "/graphql", json={"query": query, "variables": variables},
                    headers={"Authorization": f"Bearer {bearer}"},
                )  # fmt: skip
                return dict(response.json())

            place = (
                "mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { order { id number total { amount } } "
                "userErrors { code } } }"
            )
            pay = "mutation($input: ConfirmPaymentInput!) { confirmPayment(input: $input) { userErrors { code } } }"
            for _ in range(rounds):
                for mode in results:
                    services.handlers = handlers_for(
                        loyalty_rules=settings.loyalty,
                        store_credit_share=settings.store_credit_share,
                        with_report_rollups=mode == "with rollups",
                    )
                    orders = []
                    for n in range(count):
                        store, variant = pairs[n % len(pairs)]
                        request = {
                            "channel": "MINI_PROGRAM",
                            "fulfillmentMode": "PICKUP",
                            "pickupStoreId": encode_id("Store", store),
                            "lines": [{"variantId": encode_id("Variant", variant), "quantity": 1}],
                        }
                        placed = (await call(place, {"input": request}, member))["data"]["placeOrder"]
                        assert not placed["userErrors"], placed
                        orders.append(placed["order"])
                    started = time.perf_counter()
                    for batch in range(0, len(orders), 8):
                        answers = await asyncio.gather(*(
                            call(pay, {"input": {"orderId": o["id"], "amount": o["total"]["amount"],
                                                 "reference": f"bench-{o['number']}"}}, service)
                            for o in orders[batch:batch + 8]
                        ))  # fmt: skip
                        assert all(not a["data"]["confirmPayment"]["userErrors"] for a in answers), answers
                    rate = len(orders) / (time.perf_counter() - started)
                    results[mode].append(rate)
                    print(f"payments {mode:16s} {rate:7.1f}/s", flush=True)
    with_, without = statistics.median(results["with rollups"]), statistics.median(results["without rollups"])
    return {
        "payments_per_s_with_rollups": round(with_, 1),
        "payments_per_s_without_rollups": round(without, 1),
        "with_over_without": round(with_ / without, 2),
        "runs": results,
    }


async def main(args: argparse.Namespace) -> dict[str, Any]:
    server = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    name = args.keep or f"omni_bench_reports_{secrets.token_hex(4)}"
    url = db.with_database(server, name)
    figures: dict[str, Any] = {"orders": args.orders, "machine": platform.platform(), "load": os.getloadavg()}
    created = await db.create_database(url, exist_ok=True)
    try:
        await db.migrate(url)
        if created:
            async with db.open_database(url, pool_size=2):
                await seed_demo(hash_password(DEMO_PASSWORD))
                started = time.perf_counter()
                await seed_orders(args.orders, store_share=load_settings({}).store_credit_share)
                figures["seed_seconds"] = round(time.perf_counter() - started, 1)
                print(f"seeded {args.orders} orders in {figures['seed_seconds']} s", flush=True)
        async with db.open_database(url, pool_size=4):
            figures["reports"] = await reports(url, args.repeat)
        if args.payments:
            figures["payments"] = await payments(url, args.payments, args.rounds)
    finally:
        if not args.keep:
            await db.drop_database(url)
    return figures


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--payments", type=int, default=400, help="orders paid per run (0: skip)")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--keep", default=None, help="database name to keep (and reuse when it exists)")
    parser.add_argument("--json", type=Path, default=None)
    result = asyncio.run(main(parser.parse_args()))
    text = json.dumps(result, indent=2, default=str)
    print(text)
    if parser.parse_args().json:
        parser.parse_args().json.write_text(text)
