"""shipTransfer: staff of the source (or head office) send it; the held units leave the source's on hand."""

from __future__ import annotations

from functools import partial

from ...domain import transfers
from ...domain.access import Role
from ...domain.ports import UnitOfWork
from ...domain.transfers import Step, Transfer
from ..context import Context
from ..members import actor_of
from ..mutation import requires
from . import steps


@requires(Role.CLERK, Role.STORE_MANAGER, Role.HQ_ADMIN)
async def ship_transfer(ctx: Context, uow: UnitOfWork, *, transfer_id: int) -> Transfer:
    _, source, _ = await steps.located(uow, transfer_id)
    transfers.require_shipper(ctx.principal, source)
    now, actor = ctx.now(), actor_of(ctx.principal)

    async def ship(tx: UnitOfWork, locked: Transfer) -> Transfer:
        done = transfers.shipped(locked, now)
        sell = partial(tx.stock.sell, online=done.online)  # no count_sale: a transfer leaving is no sale
        await steps.move_stock(tx, "ship", done.holds(), sell, done, actor=actor, now=now)
        await tx.transfers.save(done)
        tx.record(transfers.fact(done, now))
        return done

    return await steps.take_step(uow, transfer_id, Step.SHIP, ship)
