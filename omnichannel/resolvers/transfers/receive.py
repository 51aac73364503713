"""receiveTransfer: staff of the destination (or head office) count what arrived; it goes on hand there.

Lines omitted: everything shipped arrived. A line with fewer units is a short receipt, recorded on
that line (receivedQuantity); only what arrived is added to the destination.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import partial

from ...domain import reservations, transfers
from ...domain.access import Role
from ...domain.errors import DomainError, DomainErrors, ErrorCode
from ...domain.inventory import MovementReason
from ...domain.online_allocation import is_online
from ...domain.ports import StockShort, UnitOfWork
from ...domain.transfers import Step, Transfer
from ..context import Context
from ..members import actor_of
from ..mutation import requires
from . import steps


def _check_counts(lines: Sequence[tuple[int, int]] | None) -> None:
    if lines is None:
        return
    if len(lines) > transfers.MAX_LINES:
        raise DomainError(ErrorCode.INVALID_INPUT, f"At most {transfers.MAX_LINES} lines.", ["lines"])
    negative = [
        DomainError(ErrorCode.INVALID_INPUT, "A count cannot be negative.", ["lines", str(i), "quantity"])
        for i, (_, quantity) in enumerate(lines)
        if quantity < 0
    ]
    if negative:
        raise DomainErrors(negative)


async def _for_the_order(tx: UnitOfWork, done: Transfer, order_id: int, *, actor: str, now: datetime) -> None:
    """What arrived is held at once for the open order that asked for it; a short receipt is made up
    from the store's free stock (a RESERVATION for the order), else refused. The pickup store's order
    feed hears it (OrderStockArrived): the clerk pad sees the order become ready to pick."""
    order = await tx.orders.get(order_id)
    assert order is not None  # order_waits found it open in this transaction
    await _hold_for_the_order(tx, done, order.number, online=is_online(order.channel), actor=actor, now=now)
    tx.record(transfers.arrived_for_order(order, await tx.orders.fulfillments(order_id), done, now))


async def _hold_for_the_order(
    tx: UnitOfWork, done: Transfer, number: str, *, online: bool, actor: str, now: datetime
) -> None:
    arrived = transfers.receipts(done)
    await steps.move_stock(
        tx, "receive_held", arrived, partial(tx.stock.receive_held, online=online), done, actor=actor, now=now
    )
    short = transfers.shortfall(done)
    if not short:
        return
    try:
        levels = await tx.stock.reserve(short, online=online)
    except StockShort as lacking:
        raise DomainError(
            ErrorCode.OUT_OF_STOCK,
            f"Order {number} waits for these units and the store cannot make up the {lacking.hold.quantity} "
            "missing from its own stock: adjust the stock or cancel the order first.",
            ["lines"],
        ) from None
    moves = reservations.moved(MovementReason.RESERVATION, short, levels, reference=number, at=now)
    await tx.stock.add_movements(moves.movements, actor)
    tx.record(*moves.events)


@requires(Role.CLERK, Role.STORE_MANAGER, Role.HQ_ADMIN)
async def receive_transfer(
    ctx: Context, uow: UnitOfWork, *, transfer_id: int, lines: Sequence[tuple[int, int]] | None
) -> Transfer:
    _, _, destination = await steps.located(uow, transfer_id)
    transfers.require_receiver(ctx.principal, destination)
    _check_counts(lines)
    now, actor = ctx.now(), actor_of(ctx.principal)

    async def receive(tx: UnitOfWork, locked: Transfer) -> Transfer:
        done = transfers.received(locked, lines, now)
        order_id = await tx.transfers.order_waits(done.reference) if done.reference is not None else None
        if order_id is not None:
            await _for_the_order(tx, done, order_id, actor=actor, now=now)
        else:
            arrived = transfers.receipts(done)
            await steps.move_stock(tx, "receive", arrived, tx.stock.receive, done, actor=actor, now=now)
        await tx.transfers.save(done)
        tx.record(transfers.fact(done, now))
        return done

    return await steps.take_step(uow, transfer_id, Step.RECEIVE, receive)
