"""PICKUP by transfer: the transfers a pickup order asks for, and what its other steps do about them.

When the routing plan for a PICKUP order takes stock from other locations (routing rules with
transfers enabled), placeOrder holds what the pickup store has for the order and requests one
transfer per source into the pickup store, with the order's number as reference, in the same
transaction (for an online order, an online hold at the source: within its online share, given back
when the transfer ships or is cancelled). Until every such transfer is received the fulfilment waits
(PENDING: it cannot be marked ready or handed over); receiving one while the order is open puts what
arrived on hand at the pickup store and holds it for the order (a short receipt is made up from the
store's free stock, or refused). Cancelling or expiring the order before a transfer ships cancels
that transfer and releases its hold at the source; a transfer already on its way still arrives, as
plain stock.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from functools import partial

from ...domain import transfers
from ...domain.locations import FulfillmentMode
from ...domain.order_aggregate import OrderAggregate
from ...domain.ports import UnitOfWork
from ...domain.reservations import Hold
from ...domain.transfers import Transfer, TransferRequest, TransferStatus
from . import cancel, steps


async def request_for_order(
    tx: UnitOfWork, number: str, requests: Sequence[TransferRequest], *, online: bool, actor: str, now: datetime
) -> list[Transfer]:
    """Inside the order's transaction: the transfers its plan asks for, each held at its source (for an
    online order within the source's online share, like any online hold there). Raises StockShort when
    a source no longer has the units (the caller plans again)."""
    made = []
    for request in requests:
        transfer = await tx.transfers.create(replace(request, reference=number, online=online), actor=actor, now=now)
        hold = partial(tx.stock.reserve, online=online)
        await steps.move_stock(tx, "request", transfer.holds(), hold, transfer, actor=actor, now=now)
        tx.record(transfers.fact(transfer, now))
        made.append(transfer)
    return made


def _by_transfer(order: OrderAggregate) -> bool:
    return order.order.mode is FulfillmentMode.PICKUP


async def close(
    tx: UnitOfWork, order: OrderAggregate, holds: Sequence[Hold], *, actor: str, now: datetime
) -> list[Hold]:
    """The order (locked) is cancelled or expired: its transfers not yet shipped are cancelled (their
    holds at the sources released); returns what the order holds at the pickup store, to release."""
    if not _by_transfer(order) or order.order.pickup_location_id is None:
        return list(holds)
    linked = await tx.transfers.for_reference(order.order.number)
    if not linked:
        return list(holds)
    missing = transfers.not_yet_at_pickup(linked)
    for transfer in linked:
        if transfer.status is TransferStatus.REQUESTED:
            await cancel.release(tx, transfer, actor=actor, now=now)
    return transfers.held_at_pickup(holds, missing, order.order.pickup_location_id)


async def check_arrived(tx: UnitOfWork, order: OrderAggregate) -> None:
    """The order (locked) may move on only once its transfers were received (INVALID_TRANSITION)."""
    if _by_transfer(order):
        transfers.check_arrived(await tx.transfers.for_reference(order.order.number))
