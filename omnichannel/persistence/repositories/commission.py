"""Commission rules and entries: SQL of the commission area (entries are append-only)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from ...domain.catalog import SalesChannel
from ...domain.commission import (
    HUNDRED,
    CommissionRule,
    Earning,
    Entry,
    EntryKind,
    LineCommission,
    NewRule,
    SummaryRow,
)
from ...domain.commission_access import Scope
from ..db import execute, fetch
from ..session import Session

RULE_COLUMNS = "id, name, rate_percent, channels, category_ids, valid_from, valid_until, ended_at, created_at"
INSERT_COLUMNS = "staff_id, location_id, order_id, kind, amount, sales, rule_id, reference, at"
ENTRY_COLUMNS = "id, staff_id, location_id, order_id, kind, amount, sales, rule_id, reference, at"


def _ids(raw: str) -> frozenset[int]:
    return frozenset(int(v) for v in raw.split(",") if v)


def to_rule(row: Any) -> CommissionRule:
    return CommissionRule(
        id=row["id"],
        name=row["name"],
        rate_percent=row["rate_percent"].normalize(),
        channels=frozenset(SalesChannel(c) for c in row["channels"].split(",") if c),
        category_ids=_ids(row["category_ids"]),
        valid_from=row["valid_from"],
        valid_until=row["valid_until"],
        ended_at=row["ended_at"],
        created_at=row["created_at"],
    )


def to_entry(row: Any) -> Entry:
    return Entry(
        row["id"],
        row["staff_id"],
        row["location_id"],
        row["order_id"],
        EntryKind(row["kind"]),
        row["amount"],
        row["sales"],
        row["rule_id"],
        row["reference"],
        row["at"],
    )


async def create_rule(
    rule: NewRule, *, actor: str, now: datetime, conn: BaseDBAsyncClient | None = None
) -> CommissionRule:
    rows = await fetch(
        "INSERT INTO commission_rule (name, rate_percent, channels, category_ids, valid_from, valid_until, "
        f"created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING {RULE_COLUMNS}",
        [
            rule.name,
            rule.rate_percent,
            ",".join(sorted(c.value for c in rule.channels)),
            ",".join(str(i) for i in rule.category_ids),
            rule.valid_from,
            rule.valid_until,
            actor,
            now,
        ],
        conn=conn,
    )
    return to_rule(rows[0])


async def end_rule(rule_id: int, now: datetime, *, conn: BaseDBAsyncClient | None = None) -> CommissionRule | None:
    """End a rule now (an ended rule stays as it was); None when there is no such rule."""
    await execute(
        "UPDATE commission_rule SET ended_at = $2 WHERE id = $1 AND ended_at IS NULL", [rule_id, now], conn=conn
    )
    rows = await fetch(f"SELECT {RULE_COLUMNS} FROM commission_rule WHERE id = $1", [rule_id], conn=conn)
    return to_rule(rows[0]) if rows else None


async def rules(*, conn: BaseDBAsyncClient | None = None) -> list[CommissionRule]:
    rows = await fetch(f"SELECT {RULE_COLUMNS} FROM commission_rule ORDER BY id", conn=conn)
    return [to_rule(r) for r in rows]


async def rules_by_ids(ids: Sequence[int]) -> list[CommissionRule]:
    rows = await fetch(f"SELECT {RULE_COLUMNS} FROM commission_rule WHERE id = ANY($1::int[])", [list(ids)])
    return [to_rule(r) for r in rows]


async def missing_categories(ids: Sequence[int], *, conn: BaseDBAsyncClient | None = None) -> list[int]:
    rows = await fetch("SELECT id FROM category WHERE id = ANY($1::int[])", [list(ids)], conn=conn)
    found = {r["id"] for r in rows}
    return [i for i in ids if i not in found]


def _where(scope: Scope, start: datetime | None, end: datetime | None, params: list[Any]) -> str:
    clauses = []
    for column, value in (("staff_id", scope.staff_id), ("location_id", scope.location_id)):
        if value is not None:
            params.append(value)
            clauses.append(f"{column} = ${len(params)}")
    if start is not None:
        params.append(start)
        clauses.append(f"at >= ${len(params)}")
    if end is not None:
        params.append(end)
        clauses.append(f"at < ${len(params)}")
    return " AND ".join(clauses) or "TRUE"


async def entries_page(
    scope: Scope, *, start: datetime | None, end: datetime | None, before_id: int | None, limit: int
) -> list[Entry]:
    """Newest first, keyset-paginated by id."""
    params: list[Any] = []
    where = _where(scope, start, end, params)
    if before_id is not None:
        params.append(before_id)
        where += f" AND id < ${len(params)}"
    params.append(limit)
    rows = await fetch(
        f"SELECT {ENTRY_COLUMNS} FROM commission_entry WHERE {where} ORDER BY id DESC LIMIT ${len(params)}", params
    )
    return [to_entry(r) for r in rows]


async def summary(scope: Scope, *, start: datetime, end: datetime) -> list[SummaryRow]:
    """Per clerk over [start, end): orders paid (EARNED entries), net sales, net commission."""
    params: list[Any] = []
    where = _where(scope, start, end, params)
    rows = await fetch(
        "SELECT staff_id, count(*) FILTER (WHERE kind = 'EARNED')::int AS orders, sum(sales) AS sales, "
        f"sum(amount) AS commission FROM commission_entry WHERE {where} GROUP BY staff_id "
        "ORDER BY sum(amount) DESC, staff_id",
        params,
    )
    return [SummaryRow(r["staff_id"], r["orders"], r["sales"], r["commission"]) for r in rows]


class CommissionRuleStore:
    """Head office's commission rules, the unit of work's repository (domain.ports.CommissionRuleRepository)."""

    def __init__(self, session: Session) -> None:
        self._session = session

    async def create(self, rule: NewRule, *, actor: str, now: datetime) -> CommissionRule:
        return await create_rule(rule, actor=actor, now=now, conn=self._session.conn)

    async def end(self, rule_id: int, now: datetime) -> CommissionRule | None:
        return await end_rule(rule_id, now, conn=self._session.conn)

    async def missing_categories(self, ids: Sequence[int]) -> list[int]:
        return await missing_categories(ids, conn=self._session.conn)


class CommissionStore:
    """Commission entries, written in the order's transaction (domain.ports.CommissionRepository)."""

    def __init__(self, session: Session) -> None:
        self._session = session

    @property
    def _conn(self) -> BaseDBAsyncClient | None:
        return self._session.conn

    async def rules(self) -> list[CommissionRule]:
        return await rules(conn=self._conn)

    async def earned(
        self, *, staff_id: int, location_id: int | None, order_id: int, earning: Earning, reference: str, at: datetime
    ) -> bool:
        """The EARNED entry and its lines; False when this order already has one (payment is once)."""
        rows = await fetch(
            f"INSERT INTO commission_entry ({INSERT_COLUMNS}) "
            "VALUES ($1, $2, $3, 'EARNED', $4, $5, $6, $7, $8) ON CONFLICT (order_id, kind, reference) DO NOTHING "
            "RETURNING id",
            [staff_id, location_id, order_id, earning.amount, earning.sales, earning.rule_id, reference, at],
            conn=self._conn,
        )
        if not rows:
            return False
        await execute(
            "INSERT INTO commission_line (entry_id, position, base, rule_id, rate_percent) "
            "SELECT $1, * FROM unnest($2::int[], $3::numeric[], $4::int[], $5::numeric[])",
            [
                rows[0]["id"],
                [c.position for c in earning.lines],
                [c.base for c in earning.lines],
                [c.rule_id for c in earning.lines],
                [c.rate_percent for c in earning.lines],
            ],
            conn=self._conn,
        )
        return True

    async def of_order(self, order_id: int) -> list[Entry]:
        """The order's entries, locked (FOR UPDATE), oldest first."""
        rows = await fetch(
            f"SELECT {ENTRY_COLUMNS} FROM commission_entry WHERE order_id = $1 ORDER BY id FOR UPDATE",
            [order_id],
            conn=self._conn,
        )
        return [to_entry(r) for r in rows]

    async def lines_of(self, entry_id: int) -> list[LineCommission]:
        """What each line of an EARNED entry earned (base, rule, rate; the exact figure recomputed)."""
        rows = await fetch(
            "SELECT position, base, rule_id, rate_percent FROM commission_line WHERE entry_id = $1 ORDER BY position",
            [entry_id],
            conn=self._conn,
        )
        return [
            LineCommission(
                r["position"], r["base"], r["rule_id"], r["rate_percent"], r["base"] * r["rate_percent"] / HUNDRED
            )
            for r in rows
        ]

    async def reversed(self, *, entry: Entry, amount: Decimal, sales: Decimal, reference: str, at: datetime) -> bool:
        rows = await fetch(
            f"INSERT INTO commission_entry ({INSERT_COLUMNS}) "
            "VALUES ($1, $2, $3, 'REVERSED', $4, $5, $6, $7, $8) ON CONFLICT (order_id, kind, reference) DO NOTHING "
            "RETURNING id",
            [entry.staff_id, entry.location_id, entry.order_id, amount, sales, entry.rule_id, reference, at],
            conn=self._conn,
        )
        return bool(rows)
