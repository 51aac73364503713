"""python -m bench.events [--seconds 10] [--connections 32] [--workers 2] [--rounds 2] [--json FILE]

Events out: placeOrder throughput with the outbox and without it (OMNICHANNEL_EVENT_LOG=0), runs
alternated; entries per second through the event log (write, sequence, read back) against plain
INSERTs of the same rows; webhook deliveries per second to a loopback receiver against raw POSTs.
Fresh database (the orders benchmark's: demo data, deep stock), dropped afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import time
from pathlib import Path

from omnichannel.persistence.db import open_database

from ..orders import setup, throughput
from . import cpu, delivery_rate, log_rate


def _orders(fixture: setup.Fixture, args: argparse.Namespace) -> dict[str, object]:
    runs: dict[str, list[dict]] = {"with": [], "without": []}
    database = fixture.database_url.rsplit("/", 1)[1].split("?")[0]
    for _ in range(args.rounds):
        for mode, flag in (("with", "1"), ("without", "0")):
            with setup.serve(fixture, workers=args.workers, OMNICHANNEL_EVENT_LOG=flag) as server:
                throughput.wrk(server, fixture, "uncontended", seconds=2, connections=args.connections)  # warm-up
                server_cpu, db_cpu = server.cpu_seconds(), cpu.database_cpu_seconds(database)
                figures = throughput.wrk(
                    server, fixture, "uncontended", seconds=args.seconds, connections=args.connections
                )
                orders = max(1, figures["ok"])
                figures["server_cpu_ms"] = (server.cpu_seconds() - server_cpu) * 1000 / orders
                figures["database_cpu_ms"] = (cpu.database_cpu_seconds(database) - db_cpu) * 1000 / orders
                runs[mode].append(figures)
                print(
                    f"  placeOrder {mode:<7} outbox {figures['per_second']:7.1f}/s   p50 {figures['p50_ms']:6.1f} ms"
                    f"   p99 {figures['p99_ms']:6.1f} ms   CPU per order: server {figures['server_cpu_ms']:.2f} ms, "
                    f"PostgreSQL {figures['database_cpu_ms']:.2f} ms   ({figures['refused']} refused, "
                    f"{figures['socket_errors']} socket errors)"
                )
    results: dict[str, object] = {"runs": runs}
    for key, unit in (("per_second", "orders/s"), ("server_cpu_ms", "ms"), ("database_cpu_ms", "ms")):
        on = statistics.median(r[key] for r in runs["with"])
        off = statistics.median(r[key] for r in runs["without"])
        results[key] = {"with": on, "without": off, "ratio": on / off}
        print(f"  placeOrder {key} with / without the outbox (medians): {on:.2f} / {off:.2f} {unit} = {on / off:.2f}")
    return results


async def _in_process(fixture: setup.Fixture, port: int, entries: int) -> dict[str, object]:
    ids = fixture.pairs[0]
    async with open_database(fixture.database_url, 24):
        log = await log_rate.measure(ids)
        print(
            f"  event log: {log['log_per_second']:8.0f} entries/s written, positioned and read back "
            f"({log['committed_per_second']:.0f}/s committed); plain INSERT {log['plain_per_second']:.0f} rows/s; "
            f"ratio {log['ratio']:.2f}"
        )
        hooks = await delivery_rate.measure(fixture.database_url, port, ids, count=entries)
        print(
            f"  webhooks: {hooks['per_second']:8.0f} deliveries/s ({hooks['not_delivered']:.0f} not delivered); "
            f"raw POSTs {hooks['raw_posts_per_second']:.0f}/s; ratio {hooks['ratio']:.2f}"
        )
    return {"log": log, "webhooks": hooks}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.events", description=__doc__)
    parser.add_argument(
        "--server-url", default=os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    )
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL"))
    parser.add_argument("--seconds", type=int, default=10, help="wrk duration per placeOrder run")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=2, help="placeOrder runs per mode, alternated")
    parser.add_argument("--deliveries", type=int, default=2000)
    parser.add_argument("--skip-orders", action="store_true")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)

    started = time.perf_counter()
    python = f"{platform.python_implementation()} {platform.python_version()}"
    print(f"events benchmark on {python}, {os.cpu_count()} CPU(s)")
    load = os.getloadavg()[0]
    results: dict[str, object] = {"load_average_at_start": load}
    with setup.database(args.server_url, args.redis_url) as fixture:
        if not args.skip_orders:
            results["place_order"] = _orders(fixture, args)
        results.update(asyncio.run(_in_process(fixture, setup.free_port(), args.deliveries)))
    results["load_average_at_end"] = os.getloadavg()[0]
    print(f"done in {time.perf_counter() - started:.0f} s (load average {load:.1f} -> {os.getloadavg()[0]:.1f})")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
