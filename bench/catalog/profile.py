"""Profile the benchmark query in-process: the real app (middleware, strawberry, loaders, SQL), no HTTP.

    python -m bench.catalog.profile --db omni_bench_xxxx [--requests 200] [--concurrency 1] [--pyinstrument]

Calls the ASGI app directly with a minimal receive/send, so what it times is the server's own work
per request (plus PostgreSQL round trips). Prints ms per request; with --pyinstrument, a profile.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import time
from typing import Any

from omnichannel.app import create_app, tune_garbage_collector
from omnichannel.config import load_settings
from omnichannel.persistence.db import with_database

from .__main__ import QUERY, pick_stores, store_gid


async def call(app: Any, path: str, body: bytes) -> bytes:
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 80),
        "state": {},
    }
    sent = False
    chunks: list[bytes] = []

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            await asyncio.sleep(3600)
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, send)
    return b"".join(chunks)


def database_url(db: str) -> str:
    return with_database(os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres"), db)


async def graphql_request(url: str, first: int = 50) -> tuple[Any, bytes]:
    """The app as a serving process builds it (no Redis) and the body of the benchmark's query."""
    store_ids, _ = await pick_stores(url, first)
    stores = ", ".join(f'"{store_gid(pk)}"' for pk in store_ids)
    body = json.dumps({"query": QUERY % {"first": first, "stores": stores}}).encode()
    env = {**os.environ, "DATABASE_URL": url, "OMNICHANNEL_JWT_SECRET": "x" * 40, "OMNICHANNEL_LOG_LEVEL": "WARNING"}
    env.pop("REDIS_URL", None)
    app = create_app(load_settings(env), url)
    tune_garbage_collector()  # as the serving processes do
    return app, body


async def run(args: argparse.Namespace) -> None:
    app, body = await graphql_request(database_url(args.db), args.first)
    async with app.router.lifespan_context(app):
        first = json.loads(await call(app, "/graphql", body))
        assert "errors" not in first, first["errors"]
        for _ in range(20):
            await call(app, "/graphql", body)
        profiler = None
        if args.pyinstrument:
            from pyinstrument import Profiler

            profiler = Profiler(interval=0.0005, async_mode="disabled")
            profiler.start()
        per_task = max(1, args.requests // args.batches // args.concurrency)

        async def worker() -> None:
            for _ in range(per_task):
                await call(app, "/graphql", body)

        cpu_per_request, wall_per_request = [], []
        for _ in range(args.batches):
            started, cpu_started = time.perf_counter(), time.process_time()
            await asyncio.gather(*(worker() for _ in range(args.concurrency)))
            total = per_task * args.concurrency
            cpu_per_request.append((time.process_time() - cpu_started) / total * 1000)
            wall_per_request.append((time.perf_counter() - started) / total * 1000)
        if profiler is not None:
            profiler.stop()
        cpu_per_request.sort()
        wall_per_request.sort()
        print(
            f"{args.batches} x {total} requests: CPU per request min {cpu_per_request[0]:.2f} ms, "
            f"median {cpu_per_request[len(cpu_per_request) // 2]:.2f} ms; wall median "
            f"{wall_per_request[len(wall_per_request) // 2]:.2f} ms"
        )
        if profiler is not None:
            print(profiler.output_text(unicode=True, color=False, show_all=False))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", required=True, help="a seeded database (python -m bench.catalog --keep-db)")
    parser.add_argument("--first", type=int, default=50)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=1)
    parser.add_argument("--batches", type=int, default=5, help="report the min and median over batches")
    parser.add_argument("--pyinstrument", action="store_true")
    parser.add_argument("--loop", default="asyncio", choices=["asyncio", "uvloop"])
    args = parser.parse_args()
    if args.loop == "uvloop":
        import uvloop

        uvloop.run(run(args))
    else:
        asyncio.run(run(args))


if __name__ == "__main__":
    main()
