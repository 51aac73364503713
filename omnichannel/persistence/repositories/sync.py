"""Bulk sync batches: claiming a batch id once (replays read the first result) - the sync repository."""

from __future__ import annotations

from collections.abc import Sequence

import orjson

from ...domain.errors import ErrorCode
from ...domain.sync import RowError, SyncResult
from ..db import execute, fetch
from ..session import Session
from .sync_products import ProductSync
from .sync_stock import StockSync


def result_json(result: SyncResult) -> str:
    return orjson.dumps(
        {
            "batchId": result.batch_id,
            "applied": result.applied,
            "unchanged": result.unchanged,
            "rejected": [[e.row, e.code.value, e.message] for e in result.rejected],
        }
    ).decode()


def result_of(raw: str) -> SyncResult:
    data = orjson.loads(raw)
    rejected: Sequence[list[object]] = data["rejected"]
    return SyncResult(
        data["batchId"],
        data["applied"],
        data["unchanged"],
        tuple(RowError(int(str(r[0])), ErrorCode(str(r[1])), str(r[2])) for r in rejected),
        replayed=True,
    )


class SyncStore(StockSync, ProductSync):
    """domain.ports.SyncRepository over PostgreSQL."""

    def __init__(self, session: Session) -> None:
        self._session = session

    async def claim(self, kind: str, batch_id: str, actor: str) -> SyncResult | None:
        """Claim the batch id for this transaction: None when it is ours to apply, else the result the
        batch had (a concurrent copy waits on the unique index until the first one commits)."""
        conn = self._session.conn
        mine = await fetch(
            "INSERT INTO sync_batch (kind, batch_id, result, actor) VALUES ($1, $2, '', $3) "
            "ON CONFLICT (kind, batch_id) DO NOTHING RETURNING id",
            [kind, batch_id, actor],
            conn=conn,
        )
        if mine:
            return None
        rows = await fetch(
            "SELECT result FROM sync_batch WHERE kind = $1 AND batch_id = $2", [kind, batch_id], conn=conn
        )
        return result_of(rows[0]["result"])

    async def finish(self, kind: str, result: SyncResult) -> None:
        await execute(
            "UPDATE sync_batch SET result = $3 WHERE kind = $1 AND batch_id = $2",
            [kind, result.batch_id, result_json(result)],
            conn=self._session.conn,
        )
