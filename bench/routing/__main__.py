"""python -m bench.routing [--plans N] [--requests N] [--skip-http] [--server-url URL] [--reuse-db NAME] [--keep-db]

(a) in-process plan time over a synthetic network of 2,000 locations, against a baseline measured in
the same run; (b) fulfillmentPlan over HTTP on the scale data set in a fresh database.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

from . import in_process, over_http


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.routing", description=__doc__)
    parser.add_argument("--plans", type=int, default=2000, help="orders planned in-process per case")
    parser.add_argument("--locations", type=int, default=2000)
    parser.add_argument("--requests", type=int, default=500, help="HTTP requests per case")
    parser.add_argument("--skip-http", action="store_true")
    parser.add_argument(
        "--server-url",
        default=os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres"),
        help="a PostgreSQL server; the benchmark creates (and drops) its own database there",
    )
    parser.add_argument("--stores", type=int, default=500)
    parser.add_argument("--products", type=int, default=20000)
    parser.add_argument("--reuse-db", help="an already seeded database on the server (not dropped)")
    parser.add_argument("--keep-db", action="store_true", help="keep the seeded database for another run")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    print(
        f"routing benchmark on {platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} CPU(s)"
    )
    print(f"(a) in-process, {args.plans} orders of 5 lines per case")
    results: dict[str, object] = {"in_process": in_process.run(args.plans, locations=args.locations)}
    if not args.skip_http:
        print(
            f"(b) fulfillmentPlan over HTTP, {args.stores} stores x {args.products:,} products, "
            f"{args.requests} requests per case"
        )
        results["http"] = over_http.run(
            args.server_url,
            requests=args.requests,
            stores=args.stores,
            products=args.products,
            keep=args.keep_db,
            reuse=args.reuse_db,
        )
    print(f"done in {time.perf_counter() - started:.0f} s")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
