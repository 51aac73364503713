"""cancelTransfer: before it ships, the store manager of either location (or head office) calls it off;
the hold at the source is released."""

from __future__ import annotations

from datetime import datetime
from functools import partial

from ...domain import transfers
from ...domain.access import Role
from ...domain.errors import DomainError, ErrorCode
from ...domain.ports import UnitOfWork
from ...domain.transfers import Step, Transfer
from ..context import Context
from ..members import actor_of
from ..mutation import requires
from . import steps


async def release(tx: UnitOfWork, locked: Transfer, *, actor: str, now: datetime) -> Transfer:
    """Inside a transaction, the transfer locked: CANCELLED and its hold released."""
    done = transfers.cancelled(locked, now)
    release = partial(tx.stock.release, online=done.online)
    await steps.move_stock(tx, "cancel", done.holds(), release, done, actor=actor, now=now)
    await tx.transfers.save(done)
    tx.record(transfers.fact(done, now))
    return done


@requires(Role.STORE_MANAGER, Role.HQ_ADMIN)
async def cancel_transfer(ctx: Context, uow: UnitOfWork, *, transfer_id: int) -> Transfer:
    _, source, destination = await steps.located(uow, transfer_id)
    transfers.require_requester(ctx.principal, source, destination)
    now, actor = ctx.now(), actor_of(ctx.principal)

    async def cancel(tx: UnitOfWork, locked: Transfer) -> Transfer:
        if locked.reference is not None and await tx.transfers.order_waits(locked.reference) is not None:
            raise DomainError(
                ErrorCode.INVALID_TRANSITION,
                f"Order {locked.reference} waits for this transfer: cancel the order instead.",
                ["transferId"],
            )
        return await release(tx, locked, actor=actor, now=now)

    return await steps.take_step(uow, transfer_id, Step.CANCEL, cancel)
