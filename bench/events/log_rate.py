"""Entries per second through the event log, in one process: writers commit transactions that append
entries (the unit of work's path), the sequencer positions them, a tail reads them back in order.

Baseline, same run: the same transactions inserting the same rows into a plain table of the same
shape (no positions, nobody reading): what a bare INSERT + COMMIT costs here.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime

from tortoise.transactions import in_transaction

from omnichannel.domain.events import StockChanged
from omnichannel.persistence.db import execute
from omnichannel.persistence.repositories import event_log as repo

PLAIN = """CREATE TABLE IF NOT EXISTS bench_plain_log (id bigserial PRIMARY KEY, type varchar(64), at timestamptz,
  recorded_at timestamptz DEFAULT now(), payload jsonb, event text, order_id int, member_id int, variant_id int,
  store_ids int[])"""
PLAIN_INSERT = """INSERT INTO bench_plain_log (type, at, payload, event, variant_id, store_ids)
SELECT x.type, x.at, x.data, x.event, x.variant_id, ARRAY[x.store_id]
FROM jsonb_to_recordset($1::jsonb) AS x(n int, type text, at timestamptz, data jsonb, event text, store_id int,
  variant_id int) ORDER BY x.n"""


def _events(n: int, per_transaction: int, location_id: int, variant_id: int) -> list[StockChanged]:
    now = datetime.now(UTC)
    return [StockChanged(location_id, variant_id, 100 + i, n, 0, "ADJUSTMENT", now) for i in range(per_transaction)]


async def _writers(writers: int, transactions: int, per_transaction: int, plain: bool, ids: tuple[int, int]) -> None:
    async def writer(w: int) -> None:
        for t in range(transactions):
            events = _events(w * transactions + t, per_transaction, *ids)
            async with in_transaction("default") as conn:
                if plain:
                    batch = repo.entries_json(events)
                    await execute(PLAIN_INSERT, [batch], conn=conn)
                else:
                    await repo.append(conn, events)

    await asyncio.gather(*(writer(w) for w in range(writers)))


async def measure(
    ids: tuple[int, int], *, writers: int = 16, transactions: int = 100, per_transaction: int = 5
) -> dict[str, float]:
    total = writers * transactions * per_transaction
    await execute(PLAIN)
    started = time.perf_counter()
    await _writers(writers, transactions, per_transaction, True, ids)
    plain_seconds = time.perf_counter() - started

    start_head = (await repo.sequence()).head
    done = asyncio.Event()

    async def sequencer() -> None:
        while not done.is_set():
            await repo.sequence()
            await asyncio.sleep(0.002)

    async def tail() -> int:
        position, read = start_head, 0
        while read < total:
            rows = await repo.tail(position, 1000)
            if rows:
                position, read = rows[-1].position, read + len(rows)
            else:
                await asyncio.sleep(0.002)
        return read

    started = time.perf_counter()
    sequencing = asyncio.create_task(sequencer())
    reading = asyncio.create_task(tail())
    await _writers(writers, transactions, per_transaction, False, ids)
    committed_seconds = time.perf_counter() - started
    read = await reading
    log_seconds = time.perf_counter() - started
    done.set()
    await sequencing
    return {
        "entries": float(total),
        "read_back": float(read),
        "plain_per_second": total / plain_seconds,
        "committed_per_second": total / committed_seconds,
        "log_per_second": total / log_seconds,
        "ratio": (total / log_seconds) / (total / plain_seconds),
    }
