"""A closed-loop HTTP/1.1 load generator: N keep-alive connections, each sending the next request as soon
as the previous response has been read in full (what `wrk -cN` does). Used when wrk is not installed.

Runs in its own process (the orchestrator starts it with `python -m bench.catalog.loadgen`) so its CPU
is not the server's; raw asyncio protocols, a pre-built request, no HTTP library, so it costs little.
Prints one JSON object: requests, errors, rps, latency percentiles in milliseconds.

    python -m bench.catalog.loadgen --url http://127.0.0.1:8000/graphql --body '{"query":"{ __typename }"}' \
        --connections 32 --duration 15
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import json
import sys
import time
from urllib.parse import urlsplit


def build_request(url: str, body: bytes) -> tuple[str, int, bytes]:
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    head = (
        f"POST {parts.path or '/'} HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: application/json\r\n"
        f"Accept: application/json\r\nContent-Length: {len(body)}\r\nConnection: keep-alive\r\n\r\n"
    )
    return host, port, head.encode() + body


class Stats:
    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.errors = 0
        self.non_2xx = 0
        self.timeouts = 0
        self.bytes = 0
        self.measuring = False
        self.stop = False


class Client(asyncio.Protocol):
    """One keep-alive connection; parses just enough HTTP/1.1 to find each response's end."""

    def __init__(self, request: bytes, stats: Stats, done: asyncio.Future[None]) -> None:
        self.request = request
        self.stats = stats
        self.done = done
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.body_left = -1  # -1: still reading headers
        self.chunked = False
        self.status = 0
        self.started = 0.0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self.send()

    def send(self) -> None:
        self.started = time.perf_counter()
        self.body_left = -1
        self.transport.write(self.request)  # type: ignore[union-attr]

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while True:
            if self.body_left < 0:
                end = self.buffer.find(b"\r\n\r\n")
                if end < 0:
                    return
                head = bytes(self.buffer[:end]).decode("latin-1").lower()
                del self.buffer[: end + 4]
                self.status = int(head[9:12])
                self.chunked = "transfer-encoding: chunked" in head
                length = 0
                for line in head.split("\r\n"):
                    if line.startswith("content-length:"):
                        length = int(line[15:])
                self.body_left = length
            if self.chunked:
                marker = self.buffer.find(b"0\r\n\r\n")  # good enough for a benchmark: JSON bodies contain no CRLF
                if marker < 0:
                    return
                if self.stats.measuring:
                    self.stats.bytes += marker
                del self.buffer[: marker + 5]
            else:
                if len(self.buffer) < self.body_left:
                    return
                if self.stats.measuring:
                    self.stats.bytes += self.body_left
                del self.buffer[: self.body_left]
            self.finished()
            if self.transport is None or self.transport.is_closing():
                return

    def finished(self) -> None:
        stats = self.stats
        if stats.measuring:
            if 200 <= self.status < 300:
                stats.latencies.append(time.perf_counter() - self.started)
            else:
                stats.non_2xx += 1
        if stats.stop:
            self.transport.close()  # type: ignore[union-attr]
            return
        self.send()

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None
        if not self.done.done():
            self.done.set_result(None)


async def run(url: str, body: bytes, connections: int, duration: float, warmup: float, patience: float) -> dict:
    loop = asyncio.get_running_loop()
    host, port, request = build_request(url, body)
    stats = Stats()
    deadline = loop.time() + warmup + duration

    async def connection() -> None:
        while not stats.stop:
            done: asyncio.Future[None] = loop.create_future()
            try:
                transport, client = await loop.create_connection(
                    functools.partial(Client, request, stats, done), host, port
                )
            except OSError:
                stats.errors += 1
                await asyncio.sleep(0.1)
                continue
            while not done.done():
                try:
                    await asyncio.wait_for(asyncio.shield(done), min(patience, max(0.01, deadline - loop.time())))
                except TimeoutError:
                    if stats.stop:
                        transport.close()
                        break
                    if time.perf_counter() - client.started > patience:
                        if stats.measuring:
                            stats.timeouts += 1
                        transport.close()
                        break
            if not stats.stop and stats.measuring:
                stats.errors += 1  # the server closed the connection
            await done

    tasks = [asyncio.create_task(connection()) for _ in range(connections)]
    await asyncio.sleep(warmup)
    stats.measuring = True
    started = time.perf_counter()
    await asyncio.sleep(duration)
    stats.measuring = False
    elapsed = time.perf_counter() - started
    stats.stop = True
    await asyncio.wait(tasks, timeout=patience + 1)
    for task in tasks:
        task.cancel()
    return summary(stats, elapsed, connections)


def percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, round(q * len(sorted_values)) - 1))
    return sorted_values[index]


def summary(stats: Stats, elapsed: float, connections: int) -> dict:
    lat = sorted(stats.latencies)
    ms = 1000.0
    return {
        "tool": "python",
        "connections": connections,
        "seconds": round(elapsed, 3),
        "requests": len(lat),
        "rps": round(len(lat) / elapsed, 1),
        "p50_ms": round(percentile(lat, 0.50) * ms, 2),
        "p90_ms": round(percentile(lat, 0.90) * ms, 2),
        "p99_ms": round(percentile(lat, 0.99) * ms, 2),
        "max_ms": round((lat[-1] if lat else float("nan")) * ms, 2),
        "non_2xx": stats.non_2xx,
        "errors": stats.errors,
        "timeouts": stats.timeouts,
        "mb_read": round(stats.bytes / 1e6, 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", required=True)
    parser.add_argument("--body", help="request body (JSON text)")
    parser.add_argument("--body-file", help="file holding the request body")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--duration", type=float, default=15.0)
    parser.add_argument("--warmup", type=float, default=0.0, help="seconds of load before measuring")
    parser.add_argument("--timeout", type=float, default=10.0, help="a response slower than this is a timeout")
    args = parser.parse_args(argv)
    if args.body_file:
        with open(args.body_file, "rb") as f:
            body = f.read()
    elif args.body:
        body = args.body.encode()
    else:
        parser.error("give --body or --body-file")
    try:
        import uvloop  # the generator's own loop; the fastest one keeps its CPU share small

        runner = uvloop.run
    except ImportError:
        runner = asyncio.run
    result = runner(run(args.url, body, args.connections, args.duration, args.warmup, args.timeout))
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
