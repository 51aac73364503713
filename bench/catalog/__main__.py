"""The catalogue benchmark: GraphQL server against the bare Starlette + asyncpg floor, same data, same load.

    python -m bench.catalog            # seed a fresh database, measure both, print figures, clean up

See bench/catalog/README.md for what it measures and every option.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg

from omnichannel.persistence.db import create_database, drop_database, migrate, with_database

from .wrk import run_wrk

ROOT = Path(__file__).resolve().parents[2]
SEED_BUDGET_S = 120.0
LOAD_AT_START = os.getloadavg()

QUERY = (
    "query Catalog { products(first: %(first)d) { edges { node { title variants { sku price(channel: APP) { amount } "
    "stock(storeIds: [%(stores)s]) { available store { name } } } } } } }"
)


@dataclass
class Server:
    name: str
    url: str
    body: bytes
    process: subprocess.Popen[bytes]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.catalog", description=__doc__)
    parser.add_argument(
        "--server-url",
        default=os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres"),
        help="PostgreSQL server (any database on it); a fresh database is created there",
    )
    parser.add_argument("--reuse-db", metavar="NAME", help="use this already seeded database; do not seed or drop it")
    parser.add_argument("--keep-db", action="store_true", help="do not drop the fresh database at the end")
    parser.add_argument("--stores", type=int, default=500)
    parser.add_argument("--products", type=int, default=20000)
    parser.add_argument("--first", type=int, default=50, help="products per page (N)")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--duration", type=float, default=15.0, help="measured seconds per server")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds of load before each measurement")
    parser.add_argument(
        "--rounds", type=int, default=3, help="measure both servers this many times, alternating (medians reported)"
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=len(os.sched_getaffinity(0)),
        help="uvicorn worker processes for both servers (default: one per CPU; fewer than the CPUs pins them)",
    )
    parser.add_argument("--loop", default="asyncio", choices=["asyncio", "uvloop"], help="event loop (both servers)")
    parser.add_argument("--pool-size", type=int, default=None, help="DB connections per worker (both servers)")
    parser.add_argument(
        "--tool",
        default="auto",
        choices=["auto", "wrk", "python"],
        help="load generator: wrk when installed, else the Python one (auto)",
    )
    parser.add_argument("--no-pin", action="store_true", help="do not pin servers and load generator to cores")
    parser.add_argument("--only", choices=["graphql", "bare"], help="measure one server only")
    parser.add_argument(
        "--graphql-env",
        action="append",
        default=[],
        metavar="K=V",
        help="extra environment for the GraphQL server only (e.g. OMNICHANNEL_DB_POOL_SIZE=20)",
    )
    parser.add_argument("--label", default="graphql", help="name of the GraphQL row in the output")
    parser.add_argument("--json", metavar="FILE", help="also write the figures as JSON here")
    return parser.parse_args(argv)


def cpu_plan(workers: int, pin: bool) -> tuple[list[int] | None, list[int] | None]:
    """Cores for the servers and for the load generator; None when pinning is off or impossible."""
    cpus = sorted(os.sched_getaffinity(0))
    if not pin or shutil.which("taskset") is None or workers >= len(cpus):
        return None, None  # the servers need every core: let the scheduler share them
    return cpus[:workers], cpus[workers:]


def pinned(cmd: list[str], cores: list[int] | None) -> list[str]:
    return ["taskset", "-c", ",".join(map(str, cores)), *cmd] if cores else cmd


async def seed(url: str, stores: int, products: int) -> float:
    await create_database(url, exist_ok=False)
    started = time.perf_counter()
    env = {**os.environ, "DATABASE_URL": url, "OMNICHANNEL_LOG_LEVEL": "WARNING"}
    cmd = [sys.executable, "-m", "omnichannel.cli", "seed", "--stores", str(stores), "--products", str(products)]
    await asyncio.to_thread(subprocess.run, cmd, env=env, check=True, cwd=ROOT)
    return time.perf_counter() - started


async def pick_stores(url: str, first: int) -> tuple[list[int], int]:
    """The five locations stocking the most variants of the first page (the benchmark's storeIds)."""
    conn = await asyncpg.connect(url)
    try:
        rows = await conn.fetch(
            "WITH page AS (SELECT id FROM product WHERE active ORDER BY id LIMIT $1) "
            "SELECT s.location_id, count(*) AS n FROM stock_level s JOIN variant v ON v.id = s.variant_id "
            "WHERE v.product_id IN (SELECT id FROM page) GROUP BY s.location_id ORDER BY n DESC, s.location_id LIMIT 5",
            first,
        )
        variants = await conn.fetchval(
            "SELECT count(*) FROM variant WHERE active AND product_id IN "
            "(SELECT id FROM product WHERE active ORDER BY id LIMIT $1)",
            first,
        )
    finally:
        await conn.close()
    return [r["location_id"] for r in rows], int(variants)


def store_gid(pk: int) -> str:
    import base64

    return base64.urlsafe_b64encode(f"Store:{pk}".encode()).decode().rstrip("=")


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serve(name: str, cmd: list[str], env: dict[str, str], url: str, body: bytes, health: str):
    log = tempfile.NamedTemporaryFile(prefix=f"bench-{name}-", suffix=".log", delete=False)  # noqa: SIM115
    process = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"{name} server exited; see {log.name}:\n{Path(log.name).read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(health, timeout=1) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"{name} server did not start; see {log.name}")
            time.sleep(0.2)
        yield Server(name, url, body, process)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        log.close()
        os.unlink(log.name)


def post(url: str, body: bytes) -> bytes:
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"}, method="POST")
    with urllib.request.urlopen(request, timeout=30) as response:
        return bytes(response.read())


def count_fields(value: Any) -> int:
    if isinstance(value, dict):
        return sum(1 + count_fields(v) for v in value.values())
    if isinstance(value, list):
        return sum(count_fields(v) for v in value)
    return 0


def process_tree_cpu(pid: int) -> float:
    """CPU seconds (user + system) used so far by a process and all its descendants."""
    tick = os.sysconf("SC_CLK_TCK")
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(entry)] = int(fields[1])
        times[int(entry)] = (int(fields[11]) + int(fields[12])) / tick
    tree, frontier = {pid}, [pid]
    while frontier:
        parent = frontier.pop()
        children = [p for p, pp in parents.items() if pp == parent and p not in tree]
        tree.update(children)
        frontier.extend(children)
    return sum(times.get(p, 0.0) for p in tree)


def machine_busy() -> tuple[int, int]:
    with open("/proc/stat") as f:
        values = [int(v) for v in f.readline().split()[1:]]
    return sum(values), values[3] + values[4]  # total, idle + iowait


def drive(server: Server, args: argparse.Namespace, cores: list[int] | None, tool: str) -> dict[str, Any]:
    """Warm up, then measure; also the server's CPU per request and how busy the whole machine was."""
    if args.warmup > 0:
        load(server, args, cores, tool, args.warmup)
    cpu_before, (total_before, idle_before) = process_tree_cpu(server.process.pid), machine_busy()
    result = load(server, args, cores, tool, args.duration)
    cpu_after, (total_after, idle_after) = process_tree_cpu(server.process.pid), machine_busy()
    result["server_cpu_ms_per_request"] = round((cpu_after - cpu_before) / max(1, result["requests"]) * 1000, 2)
    result["machine_busy_pct"] = round(100 * (1 - (idle_after - idle_before) / max(1, total_after - total_before)))
    return result


def load(
    server: Server, args: argparse.Namespace, cores: list[int] | None, tool: str, seconds: float
) -> dict[str, Any]:
    if tool == "wrk":
        return run_wrk(server.url, server.body, args.connections, seconds, 0, cores)
    with tempfile.NamedTemporaryFile(suffix=".json") as body_file:
        body_file.write(server.body)
        body_file.flush()
        cmd = [
            sys.executable,
            "-m",
            "bench.catalog.loadgen",
            "--url",
            server.url,
            "--body-file",
            body_file.name,
            "--connections",
            str(args.connections),
            "--duration",
            str(seconds),
        ]
        done = subprocess.run(pinned(cmd, cores), cwd=ROOT, capture_output=True, check=True, timeout=seconds * 3 + 60)
    return dict(json.loads(done.stdout))


def median_row(rows: list[dict[str, Any]]) -> dict[str, Any]:
    ordered = sorted(rows, key=lambda r: r["rps"])
    return ordered[len(ordered) // 2]


def report(
    args: argparse.Namespace, context: dict[str, Any], results: dict[str, list[dict[str, Any]]]
) -> dict[str, Any]:
    print()
    for key, value in context.items():
        print(f"{key:>22}: {value}")
    print()
    header = ("server", "rps", "p50 ms", "p99 ms", "max ms", "requests", "errors", "cpu ms/req", "busy %")
    print(f"{header[0]:<12} " + " ".join(f"{h:>10}" for h in header[1:]) + "   rounds (rps)")
    summary: dict[str, Any] = {"context": context, "servers": {}}
    for name, rows in results.items():
        row = median_row(rows)
        errors = row.get("non_2xx", 0) + row.get("errors", 0) + row.get("timeouts", 0)
        rounds = " ".join(f"{r['rps']:.0f}" for r in rows)
        print(
            f"{name:<12} {row['rps']:>10.1f} {row['p50_ms']:>10.1f} {row['p99_ms']:>10.1f} {row['max_ms']:>10.1f} "
            f"{row['requests']:>10} {errors:>10} {row['server_cpu_ms_per_request']:>10.2f} "
            f"{row['machine_busy_pct']:>10}   {rounds}"
        )
        summary["servers"][name] = {"median": row, "rounds": rows}
    if "bare" in results and len(results) == 2:
        name = next(n for n in results if n != "bare")
        ratio = median_row(results[name])["rps"] / median_row(results["bare"])["rps"]
        cpu_ratio = median_cpu(results["bare"]) / median_cpu(results[name])
        summary["ratio"] = round(ratio, 3)
        summary["cpu_ratio"] = round(cpu_ratio, 3)
        print(f"\nratio {name}/bare requests/s: {ratio:.2f}  (target >= 0.40)")
        print(f"server CPU per request, bare/{name}: {cpu_ratio:.2f}  (the same ratio without the rest of the machine)")
    return summary


def median_cpu(rows: list[dict[str, Any]]) -> float:
    values = sorted(r["server_cpu_ms_per_request"] for r in rows)
    return float(values[len(values) // 2])


async def prepare(args: argparse.Namespace) -> tuple[str, bool, float | None]:
    if args.reuse_db:
        url = with_database(args.server_url, args.reuse_db)
        await migrate(url)  # a database seeded by an older version gets the newer tables (idempotent)
        return url, False, None
    url = with_database(args.server_url, f"omni_bench_{secrets.token_hex(4)}")
    print(f"seeding {args.stores} stores x {args.products} products into {url.rsplit('/', 1)[-1]} ...", flush=True)
    try:
        seconds = await seed(url, args.stores, args.products)
    except BaseException:
        await drop_database(url)
        raise
    verdict = "ok" if seconds < SEED_BUDGET_S else f"OVER the {SEED_BUDGET_S:.0f} s budget"
    print(f"seeded (migrations + data) in {seconds:.1f} s: {verdict}", flush=True)
    return url, not args.keep_db, seconds


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    tool = args.tool
    if tool == "auto":
        tool = "wrk" if shutil.which("wrk") else "python"
    url, drop, seed_seconds = asyncio.run(prepare(args))
    try:
        return measure(args, url, tool, seed_seconds)
    finally:
        if drop:
            asyncio.run(drop_database(url))
            print(f"dropped database {url.rsplit('/', 1)[-1]}")


def measure(args: argparse.Namespace, url: str, tool: str, seed_seconds: float | None) -> int:
    store_ids, variants = asyncio.run(pick_stores(url, args.first))
    stores = ", ".join(f'"{store_gid(pk)}"' for pk in store_ids)
    graphql_body = json.dumps({"query": QUERY % {"first": args.first, "stores": stores}}).encode()
    bare_body = json.dumps(
        {"first": args.first, "channel": "APP", "storeIds": [store_gid(pk) for pk in store_ids]}
    ).encode()
    server_cores, load_cores = cpu_plan(args.workers, not args.no_pin)

    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "OMNICHANNEL_DEMO")}
    env.update(
        {"DATABASE_URL": url, "OMNICHANNEL_JWT_SECRET": secrets.token_urlsafe(32), "OMNICHANNEL_LOG_LEVEL": "WARNING"}
    )
    if args.pool_size:
        env["OMNICHANNEL_DB_POOL_SIZE"] = str(args.pool_size)
    graphql_env = dict(env)
    for item in args.graphql_env:
        key, _, value = item.partition("=")
        graphql_env[key] = value

    gport, bport = free_port(), free_port()
    common = ["--host", "127.0.0.1", "--workers", str(args.workers), "--loop", args.loop]
    graphql_cmd = [sys.executable, "-m", "omnichannel.cli", "serve", "--port", str(gport), *common]
    bare_cmd = [sys.executable, "-m", "bench.catalog.bare", "--port", str(bport), *common]
    wanted = [args.only] if args.only else ["graphql", "bare"]
    results: dict[str, list[dict[str, Any]]] = {}
    with ExitStack() as stack:
        servers: list[Server] = []
        if "graphql" in wanted:
            servers.append(
                stack.enter_context(
                    serve(
                        args.label,
                        pinned(graphql_cmd, server_cores),
                        graphql_env,
                        f"http://127.0.0.1:{gport}/graphql",
                        graphql_body,
                        f"http://127.0.0.1:{gport}/healthz",
                    )
                )
            )
        if "bare" in wanted:
            servers.append(
                stack.enter_context(
                    serve(
                        "bare",
                        pinned(bare_cmd, server_cores),
                        env,
                        f"http://127.0.0.1:{bport}/products",
                        bare_body,
                        f"http://127.0.0.1:{bport}/healthz",
                    )
                )
            )
        answers = {s.name: post(s.url, s.body) for s in servers}
        decoded = {name: json.loads(body) for name, body in answers.items()}
        for name, value in decoded.items():
            if "errors" in value:
                raise SystemExit(f"{name} answered with errors: {value['errors'][:3]}")
        first = next(iter(decoded.values()))
        same = all(v == first for v in decoded.values())
        if not same:
            raise SystemExit("the servers' responses differ; the comparison would be meaningless")
        for _ in range(args.rounds):
            for server in servers:
                print(
                    f"driving {server.name}: {args.connections} connections, {args.warmup:g} s warm-up + "
                    f"{args.duration:g} s ({tool}) ...",
                    flush=True,
                )
                results.setdefault(server.name, []).append(drive(server, args, load_cores, tool))
    context = {
        "data set": f"{args.stores} stores x {args.products} products"
        + (f", seeded in {seed_seconds:.1f} s" if seed_seconds else ""),
        "query": f"products(first: {args.first}), 5 storeIds, {variants} variants",
        "response": f"{len(next(iter(answers.values())))} bytes, {count_fields(first)} fields"
        + (", identical on both servers" if len(answers) == 2 else ""),
        "servers": f"uvicorn, {args.workers} worker(s), loop {args.loop}, httptools"
        + (f", pool {args.pool_size}" if args.pool_size else ", default pool"),
        "pinning": f"servers on CPU {server_cores}, load on CPU {load_cores}" if server_cores else "none",
        "machine": f"{len(os.sched_getaffinity(0))} CPUs, load average {LOAD_AT_START[0]:.2f} at start "
        "(other processes take CPU from both servers alike; compare rounds and cpu ms/req)",
        "load": f"{tool}, {args.connections} connections, {args.duration:g} s after {args.warmup:g} s warm-up",
    }
    summary = report(args, context, results)
    if args.json:
        Path(args.json).write_text(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
