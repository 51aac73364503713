"""Steps several order use cases take inside their transaction: free or sell held stock, expire an order.

Each applies holds (in lock order, one conditional UPDATE per stock row) after the order row was
locked, writes the ledger entries domain.reservations says they mean, and records their
StockChanged facts; the order's own facts are recorded by the use case once it saved the order.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from ...domain import reservations
from ...domain.inventory import MovementReason, StockLevel
from ...domain.online_allocation import is_online
from ...domain.order_aggregate import OrderAggregate
from ...domain.ports import UnitOfWork
from ...domain.reservations import Hold
from ..transfers import for_orders

EXPIRY = "system:expiry"


async def release(tx: UnitOfWork, order: OrderAggregate, holds: Sequence[Hold], *, actor: str, now: datetime) -> None:
    """Held units go back on offer (RELEASE); an online order's also leave the online share's count.
    A pickup's transfers not yet shipped are cancelled (resolvers/transfers/for_orders.py) and only
    what is at the pickup store is released there."""
    holds = await for_orders.close(tx, order, holds, actor=actor, now=now)
    if holds:
        levels = await tx.stock.release(holds, online=is_online(order.order.channel))
        await _moved(tx, MovementReason.RELEASE, order, holds, levels, actor, now)


async def sell(tx: UnitOfWork, order: OrderAggregate, holds: Sequence[Hold], *, actor: str, now: datetime) -> None:
    """Held units leave the building: on hand and reserved go down together (SALE), counted as sold
    today by channel group (what the automatic online share is computed from)."""
    if holds:
        levels = await tx.stock.sell(holds, online=is_online(order.order.channel), count_sale=True)
        await _moved(tx, MovementReason.SALE, order, holds, levels, actor, now)


async def expire(tx: UnitOfWork, order: OrderAggregate, now: datetime) -> None:
    """An unpaid order past its hold (row locked): EXPIRED and its stock released; the in-transaction
    handlers give its coupons and points back."""
    await release(tx, order, order.expire(now), actor=EXPIRY, now=now)
    await tx.orders.save(order)
    tx.record(*order.events)


async def _moved(
    tx: UnitOfWork,
    reason: MovementReason,
    order: OrderAggregate,
    holds: Sequence[Hold],
    levels: Sequence[StockLevel],
    actor: str,
    now: datetime,
) -> None:
    moves = reservations.moved(reason, holds, levels, reference=order.order.number, at=now)
    await tx.stock.add_movements(moves.movements, actor)
    tx.record(*moves.events)
