"""The online allocation share: setAllocationPolicy, allocationPolicy, StockLevel.availableOnline,
and the daily job that sets automatic shares from each store's channel mix.

The rule is domain.online_allocation; the online cap is enforced where stock is held
(persistence/repositories/stock.py RESERVE, the one-statement placement, the routing engine's
candidate stock), so no online order can take more than the share, however many arrive at once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from ..domain import inventory_access, online_allocation
from ..domain.access import Role
from ..domain.errors import DomainError, ErrorCode
from ..domain.inventory import StockLevel
from ..domain.locations import Location
from ..domain.online_allocation import AllocationPolicy, ShareDecision
from ..domain.ports import UnitOfWork
from ..persistence.repositories import allocation as allocation_repo
from .availability import cancelled, is_unavailable
from .context import Context, Services
from .members import actor_of
from .mutation import requires

log = logging.getLogger("omnichannel.allocation")

JOB_ACTOR = "job:allocation"
JOB_BATCH = 50
NEVER = datetime(1970, 1, 1, tzinfo=UTC)  # updatedAt of a policy nobody set


async def _location(ctx: Context, location_id: int) -> Location:
    location: Location | None = await ctx.loaders.location.load(location_id)
    if location is None:
        raise DomainError(ErrorCode.NOT_FOUND, "No such store or warehouse.", ["storeId"])
    return location


async def policy_of(ctx: Context, location_id: int) -> AllocationPolicy:
    """allocationPolicy(storeId): the store's staff, head office, analysts; the default when never set."""
    location: Location | None = await ctx.loaders.location.load(location_id)
    inventory_access.check_may_read(ctx.principal, location.code if location is not None else None)
    if location is None:
        raise DomainError(ErrorCode.NOT_FOUND, "No such store or warehouse.", ["storeId"])
    found = (await allocation_repo.policies([location_id])).get(location_id)
    return found if found is not None else AllocationPolicy(location_id, updated_at=NEVER)


@requires(Role.STORE_MANAGER, Role.HQ_ADMIN)
async def set_allocation_policy(
    ctx: Context,
    uow: UnitOfWork,
    *,
    location_id: int,
    online_share: float | None,
    automatic: bool | None,
    min_share: float | None,
    max_share: float | None,
) -> AllocationPolicy:
    """The store's manager or head office changes the share and whether the daily job sets it."""
    location = await _location(ctx, location_id)
    inventory_access.check_may_configure(ctx.principal, location.code)

    def apply(current: AllocationPolicy) -> AllocationPolicy:
        return online_allocation.changed(
            current, online_share=online_share, automatic=automatic, min_share=min_share, max_share=max_share
        )

    apply(AllocationPolicy(location_id))  # bad values are refused before any write
    actor = actor_of(ctx.principal)

    async def change(tx: UnitOfWork) -> AllocationPolicy:
        return await tx.allocation.save(apply(await tx.allocation.lock(location_id)), actor)

    saved = await uow.atomic(change)
    log.info(
        "allocation policy of %s set by %s: share %g, automatic %s, within %g..%g",
        location.code, actor, saved.online_share, saved.automatic, saved.min_share, saved.max_share,
    )  # fmt: skip
    return saved


async def available_online(ctx: Context, level: StockLevel) -> int:
    """StockLevel.availableOnline: what online channels may still sell from this level."""
    share: float = await ctx.loaders.online_share.load(level.location_id)
    return online_allocation.available_online(level, share)


async def decide_shares(uow: UnitOfWork, now: datetime, *, batch: int = JOB_BATCH) -> list[ShareDecision]:
    """Set today's share of every automatic policy not yet decided today.

    Safe with several processes: each batch claims its policies with FOR UPDATE SKIP LOCKED and marks
    them decided for the day in the same transaction, so a store is decided once a day by one process.
    """
    today = now.date()
    since = today - timedelta(days=online_allocation.WINDOW_DAYS)
    decisions: list[ShareDecision] = []

    async def one_batch(tx: UnitOfWork) -> list[ShareDecision]:
        made = []
        for policy in await tx.allocation.claim_due(today, batch):
            online, store = await tx.allocation.units_sold(policy.location_id, since)
            decision = online_allocation.automatic_share(policy, online, store)
            updated = AllocationPolicy(
                policy.location_id, decision.share, True, policy.min_share, policy.max_share, policy.updated_at
            )
            await tx.allocation.save(updated, JOB_ACTOR, decided_on=today)
            made.append(decision)
        return made

    while True:
        made = await uow.atomic(one_batch)
        decisions.extend(made)
        for decision in made:
            log.info("allocation job, location %d: %s", decision.location_id, decision.reason)
        if len(made) < batch:
            return decisions


async def run_daily(services: Services, interval: float) -> None:
    """The allocation job, forever: every `interval` seconds it decides the stores not decided today."""
    while True:
        try:
            await decide_shares(services.new_uow(), services.clock())
        except asyncio.CancelledError:
            raise
        except Exception as error:
            if cancelled():
                raise asyncio.CancelledError from error
            if is_unavailable(error):
                log.warning("allocation job skipped, database unavailable; retrying at the next interval")
            else:
                log.exception("allocation job failed; retrying at the next interval")
        await asyncio.sleep(interval)


async def shares(location_ids: Sequence[int]) -> dict[int, float]:
    return await allocation_repo.shares(location_ids)
