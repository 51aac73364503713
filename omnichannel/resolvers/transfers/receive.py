"""receiveTransfer: staff of the destination (or head office) count what arrived; it goes on hand there.

Lines omitted: everything shipped arrived. A line with fewer units is a short receipt, recorded on
that line (receivedQuantity); only what arrived is added to the destination.
"""

from __future__ import annotations

from collections.abc import Sequence

from ...domain import transfers
from ...domain.access import Role
from ...domain.errors import DomainError, DomainErrors, ErrorCode
from ...domain.ports import UnitOfWork
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
        await steps.move_stock(tx, "receive", transfers.receipts(done), tx.stock.receive, done, actor=actor, now=now)
        await tx.transfers.save(done)
        tx.record(transfers.fact(done, now))
        return done

    return await steps.take_step(uow, transfer_id, Step.RECEIVE, receive)
