"""Appending to the durable event log, in the transaction of the change (the transactional outbox).

Each logged domain event becomes one row (domain.event_log.MAPPERS says which type and data); the
objects it refers to are looked up in the same statement and their global IDs and business keys
added to the payload, from the rows as they are in that transaction. Rows are written without a
position: the sequencer (event_log.sequence) gives positions after commit, in commit order.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import orjson
from tortoise.backends.base.client import BaseDBAsyncClient

from ...domain.event_log import log_entry
from ...domain.event_records import to_record
from ...domain.events import DomainEvent
from ..db import fetch
from ..session import Session


class Outbox:
    """Whether this process writes the log (OMNICHANNEL_EVENT_LOG, set once by the composition root).

    Off only to measure what the outbox costs, or as a way back: then nothing is logged, webhooks and
    the events query get nothing new, and live events go over the broker alone, as before the log.
    """

    enabled = True


def gid_sql(type_name: str, expr: str) -> str:
    """SQL for domain.global_ids.global_id(type_name, <expr>): url-safe base64 without padding."""
    encoded = f"encode(convert_to('{type_name}:' || ({expr})::text, 'UTF8'), 'base64')"
    return f"rtrim(translate({encoded}, E'+/\\n', '-_'), '=')"


_EMPTY = "'{}'::jsonb"


def _enriched(data: str, order_present: str) -> str:
    """The payload: the entry's own data plus the business keys of what it refers to."""
    order = (
        "jsonb_build_object('order', jsonb_build_object("
        f"'id', {gid_sql('Order', 'o.id')}, 'number', o.number, 'status', o.status, 'channel', o.channel, "
        "'mode', o.mode, 'total', o.total::text, 'currency', o.currency))"
    )
    member = (
        f"jsonb_build_object('member', jsonb_build_object('id', {gid_sql('Member', 'm.id')}, "
        "'number', m.member_number))"
    )
    store = f"jsonb_build_object('store', jsonb_build_object('id', {gid_sql('Store', 'sl.id')}, 'code', sl.code))"
    stores = (
        "jsonb_build_object('stores', (SELECT coalesce(jsonb_agg(jsonb_build_object("
        f"'id', {gid_sql('Store', 'l.id')}, 'code', l.code) ORDER BY l.code), '[]'::jsonb) "
        "FROM location l WHERE l.id = ANY(x.store_ids)))"
    )
    variant = f"jsonb_build_object('variant', jsonb_build_object('id', {gid_sql('Variant', 'v.id')}, 'sku', v.sku))"
    return (
        f"{data}"
        f" || CASE WHEN {order_present} THEN {order} ELSE {_EMPTY} END"
        f" || CASE WHEN m.id IS NULL THEN {_EMPTY} ELSE {member} END"
        f" || CASE WHEN sl.id IS NULL THEN {_EMPTY} ELSE {store} END"
        f" || CASE WHEN x.store_ids IS NULL THEN {_EMPTY} ELSE {stores} END"
        f" || CASE WHEN v.id IS NULL THEN {_EMPTY} ELSE {variant} END"
    )


RECORDSET = (
    "jsonb_to_recordset({param}::jsonb) AS x(n int, type text, at timestamptz, data jsonb, event text, "
    "order_id int, member_id int, store_id int, store_ids int[], variant_id int, patch text)"
)
_REF_JOINS = """LEFT JOIN member m ON m.id = x.member_id
LEFT JOIN location sl ON sl.id = x.store_id
LEFT JOIN variant v ON v.id = x.variant_id"""
_STORE_IDS = "coalesce(x.store_ids, CASE WHEN x.store_id IS NULL THEN NULL ELSE ARRAY[x.store_id] END)"
_COLUMNS = "type, at, payload, event, order_id, member_id, variant_id, store_ids"

APPEND = f"""INSERT INTO event_log ({_COLUMNS})
SELECT x.type, x.at, {_enriched("x.data", "x.order_id IS NOT NULL")}, x.event, x.order_id, x.member_id, x.variant_id,
  {_STORE_IDS}
FROM {RECORDSET.format(param="$1")}
LEFT JOIN customer_order o ON o.id = x.order_id
{_REF_JOINS}
ORDER BY x.n"""


def new_order_cte(param: str) -> str:
    """A CTE `ev` appending entries inside the one-statement order placement, where the new order is
    the CTE `o` and the reserved level the CTE `r` (neither is visible to a table read yet).

    Entries with patch 'order' are about the new order (their order_id and number are filled from
    `o`); entries with patch 'level' carry the level `r` left (on hand, reserved, safety stock,
    available) and the order number as their reference.
    """
    level_data = (
        "jsonb_build_object('onHand', r.on_hand, 'reserved', r.reserved, 'safetyStock', r.safety_stock, "
        "'available', greatest(0, r.on_hand - r.reserved - r.safety_stock), 'reference', o.number)"
    )
    level_event = (
        "jsonb_build_object('on_hand', r.on_hand, 'reserved', r.reserved, 'safety_stock', r.safety_stock, "
        "'reference', o.number)"
    )
    order_event = "jsonb_build_object('order_id', o.id, 'number', o.number)"
    data = f"(x.data || CASE WHEN x.patch = 'level' THEN {level_data} ELSE {_EMPTY} END)"
    event = (
        f"CASE x.patch WHEN 'level' THEN (x.event::jsonb || {level_event})::text "
        f"WHEN 'order' THEN (x.event::jsonb || {order_event})::text ELSE x.event END"
    )
    order_id = "CASE WHEN x.patch = 'order' THEN o.id ELSE x.order_id END"
    return f"""ev AS (
  INSERT INTO event_log ({_COLUMNS})
  SELECT x.type, x.at, {_enriched(data, "x.patch = 'order'")}, {event}, {order_id}, x.member_id, x.variant_id,
    {_STORE_IDS}
  FROM {RECORDSET.format(param=param)}
  CROSS JOIN o CROSS JOIN r
  {_REF_JOINS}
  ORDER BY x.n
)"""


def entries_json(events: Iterable[Any], patches: Sequence[str | None] | None = None) -> str | None:
    """The logged events among `events` as the JSON array APPEND reads; None when none is logged."""
    if not Outbox.enabled:
        return None
    rows = []
    for n, event in enumerate(events):
        entry = log_entry(event)
        if entry is None:
            continue
        refs = entry.refs
        rows.append(
            {
                "n": n,
                "type": entry.type,
                "at": entry.at,
                "data": entry.data,
                "event": orjson.dumps(to_record(event)).decode(),
                "order_id": refs.order_id,
                "member_id": refs.member_id,
                "store_id": refs.store_id,
                "store_ids": list(refs.store_ids) if refs.store_ids is not None else None,
                "variant_id": refs.variant_id,
                "patch": patches[n] if patches is not None else None,
            }
        )
    return orjson.dumps(rows).decode() if rows else None


async def append(conn: BaseDBAsyncClient, events: Iterable[Any]) -> None:
    """Write the logged ones among these domain events, in order, in the caller's transaction."""
    batch = entries_json(events)
    if batch is not None:
        await fetch(APPEND, [batch], conn=conn)


class EventLogStore:
    """The event log repository of the unit of work (domain.ports.EventLogRepository)."""

    def __init__(self, session: Session) -> None:
        self._session = session

    async def append(self, events: Sequence[DomainEvent]) -> None:
        assert self._session.conn is not None, "the event log is written inside the change's transaction"
        await append(self._session.conn, events)
