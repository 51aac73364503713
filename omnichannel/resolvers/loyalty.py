"""What loyalty does when an order changes: in-transaction handlers (registered in in_transaction.py).

- OrderPaid: the paid amount earns points at the member's tier (once per order) and counts towards
  their tier; the order shows what it earned.
- OrderCancelled, OrderExpired: the order's coupons come back (once, if still valid), the points it
  used are given back and the points it earned are taken back (as far as the balance allows).

They run in the order's own transaction, after its row was locked (lock order: order, member), so a
payment and its points, or a cancellation and its refunds, commit together or not at all.
"""

from __future__ import annotations

from ..domain.events import OrderCancelled, OrderExpired, OrderPaid
from ..domain.loyalty import LoyaltyRules
from ..domain.ports import UnitOfWork
from . import coupons, points

SYSTEM = "system:orders"


async def earn_points(uow: UnitOfWork, event: OrderPaid, *, rules: LoyaltyRules) -> None:
    if event.member_id is None:
        return
    earned = await points.earn_for_order(
        uow,
        member_id=event.member_id,
        order_id=event.order_id,
        amount_paid=event.amount,
        now=event.at,
        rules=rules,
        actor=SYSTEM,
    )
    if earned:
        await uow.orders.set_points_earned(event.order_id, earned)


async def give_back(uow: UnitOfWork, event: OrderCancelled | OrderExpired, *, rules: LoyaltyRules) -> None:
    await coupons.return_for_order(uow, order_id=event.order_id, now=event.at, actor=SYSTEM)
    if event.member_id is not None:
        await points.reverse_for_order(
            uow, member_id=event.member_id, order_id=event.order_id, now=event.at, rules=rules, actor=SYSTEM
        )
