"""Webhook deliveries per second to a loopback receiver (a separate process answering 200).

K entries are logged and positioned for one webhook, then this process's delivery workers (the
server's own code: 4 slots, claims of 8 with FOR UPDATE SKIP LOCKED, signing, recording) deliver
them all. Baseline, same run: the same signed bodies POSTed by the same HTTP client with the same
concurrency, without the database (claim, record, retry schedule).
"""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from datetime import UTC, datetime

from tortoise.transactions import in_transaction

from omnichannel.domain.events import StockChanged
from omnichannel.domain.webhooks import WebhookPolicy
from omnichannel.persistence.db import fetch, open_pool
from omnichannel.persistence.repositories import event_log as repo
from omnichannel.persistence.repositories import webhooks as hooks
from omnichannel.resolvers.events import delivery
from omnichannel.subscriptions.webhook_http import WebhookSender

RECEIVER = textwrap.dedent(
    """
    import asyncio, sys
    async def serve(reader, writer):
        try:
            while True:
                head = await reader.readuntil(b"\\r\\n\\r\\n")
                length = 0
                for line in head.split(b"\\r\\n"):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":")[1])
                await reader.readexactly(length)
                writer.write(b"HTTP/1.1 200 OK\\r\\ncontent-length: 2\\r\\n\\r\\nok")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()
    async def main():
        server = await asyncio.start_server(serve, "127.0.0.1", int(sys.argv[1]), backlog=1024)
        print("ready", flush=True)
        await server.serve_forever()
    asyncio.run(main())
    """
)


@contextlib.contextmanager
def receiver(port: int) -> Iterator[str]:
    process = subprocess.Popen([sys.executable, "-c", RECEIVER, str(port)], stdout=subprocess.PIPE)
    try:
        assert process.stdout is not None and process.stdout.readline().strip() == b"ready"
        yield f"http://127.0.0.1:{port}/hook"
    finally:
        process.terminate()
        process.wait(10)


async def _log_entries(count: int, ids: tuple[int, int]) -> None:
    now = datetime.now(UTC)
    for start in range(0, count, 100):
        events = [StockChanged(*ids, 100 + i, 0, 0, "ADJUSTMENT", now) for i in range(start, min(count, start + 100))]
        async with in_transaction("default") as conn:
            await repo.append(conn, events)
    await repo.sequence()


async def _pending(webhook_id: int) -> int:
    rows = await fetch(
        "SELECT count(*) AS n FROM webhook_delivery WHERE webhook_id = $1 AND status = 'PENDING'", [webhook_id]
    )
    return int(rows[0]["n"])


async def measure(database_url: str, port: int, ids: tuple[int, int], *, count: int = 2000) -> dict[str, float]:
    policy = WebhookPolicy(allow_private_targets=True)
    with receiver(port) as url:
        webhook = await hooks.create(url, ["stock.changed"], "whsec_bench", "bench")
        await _log_entries(count, ids)
        assert await _pending(webhook.id) == count
        pool = await open_pool(database_url, delivery.SLOTS)
        deliverer = delivery.Deliverer(pool, lambda: policy)
        started = time.perf_counter()
        await deliverer.start()
        deliverer.wake()
        while await _pending(webhook.id):  # noqa: ASYNC110 (the database is what we wait on)
            await asyncio.sleep(0.02)
        seconds = time.perf_counter() - started
        await deliverer.stop()
        await pool.close()
        failed = await fetch(
            "SELECT count(*) AS n FROM webhook_delivery WHERE webhook_id = $1 AND status <> 'DELIVERED'", [webhook.id]
        )
        await hooks.delete(webhook.id)

        senders = [WebhookSender(lambda: True) for _ in range(delivery.SLOTS)]  # as the workers have them
        body = b'{"id":"RXZlbnQ6MQ","type":"stock.changed","at":"2026-12-01T10:00:00+00:00","data":{}}'
        in_flight = [asyncio.Semaphore(delivery.BATCH) for _ in senders]

        async def post(n: int) -> bool:
            async with in_flight[n % len(senders)]:
                signed = [(b"omnichannel-signature", b"t=1,v1=x")]
                answer = await senders[n % len(senders)].post(url, body, signed, 10.0)
                return answer.delivered

        started = time.perf_counter()
        answers = await asyncio.gather(*(post(n) for n in range(count)))
        raw_seconds = time.perf_counter() - started
        for sender in senders:
            await sender.aclose()
    return {
        "deliveries": float(count),
        "not_delivered": float(failed[0]["n"]),
        "per_second": count / seconds,
        "raw_posts_per_second": sum(answers) / raw_seconds,
        "ratio": (count / seconds) / (sum(answers) / raw_seconds),
    }
