"""Bulk loading with COPY, through the ORM's own connection pool."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from ..db import connection
from ..db import execute as db_execute
from ..db import fetch as db_fetch


async def copy_rows(table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    records = [tuple(r) for r in rows]
    if not records:
        return 0
    async with connection().acquire_connection() as conn:
        await conn.copy_records_to_table(table, records=records, columns=list(columns))
    return len(records)


async def fetch(sql: str, *args: Any) -> list[Any]:
    return await db_fetch(sql, list(args))


async def execute(sql: str, *args: Any) -> None:
    await db_execute(sql, list(args))


async def reset_sequences(tables: Sequence[str]) -> None:
    """After COPY with explicit ids, move each serial sequence past the highest id."""
    for table in tables:
        await execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
            f"COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
        )
