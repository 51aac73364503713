"""python -m bench.orders [--seconds 10] [--connections 32] [--workers 2] [--subscribers 1000] [--json FILE]

Order throughput (wrk against `omnichannel serve`): a baseline read, uncontended orders (distinct
SKUs and stores), hot-SKU orders; then subscription fan-out: N websocket subscribers on one store's
feed, commit-to-delivery time and server memory, against a 1-subscriber baseline. Fresh database,
dropped afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import sys
import time
from pathlib import Path

import asyncpg

from . import fanout, setup, throughput


def _ledger_ok(url: str) -> tuple[int, int]:
    async def check() -> tuple[int, int]:
        conn = await asyncpg.connect(setup._dsn(url))
        try:
            bad = await conn.fetchval(
                "SELECT count(*) FROM (SELECT s.variant_id FROM stock_level s LEFT JOIN stock_movement m "
                "ON m.variant_id = s.variant_id AND m.location_id = s.location_id GROUP BY s.variant_id, "
                "s.location_id, s.on_hand, s.reserved HAVING s.on_hand <> COALESCE(SUM(m.on_hand_delta), 0) "
                "OR s.reserved <> COALESCE(SUM(m.reserved_delta), 0)) x"
            )
            orders = await conn.fetchval("SELECT count(*) FROM customer_order")
            return int(bad), int(orders)
        finally:
            await conn.close()

    return asyncio.run(check())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.orders", description=__doc__)
    parser.add_argument(
        "--server-url", default=os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    )
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL"))
    parser.add_argument("--seconds", type=int, default=10, help="wrk duration per throughput case")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2, help="server worker processes for throughput")
    parser.add_argument("--subscribers", type=int, default=1000)
    parser.add_argument("--events", type=int, default=20)
    parser.add_argument("--skip-fanout", action="store_true")
    parser.add_argument("--skip-throughput", action="store_true")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)

    started = time.perf_counter()
    print(
        f"orders benchmark on {platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} CPU(s)"
    )
    results: dict[str, object] = {}
    with setup.database(args.server_url, args.redis_url) as fixture:
        print(f"database ready: {len(fixture.pairs)} (store, variant) pairs with deep stock")
        if not args.skip_throughput:
            with setup.serve(fixture, workers=args.workers) as server:
                throughput.wrk(server, fixture, "baseline", seconds=2, connections=args.connections)  # warm-up
                for case in ("baseline", "uncontended", "hot"):
                    figures = throughput.wrk(server, fixture, case, seconds=args.seconds, connections=args.connections)
                    results[case] = figures
                    print(
                        f"  {case:<12} {figures['per_second']:7.1f}/s ok   p50 {figures['p50_ms']:7.2f} ms   "
                        f"p99 {figures['p99_ms']:7.2f} ms   ({figures['ok']} ok, {figures['refused']} refused, "
                        f"{figures['socket_errors']} socket errors)"
                    )
        if not args.skip_fanout:
            for workers, count in ((1, 1), (1, args.subscribers), (args.workers, args.subscribers)):
                with setup.serve(fixture, workers=workers) as server:
                    figures = fanout.run(server, fixture, count, args.events)
                results[f"fanout_{count}_workers_{workers}"] = figures
                print(
                    f"  fan-out {count:>5} subscriber(s), {workers} worker(s): "
                    f"delivered {figures['delivered']}/{figures['expected']}   "
                    f"p50 {figures['p50_ms']:7.2f} ms   p99 {figures['p99_ms']:7.2f} ms   "
                    f"max {figures['max_ms']:7.2f} ms"
                )
                print(
                    f"      server RSS {figures['rss_idle_mb']} MB idle -> "
                    f"{figures['rss_subscribed_mb']} MB subscribed; "
                    f"server CPU {figures['server_cpu_ms_per_event']} ms per event"
                )
        bad, orders = _ledger_ok(fixture.database_url)
        results["ledger_mismatches"], results["orders"] = bad, orders
        print(f"  {orders} orders written; stock rows whose ledger does not sum to the level: {bad}")
    print(f"done in {time.perf_counter() - started:.0f} s")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
