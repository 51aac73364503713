"""The `omnichannel` command: serve, migrate, seed, token, schema, sync, check."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import signal
import sys
import tempfile
import time
from collections.abc import Sequence
from decimal import Decimal

from . import report_cli
from .config import ConfigError, Settings, jwt_secret, load_settings
from .domain.access import Role

log = logging.getLogger("omnichannel.cli")


def _configure_logging(level: str = "INFO") -> None:
    logging.basicConfig(
        level=getattr(logging, level, logging.INFO),
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
        stream=sys.stderr,
    )


def _database_url(settings: Settings) -> str:
    if settings.database_url:
        return settings.database_url
    from .embedded import embedded_database_url

    return embedded_database_url(settings.home)


async def _migrate(url: str) -> None:
    from .persistence.db import migrate

    await migrate(url)


async def _seed_demo(url: str, store_share: Decimal) -> bool:
    from .persistence.db import open_database
    from .persistence.seed.demo import DEMO_PASSWORD, seed_demo
    from .security import hash_password

    async with open_database(url, pool_size=2):
        return await seed_demo(hash_password(DEMO_PASSWORD), store_share=store_share)


def cmd_migrate(args: argparse.Namespace) -> int:
    settings = load_settings()
    url = _database_url(settings)
    asyncio.run(_migrate(url))
    print("database schema is up to date", file=sys.stderr)
    return 0


def cmd_seed(args: argparse.Namespace) -> int:
    settings = load_settings()
    url = _database_url(settings)
    asyncio.run(_migrate(url))
    if args.demo:
        created = asyncio.run(_seed_demo(url, settings.store_credit_share))
        print("demo data loaded" if created else "demo data already present; nothing changed", file=sys.stderr)
        return 0
    if args.orders is not None:
        return _seed_orders(url, args.orders, settings.store_credit_share)
    if not (args.stores and args.products):
        print("seed: give --demo, --orders N, or both --stores N and --products M", file=sys.stderr)
        return 2

    async def scale() -> dict[str, int]:
        from .persistence.db import open_database
        from .persistence.seed.demo import DEMO_PASSWORD
        from .persistence.seed.scale import seed_scale
        from .security import hash_password

        async with open_database(url, pool_size=2):
            return await seed_scale(
                args.stores, args.products, hash_password(DEMO_PASSWORD), store_share=settings.store_credit_share
            )

    counts = asyncio.run(scale())
    print(" ".join(f"{k}={v}" for k, v in counts.items()), file=sys.stderr)
    return 0


def _seed_orders(url: str, count: int, store_share: Decimal) -> int:
    if not 1 <= count <= 20_000_000:
        print("seed: --orders must be between 1 and 20000000", file=sys.stderr)
        return 2

    async def run() -> dict[str, int]:
        from .persistence.db import open_database
        from .persistence.seed.orders import seed_orders

        async with open_database(url, pool_size=2):
            return await seed_orders(count, store_share=store_share)

    started = time.perf_counter()
    counts = asyncio.run(run())
    took = time.perf_counter() - started
    print(" ".join(f"{k}={v}" for k, v in counts.items()) + f" seconds={took:.1f}", file=sys.stderr)
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    return report_cli.run(args, _database_url(load_settings()))


def cmd_token(args: argparse.Namespace) -> int:
    from .persistence.db import open_database
    from .resolvers.auth import TokenRequestError, principal_for
    from .security import TokenService

    settings = load_settings(demo=True)  # a demo secret is created on first use, as `serve --demo` does
    url = _database_url(settings)
    role = Role(args.role)

    async def resolve() -> str:
        async with open_database(url, pool_size=1):
            principal = await principal_for(
                role=role, store=args.store, staff_email=args.staff, member_number=args.member
            )
        return TokenService(jwt_secret(settings), max_ttl=settings.max_token_ttl).issue(principal, ttl=args.ttl)

    try:
        token = asyncio.run(resolve())
    except (TokenRequestError, ValueError) as error:
        print(f"token: {error}", file=sys.stderr)
        return 2
    print(token)
    return 0


def cmd_sync(args: argparse.Namespace) -> int:
    from pathlib import Path

    from .sync_client import main as sync_main

    settings = load_settings()
    return sync_main(
        args.kind,
        Path(args.file),
        url=args.url,
        token=args.token or os.environ.get("OMNICHANNEL_TOKEN"),
        batch_size=args.batch_size,
        settings=settings,
        database_url=lambda: _database_url(settings),
    )


def cmd_check(args: argparse.Namespace) -> int:
    """`check ledger`: every stock level against the sum of its movements, in one snapshot; exit 1 on a mismatch."""
    from .persistence.db import open_database
    from .resolvers.stock_ledger import check_ledger

    url = _database_url(load_settings())

    async def run() -> tuple[int, list]:  # type: ignore[type-arg]
        async with open_database(url, pool_size=1):
            return await check_ledger(limit=args.limit)

    checked, found = asyncio.run(run())
    for m in found:
        print(
            f"location {m.location_id} variant {m.variant_id}: on hand {m.on_hand} (ledger {m.on_hand_in_ledger}), "
            f"reserved {m.reserved} (ledger {m.reserved_in_ledger})"
        )
    print(f"ledger: {checked} levels checked, {len(found)} not explained by their movements", file=sys.stderr)
    return 1 if found else 0


def cmd_schema(args: argparse.Namespace) -> int:
    from .schema import build_schema

    print(build_schema().as_str())
    return 0


def _exit_on_sigterm(signum: int, frame: object) -> None:
    raise SystemExit(0)  # a normal exit: clean-up (the embedded database's) runs


def cmd_serve(args: argparse.Namespace) -> int:
    # uvicorn shuts down gracefully on SIGTERM, then raises the signal again for the handler it found:
    # Python's default would end the process without its exit handlers
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    settings = load_settings(demo=args.demo)
    _configure_logging(settings.log_level)
    url = _database_url(settings)
    if settings.demo:
        asyncio.run(_migrate(url))
        if asyncio.run(_seed_demo(url, settings.store_credit_share)):
            log.info("demo data loaded")
    jwt_secret(settings)  # fail now, not in every worker, when production has no signing key
    os.environ["DATABASE_URL"] = url
    if settings.demo:
        os.environ["OMNICHANNEL_DEMO"] = "1"
    if args.workers > 1 and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="omnichannel-metrics-")
    if args.workers > 1 and not settings.redis_url:
        if settings.response_cache_ttl > 0:
            raise ConfigError(
                "OMNICHANNEL_RESPONSE_CACHE_TTL with several workers needs REDIS_URL: without it a stock change "
                "in one worker would not empty the others' caches."
            )
        log.warning("several workers without REDIS_URL: live events reach only subscribers of the same worker")
    log.info("serving on http://%s:%d/graphql (%d worker(s))", args.host, args.port, args.workers)
    with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C is how a demo ends, not an error
        _run_workers(args, settings)
    return 0


def _run_workers(args: argparse.Namespace, settings: Settings) -> None:
    from . import workers

    workers.run(
        "omnichannel.app:create_app_from_env",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        loop=args.loop,
        http="httptools",
        access_log=False,
        log_level=settings.log_level.lower(),
        lifespan="on",
        ws_max_size=settings.max_body_bytes,  # websocket messages are bounded like request bodies
        # live events are small JSON: compressing them saves nothing and costs ~40 KB per socket
        ws_per_message_deflate=False,
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="omnichannel", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the API")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    serve.add_argument("--demo", action="store_true", help="also migrate and seed demo data; open introspection")
    serve.add_argument(
        "--loop", default="asyncio", choices=["asyncio", "uvloop"], help="event loop (asyncio measured best)"
    )
    serve.set_defaults(func=cmd_serve)

    sub.add_parser("migrate", help="bring the database schema up to date").set_defaults(func=cmd_migrate)

    seed = sub.add_parser("seed", help="load the demo data set or a large benchmark data set")
    seed.add_argument("--demo", action="store_true")
    seed.add_argument("--stores", type=int)
    seed.add_argument("--products", type=int)
    seed.add_argument("--orders", type=int, help="add N paid orders over 180 days with their report rollups")
    seed.set_defaults(func=cmd_seed)

    report = sub.add_parser("report", help="a report as a table, CSV or a PNG chart (Asia/Shanghai days)")
    report_cli.add_arguments(report)
    report.set_defaults(func=cmd_report)

    token = sub.add_parser("token", help="print a signed access token")
    token.add_argument("--role", required=True, choices=[r.value for r in Role])
    token.add_argument("--store", help="store code; for store roles picks a staff member of that role there")
    token.add_argument("--staff", help="staff email")
    token.add_argument("--member", help="member number, e.g. M0001")
    token.add_argument("--ttl", type=int, default=12 * 3600, help="seconds the token is valid")
    token.set_defaults(func=cmd_token)

    sub.add_parser("schema", help="print the GraphQL schema (SDL)").set_defaults(func=cmd_schema)

    sync = sub.add_parser("sync", help="ERP side: send counted stock or the product master from a CSV file")
    sync.add_argument("kind", choices=["stock", "products"])
    sync.add_argument("file", help="CSV with a header naming the input fields (see README: the ERP contract)")
    sync.add_argument("--url", help="a server's /graphql; without it batches go straight to the database")
    sync.add_argument("--token", help="a SERVICE token for --url (default: $OMNICHANNEL_TOKEN)")
    sync.add_argument("--batch-size", type=int, default=5000, help="rows per batch (at most 10,000)")
    sync.set_defaults(func=cmd_sync)
    check = sub.add_parser("check", help="check stored data against its invariants")
    check.add_argument("what", choices=["ledger"], help="ledger: each stock level equals the sum of its movements")
    check.add_argument("--limit", type=int, default=1000, help="report at most this many mismatches")
    check.set_defaults(func=cmd_check)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command != "serve":
        _configure_logging(os.environ.get("OMNICHANNEL_LOG_LEVEL", "WARNING").upper())
    try:
        return int(args.func(args))
    except ConfigError as error:
        print(f"omnichannel: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
