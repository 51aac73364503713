"""What the transfer use cases share inside their transaction.

The transfer row is locked first, then its stock rows in lock order (domain.reservations.lock_order),
like an order and its holds, so a transfer and orders over the same rows queue instead of
deadlocking. Every stock change writes TRANSFER movements referencing the transfer's number and
records their StockChanged facts (the live stock feeds, the low-stock alerts and the event log hear
them), then the transfer's own fact.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime

from ...domain import transfers
from ...domain.errors import DomainError, ErrorCode
from ...domain.inventory import StockLevel
from ...domain.locations import Location
from ...domain.ports import UnitOfWork
from ...domain.reservations import Hold
from ...domain.transfers import Step, Transfer


async def located(uow: UnitOfWork, transfer_id: int) -> tuple[Transfer, Location, Location]:
    """The transfer and its two locations (read before deciding who may act), or NOT_FOUND."""
    found = await uow.transfers.get(transfer_id)
    if found is None:
        raise DomainError(ErrorCode.NOT_FOUND, "No such transfer.", ["transferId"])
    places = await uow.locations.many([found.from_location_id, found.to_location_id])
    return found, places[found.from_location_id], places[found.to_location_id]


async def move_stock(
    tx: UnitOfWork,
    kind: str,
    holds: Sequence[Hold],
    apply: Callable[[Sequence[Hold]], Awaitable[list[StockLevel]]],
    transfer: Transfer,
    *,
    actor: str,
    now: datetime,
) -> None:
    """Apply holds to their rows (in lock order), write their TRANSFER movements, record the facts."""
    if not holds:
        return
    moves = transfers.moves(kind, holds, await apply(holds), number=transfer.number, at=now)
    await tx.stock.add_movements(moves.movements, actor)
    tx.record(*moves.events)


async def take_step(
    uow: UnitOfWork,
    transfer_id: int,
    step: Step,
    change: Callable[[UnitOfWork, Transfer], Awaitable[Transfer]],
) -> Transfer:
    """Lock the transfer and take the step; a step already taken (a double click) changes nothing."""

    async def work(tx: UnitOfWork) -> Transfer:
        locked = await tx.transfers.lock(transfer_id)
        assert locked is not None
        if transfers.is_done(locked, step):
            return locked
        return await change(tx, locked)

    return await uow.atomic(work)
