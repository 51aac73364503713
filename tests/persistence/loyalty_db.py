"""Helpers for ledger tests against the real database."""

from __future__ import annotations

import secrets

from omnichannel.persistence import db
from omnichannel.persistence.uow import TortoiseUnitOfWork, transactional


async def new_member() -> int:
    phone = "137" + "".join(secrets.choice("0123456789") for _ in range(8))

    async def work(uow: TortoiseUnitOfWork) -> int:
        return (await uow.members.create(phone)).id

    member_id, _ = await transactional(work)
    return member_id


async def ledger_state(member_id: int) -> tuple[int, int, int, int]:
    """(balance row, sum of entries, sum of open lots, number of entries)."""
    rows = await db.fetch(
        "SELECT m.points_balance, COALESCE(SUM(e.points), 0) AS total, COALESCE(SUM(e.remaining), 0) AS lots, "
        "count(e.id) AS n FROM member m LEFT JOIN points_entry e ON e.member_id = m.id WHERE m.id = $1 "
        "GROUP BY m.points_balance",
        [member_id],
    )
    row = rows[0]
    return row["points_balance"], int(row["total"]), int(row["lots"]), int(row["n"])
