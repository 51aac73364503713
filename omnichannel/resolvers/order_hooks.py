"""Where coupons and points plug into the order flow (filled by the loyalty issue).

Until then an order that asks for coupons or points is refused with a clear userError rather than
silently charged the full price, and the payment and cancellation hooks do nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from ..domain.errors import DomainError, ErrorCode
from ..domain.order_requests import NO_BENEFITS, Benefits, OrderRequest
from ..domain.order_totals import PricedLine
from ..domain.orders import Order
from ..persistence.uow import UnitOfWork
from .context import Context


async def apply_benefits(ctx: Context, request: OrderRequest, lines: Sequence[PricedLine]) -> Benefits:
    """The discount and points an order's coupons and points give (checked, not yet spent)."""
    del ctx, lines
    if request.coupon_codes:
        raise DomainError(ErrorCode.NOT_SUPPORTED, "Coupons cannot be applied to orders yet.", ["couponCodes"])
    if request.points_to_redeem:
        raise DomainError(ErrorCode.NOT_SUPPORTED, "Points cannot be redeemed on orders yet.", ["pointsToRedeem"])
    return NO_BENEFITS


async def after_payment(uow: UnitOfWork, order: Order, now: datetime) -> None:
    """In the payment's transaction: redeem the order's coupons, spend and earn points."""
    del uow, order, now


async def after_cancellation(uow: UnitOfWork, order: Order, was_paid: bool, now: datetime) -> None:
    """In the cancellation's transaction: give coupons and points back; a paid order is due a refund."""
    del uow, order, was_paid, now
