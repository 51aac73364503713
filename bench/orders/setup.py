"""A fresh benchmark database: migrated, demo data, deep stock, tokens, and a server to measure."""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import httpx

OMNICHANNEL = str(Path(sys.executable).parent / "omnichannel")
JWT_SECRET = "bench-secret-" + "b" * 32
TOP_UP = 1_000_000  # units added to every stocked (store, variant): no order ever runs short


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


def _dsn(url: str) -> str:
    parts = urlsplit(url)
    scheme = "postgresql" if parts.scheme in ("postgres", "asyncpg") else parts.scheme
    return urlunsplit((scheme, parts.netloc, parts.path, "", ""))


def env_for(database_url: str, redis_url: str | None, **extra: str) -> dict[str, str]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "OMNICHANNEL_JWT_SECRET": JWT_SECRET,
        "OMNICHANNEL_BROKER_NAMESPACE": f"bench-{secrets.token_hex(3)}",
        "OMNICHANNEL_LOG_LEVEL": "WARNING",
        "OMNICHANNEL_DB_POOL_SIZE": "20",
        **extra,
    }
    if redis_url:
        env["REDIS_URL"] = redis_url
    return env


@dataclass
class Fixture:
    database_url: str
    redis_url: str | None
    pairs: list[tuple[int, int]]  # (store id, variant id) with deep stock, stores offering pickup
    hot: tuple[int, int]
    feed_store: int
    member_tokens: list[str]
    clerk_token: str  # staff of feed_store
    service_token: str


def _run(args: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(args, env=env, capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed:\n{done.stderr[-2000:]}")
    return done.stdout.strip()


async def _prepare(url: str) -> tuple[list[tuple[int, int]], int]:
    conn = await asyncpg.connect(_dsn(url))
    try:
        async with conn.transaction():
            await conn.execute(
                "INSERT INTO stock_movement (variant_id, location_id, reason, on_hand_delta, reserved_delta, "
                "on_hand_after, reserved_after, note, reference, actor) "
                "SELECT s.variant_id, s.location_id, 'SYNC', $1, 0, s.on_hand + $1, s.reserved, 'bench top-up', "
                "'bench', 'bench' FROM stock_level s JOIN location l ON l.id = s.location_id "
                "WHERE l.kind = 'STORE' AND l.modes LIKE '%PICKUP%'",
                TOP_UP,
            )
            await conn.execute(
                "UPDATE stock_level s SET on_hand = on_hand + $1 FROM location l WHERE l.id = s.location_id "
                "AND l.kind = 'STORE' AND l.modes LIKE '%PICKUP%'",
                TOP_UP,
            )
        rows = await conn.fetch(
            "SELECT s.location_id, s.variant_id FROM stock_level s JOIN location l ON l.id = s.location_id "
            "WHERE l.kind = 'STORE' AND l.modes LIKE '%PICKUP%' AND s.on_hand >= $1 ORDER BY 1, 2",
            TOP_UP,
        )
        feed = await conn.fetchval("SELECT id FROM location WHERE code = 'S01'")
        return [(r["location_id"], r["variant_id"]) for r in rows], int(feed)
    finally:
        await conn.close()


@contextlib.contextmanager
def database(server_url: str, redis_url: str | None) -> Iterator[Fixture]:
    """A fresh database for this run (dropped afterwards)."""
    name = f"omni_bench_orders_{secrets.token_hex(4)}"
    url = with_database(server_url, name)
    admin = with_database(server_url, "postgres")

    async def ddl(sql: str) -> None:
        conn = await asyncpg.connect(_dsn(admin))
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(ddl(f'CREATE DATABASE "{name}"'))
    try:
        env = env_for(url, redis_url)
        _run([OMNICHANNEL, "seed", "--demo"], env)
        pairs, feed_store = asyncio.run(_prepare(url))
        members = [_run([OMNICHANNEL, "token", "--role", "MEMBER", "--member", f"M{n:04d}"], env) for n in range(1, 21)]
        clerk = _run([OMNICHANNEL, "token", "--role", "CLERK", "--store", "S01"], env)
        service = _run([OMNICHANNEL, "token", "--role", "SERVICE"], env)
        hot = next(p for p in pairs if p[0] == feed_store)
        yield Fixture(url, redis_url, pairs, hot, feed_store, members, clerk, service)
    finally:
        asyncio.run(ddl(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    base: str
    process: subprocess.Popen[bytes]

    def rss_mb(self) -> float:
        """Resident memory of the server process and its workers, in MB."""
        total = 0
        for pid in [self.process.pid, *_children(self.process.pid)]:
            with contextlib.suppress(FileNotFoundError):
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
        return total / 1024

    def cpu_seconds(self) -> float:
        """CPU time (user + system) used so far by the server process and its workers."""
        total = 0
        for pid in [self.process.pid, *_children(self.process.pid)]:
            with contextlib.suppress(FileNotFoundError):
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                total += int(fields[11]) + int(fields[12])
        return total / os.sysconf("SC_CLK_TCK")


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


@contextlib.contextmanager
def serve(fixture: Fixture, *, workers: int = 1, **extra: str) -> Iterator[Server]:
    port = free_port()
    log = Path(tempfile.mkstemp(prefix="bench-orders-", suffix=".log")[1])
    with log.open("wb") as output:
        process = subprocess.Popen(
            [OMNICHANNEL, "serve", "--port", str(port), "--workers", str(workers)],
            env=env_for(fixture.database_url, fixture.redis_url, **extra),
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"server exited:\n{log.read_text()[-2000:]}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                    break
            if time.monotonic() > deadline:
                raise TimeoutError("server not ready")
            time.sleep(0.2)
        time.sleep(0.5 * workers)  # every worker up
        yield Server(base, process)
    finally:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
        log.unlink(missing_ok=True)
