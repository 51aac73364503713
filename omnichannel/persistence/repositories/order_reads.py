"""Reading orders, their lines and fulfilments (for loaders and lists; no locks)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from ...domain.catalog import SalesChannel
from ...domain.order_totals import PricedLine
from ...domain.orders import Fulfillment, FulfillmentLine, Order, OrderStatus
from ..db import fetch
from ..order_mappers import (
    FULFILLMENT_COLUMNS,
    ORDER_COLUMNS,
    to_fulfillment,
    to_fulfillment_line,
    to_order,
    to_order_line,
)


async def by_ids(ids: Sequence[int], *, conn: BaseDBAsyncClient | None = None) -> list[Order]:
    rows = await fetch(f"SELECT {ORDER_COLUMNS} FROM customer_order WHERE id = ANY($1::int[])", [list(ids)], conn=conn)
    return [to_order(r) for r in rows]


async def lines_of(order_ids: Sequence[int]) -> list[tuple[int, PricedLine]]:
    rows = await fetch(
        "SELECT order_id, variant_id, quantity, unit_price FROM order_line WHERE order_id = ANY($1::int[]) "
        "ORDER BY order_id, position",
        [list(order_ids)],
    )
    return [to_order_line(r) for r in rows]


async def fulfillments_of(order_ids: Sequence[int]) -> list[Fulfillment]:
    rows = await fetch(
        f"SELECT {FULFILLMENT_COLUMNS} FROM fulfillment WHERE order_id = ANY($1::int[]) ORDER BY order_id, id",
        [list(order_ids)],
    )
    return [to_fulfillment(r) for r in rows]


async def fulfillments_by_ids(ids: Sequence[int]) -> list[Fulfillment]:
    rows = await fetch(f"SELECT {FULFILLMENT_COLUMNS} FROM fulfillment WHERE id = ANY($1::int[])", [list(ids)])
    return [to_fulfillment(r) for r in rows]


async def fulfillment_lines_of(fulfillment_ids: Sequence[int]) -> list[FulfillmentLine]:
    rows = await fetch(
        "SELECT fulfillment_id, variant_id, quantity, unit_price FROM fulfillment_line "
        "WHERE fulfillment_id = ANY($1::int[]) ORDER BY fulfillment_id, id",
        [list(fulfillment_ids)],
    )
    return [to_fulfillment_line(r) for r in rows]


@dataclass(frozen=True, slots=True)
class OrderFilter:
    """Which orders a list shows. None means 'any'."""

    member_id: int | None = None
    location_id: int | None = None  # fulfilled at or taken at this store
    statuses: tuple[OrderStatus, ...] | None = None
    updated_since: datetime | None = None
    channel: SalesChannel | None = None
    placed_from: datetime | None = None  # placed at or after
    placed_before: datetime | None = None


def _where(f: OrderFilter, params: list[Any], alias: str = "o") -> list[str]:
    clauses = []
    if f.member_id is not None:
        params.append(f.member_id)
        clauses.append(f"{alias}.member_id = ${len(params)}")
    if f.location_id is not None:
        params.append(f.location_id)
        n = len(params)
        clauses.append(
            f"({alias}.placed_at_location_id = ${n} OR EXISTS (SELECT 1 FROM fulfillment f "
            f"WHERE f.order_id = {alias}.id AND f.location_id = ${n}))"
        )
    if f.statuses is not None:
        params.append([s.value for s in f.statuses])
        clauses.append(f"{alias}.status = ANY(${len(params)}::text[])")
    if f.updated_since is not None:
        params.append(f.updated_since)
        clauses.append(f"{alias}.updated_at >= ${len(params)}")
    if f.channel is not None:
        params.append(f.channel.value)
        clauses.append(f"{alias}.channel = ${len(params)}")
    if f.placed_from is not None:
        params.append(f.placed_from)
        clauses.append(f"{alias}.created_at >= ${len(params)}")
    if f.placed_before is not None:
        params.append(f.placed_before)
        clauses.append(f"{alias}.created_at < ${len(params)}")
    return clauses


async def page(f: OrderFilter, *, before_id: int | None, limit: int) -> list[Order]:
    """Newest first (by id), keyset-paginated: the orders with id below before_id."""
    params: list[Any] = []
    clauses = _where(f, params)
    if before_id is not None:
        params.append(before_id)
        clauses.append(f"o.id < ${len(params)}")
    params.append(limit)
    where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
    rows = await fetch(
        f"SELECT {ORDER_COLUMNS} FROM customer_order o {where} ORDER BY o.id DESC LIMIT ${len(params)}", params
    )
    return [to_order(r) for r in rows]


async def pages_of_members(
    member_ids: Sequence[int], f: OrderFilter, *, before_id: int | None, limit: int
) -> list[Order]:
    """The first `limit` orders (newest first) of each member, in one query."""
    params: list[Any] = [list(member_ids)]
    clauses = ["o.member_id = ANY($1::int[])", *_where(f, params)]
    if before_id is not None:
        params.append(before_id)
        clauses.append(f"o.id < ${len(params)}")
    params.append(limit)
    rows = await fetch(
        f"SELECT {ORDER_COLUMNS} FROM (SELECT o.*, row_number() OVER (PARTITION BY o.member_id ORDER BY o.id DESC) "
        f"AS rn FROM customer_order o WHERE {' AND '.join(clauses)}) o WHERE o.rn <= ${len(params)} "
        "ORDER BY o.member_id, o.id DESC",
        params,
    )
    return [to_order(r) for r in rows]


async def open_parcels_of_member(
    member_id: int, *, conn: BaseDBAsyncClient | None = None
) -> list[tuple[Fulfillment, Order]]:
    """A member's fulfilments that are paid or awaiting payment and not yet being picked (for merging)."""
    rows = await fetch(
        f"SELECT {', '.join('f.' + c.strip() for c in FULFILLMENT_COLUMNS.split(','))}, o.id AS o_id "
        "FROM fulfillment f JOIN customer_order o ON o.id = f.order_id "
        "WHERE o.member_id = $1 AND o.status IN ('PENDING_PAYMENT', 'CONFIRMED') AND f.status = 'PENDING' "
        "AND f.mode <> 'PICKUP' ORDER BY f.id",
        [member_id],
        conn=conn,
    )
    orders = {o.id: o for o in await by_ids(list({r["o_id"] for r in rows}), conn=conn)}
    return [(to_fulfillment(r), orders[r["o_id"]]) for r in rows]
