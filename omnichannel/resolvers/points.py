"""The points ledger's use cases: adjust, redeem at checkout, earn and reverse for orders, expire.

The ledger functions taking a UnitOfWork run inside the caller's transaction (checkout, payment
confirmation, cancellation), so the points move in the same commit as the order.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from datetime import datetime
from decimal import Decimal

from ..domain import points as ledger
from ..domain.access import Role
from ..domain.errors import DomainError, ErrorCode
from ..domain.loyalty import LoyaltyRules
from ..domain.orders import order_number
from ..domain.people import Member
from ..domain.points import EntryKind, PointsAccount, PointsEntry
from ..domain.ports import PointsRepository, UnitOfWork
from ..domain.refunds import PointsOutcome
from ..persistence.repositories import points as points_repo
from .availability import cancelled, is_unavailable
from .catalog import check_page_size
from .context import Context, Services
from .members import actor_of, visible_member
from .mutation import requires
from .orders.reads import visible_order

log = logging.getLogger("omnichannel.points")
EXPIRY_BATCH = 200


async def _account(store: PointsRepository, member_id: int) -> PointsAccount:
    account = await store.lock_account(member_id)
    if account is None:
        raise DomainError(ErrorCode.NOT_FOUND, "No such member.", ["memberId"])
    return account


@requires(Role.HQ_ADMIN)
async def adjust_points(ctx: Context, uow: UnitOfWork, *, member_id: int, delta: int, reason: str) -> Member:
    """Head office goodwill or correction; never below zero."""
    member = await uow.members.current(member_id)
    if member is None:
        raise DomainError(ErrorCode.NOT_FOUND, "No such member.", ["memberId"])
    now, rules, actor = ctx.now(), ctx.services.loyalty, actor_of(ctx.principal)

    async def change(tx: UnitOfWork) -> int:
        account = await _account(tx.points, member.id)
        posting = ledger.adjust(account, delta, reason, now=now, rules=rules)
        await tx.points.post(account.member_id, posting, now=now, actor=actor)
        return account.member_id

    adjusted = await uow.members.get(await uow.atomic(change))
    if adjusted is None:  # members are never deleted; merged ones stay as rows
        raise DomainError(ErrorCode.NOT_FOUND, "No such member.", ["memberId"])
    return adjusted


async def redeem(
    uow: UnitOfWork, *, member_id: int, points: int, order_id: int, reason: str, now: datetime, actor: str
) -> bool:
    """Spend points on an order inside the caller's transaction; False when already posted for it."""
    store = uow.points
    account = await _account(store, member_id)
    member_id = account.member_id  # the survivor, when the member was merged away
    key = ledger.redeem_key(order_id)
    if await store.posted(key):
        return False
    try:
        posting = ledger.debit(account, EntryKind.REDEEM, points, reason, order_id=order_id, key=key)
    except DomainError as error:  # spent meanwhile by another order: the caller's pointsToRedeem is short
        raise DomainError(error.code, error.message, ["pointsToRedeem"]) from error
    await store.post(member_id, posting, now=now, actor=actor)
    return True


async def earn_for_order(
    uow: UnitOfWork,
    *,
    member_id: int,
    order_id: int,
    amount_paid: Decimal,
    now: datetime,
    rules: LoyaltyRules,
    actor: str,
) -> int:
    """Points for a paid order at the member's tier (before this order); posted once per order."""
    store = uow.points
    account = await _account(store, member_id)
    member_id = account.member_id  # the survivor, when the member was merged away
    key = ledger.earn_key(order_id)
    spend = await store.spend_since(member_id, rules.tier_window_start(now))
    if not await store.record_spend(member_id, order_id, amount_paid, key, now):
        return 0  # this order was counted before: replays post nothing
    earned = rules.points_to_earn(amount_paid, rules.tier_for(spend))
    if earned > 0:
        posting = ledger.credit(
            account,
            EntryKind.EARN,
            earned,
            f"order {order_number(order_id)} paid",
            now=now,
            rules=rules,
            order_id=order_id,
            key=key,
        )
        await store.post(member_id, posting, now=now, actor=actor)
    return earned


async def reverse_for_order(
    uow: UnitOfWork, *, member_id: int, order_id: int, now: datetime, rules: LoyaltyRules, actor: str
) -> tuple[int, int]:
    """An order is cancelled or refunded: take back what it earned (as far as the balance allows)
    and give back what it redeemed. Each happens once. Returns (taken back, given back)."""
    store = uow.points
    account = await _account(store, member_id)
    member_id = account.member_id  # the survivor, when the member was merged away
    entries = await store.order_entries(order_id)
    back, settled = await uow.refunds.points_moved(order_id)  # what succeeded refunds already moved
    earned = sum(e.points for e in entries if e.kind is EntryKind.EARN) - settled
    redeemed = -sum(e.points for e in entries if e.kind is EntryKind.REDEEM) - back
    taken = given = 0
    earn_key = ledger.reverse_earn_key(order_id)
    if earned > 0 and not await store.posted(earn_key):
        lot = next((e.id for e in entries if e.kind is EntryKind.EARN), None)
        reason = f"order {order_number(order_id)} cancelled: the points it earned"
        if earned > account.balance:
            reason += f" ({earned - account.balance} already spent)"
        posting = ledger.debit(
            account, EntryKind.REVERSE, earned, reason, order_id=order_id, key=earn_key, partial=True, prefer_lot=lot
        )
        if posting.entry.points != 0:
            entry_id = await store.post(member_id, posting, now=now, actor=actor)
            account = account.after(posting, entry_id)
            taken = -posting.entry.points
    redeem_key = ledger.reverse_redeem_key(order_id)
    if redeemed > 0 and not await store.posted(redeem_key):
        reason = f"order {order_number(order_id)} cancelled: the points it used"
        posting = ledger.credit(
            account, EntryKind.REVERSE, redeemed, reason, now=now, rules=rules, order_id=order_id, key=redeem_key
        )
        await store.post(member_id, posting, now=now, actor=actor)
        given = redeemed
    await store.reverse_spend(ledger.earn_key(order_id), ledger.reverse_earn_key(order_id), now)
    return taken, given


async def refund_points(
    uow: UnitOfWork,
    *,
    member_id: int,
    order_id: int,
    refund_id: int,
    returned: int,
    reversed_planned: int,
    now: datetime,
    rules: LoyaltyRules,
    actor: str,
) -> PointsOutcome:
    """A refund succeeded: give back the redeemed points in its share, then take back the earned ones
    as far as the balance allows. Each once per refund (keyed)."""
    store = uow.points
    account = await _account(store, member_id)
    member_id = account.member_id  # the survivor, when the member was merged away
    given = taken = 0
    back_key, take_key = f"refund-return:{refund_id}", f"refund-reverse:{refund_id}"
    if returned > 0 and not await store.posted(back_key):
        reason = f"order {order_number(order_id)} refunded: the points it used"
        posting = ledger.credit(
            account, EntryKind.REVERSE, returned, reason, now=now, rules=rules, order_id=order_id, key=back_key
        )
        entry_id = await store.post(member_id, posting, now=now, actor=actor)
        account = account.after(posting, entry_id)
        given = returned
    if reversed_planned > 0 and not await store.posted(take_key):
        reason = f"order {order_number(order_id)} refunded: the points it earned"
        posting = ledger.debit(
            account, EntryKind.REVERSE, reversed_planned, reason, order_id=order_id, key=take_key, partial=True
        )
        if posting.entry.points != 0:
            await store.post(member_id, posting, now=now, actor=actor)
            taken = -posting.entry.points
    return PointsOutcome(given, taken, reversed_planned - taken)


async def refund_spend(
    uow: UnitOfWork, *, member_id: int, order_id: int, refund_id: int, amount: Decimal, now: datetime
) -> None:
    """What a refund gave back no longer counts towards the member's tier (once per refund)."""
    if amount > 0:
        store = uow.points
        account = await _account(store, member_id)  # the survivor, when the member was merged away
        await store.record_spend(account.member_id, order_id, -amount, f"refund-spend:{refund_id}", now)


async def expire_points(uow: UnitOfWork, now: datetime, *, batch: int = EXPIRY_BATCH) -> int:
    """Expire every lot whose date has come; returns how many members were touched.

    Safe with several processes: each batch locks its members with SKIP LOCKED, so two runners
    share the work instead of doing it twice; a batch of members is one transaction.
    """
    touched = 0

    async def expire_batch(tx: UnitOfWork) -> int:
        member_ids = await tx.points.lock_due_members(now, batch)
        for member_id in member_ids:
            account = await tx.points.lock_account(member_id)
            posting = ledger.expire_due(account, now) if account is not None else None
            if posting is not None:
                await tx.points.post(member_id, posting, now=now, actor="job:points-expiry")
        return len(member_ids)

    while True:
        done = await uow.atomic(expire_batch)
        touched += done
        if done < batch:
            return touched


async def run_expiry(services: Services, interval: float) -> None:
    """The expiry job, forever (started by the app's lifespan; cancelled on shutdown)."""
    while True:
        try:
            count = await expire_points(services.new_uow(), services.clock())
            if count:
                log.info("expired points of %d members", count)
        except asyncio.CancelledError:
            raise
        except Exception as error:
            if cancelled():  # the database layer turned our cancellation into another error: stop all the same
                raise asyncio.CancelledError from error
            if is_unavailable(error):  # an outage (/readyz reports it): no traceback per run
                log.warning("points expiry skipped, database unavailable; retrying at the next interval")
            else:
                log.exception("points expiry failed; retrying at the next interval")
        await asyncio.sleep(interval)


async def history(
    ctx: Context, *, member_id: int, first: int | None, before_id: int | None
) -> tuple[list[PointsEntry], bool] | None:
    """A member's ledger, newest first (None when the caller may not see the member)."""
    member = await visible_member(ctx, member_id)
    if member is None:
        return None
    size = check_page_size(first)
    rows = await points_repo.entries_page(member.id, before_id=before_id, limit=size + 1)
    page = rows[:size]
    if ctx.principal.is_store_staff:  # a store sees the orders it handled, not the rest of the chain's
        seen = await asyncio.gather(*(visible_order(ctx, e.order_id) for e in page if e.order_id is not None))
        handled = {order.id for order in seen if order is not None}
        page = [e if e.order_id is None or e.order_id in handled else _elsewhere(e) for e in page]
    return page, len(rows) > size


def _elsewhere(entry: PointsEntry) -> PointsEntry:
    """An entry of an order another store handled, as store staff see it: the points, not the order."""
    return replace(entry, order_id=None, reason=f"{entry.kind.value.lower()}: an order handled elsewhere")
