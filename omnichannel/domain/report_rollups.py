"""What a paid order adds to the report rollups, and what its cancellation or refunds take back.

An order's contribution is decided once, at payment (`PaidOrder`, kept beside the rollups), so a
cancellation subtracts exactly what the payment added and a refund changes exactly the difference
between what its order's refunds gave back before and after (domain/reports.py has the definitions).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal

from .catalog import SalesChannel
from .credit import CreditLine, SalesCredit, credit_split
from .locations import FulfillmentMode
from .reports import ONLINE_TEAM, PaidLine, SalesPart, chain_day, refund_parts, sales_parts

ZERO = Decimal("0.00")


@dataclass(frozen=True, slots=True)
class CouponUse:
    template_id: int
    amount: Decimal  # what the coupon took off the order


@dataclass(frozen=True, slots=True)
class PaidOrderFacts:
    """What the payment's event does not carry, read in its transaction."""

    points_redeemed: int
    store_location_ids: frozenset[int]  # which of the order's locations are stores (not warehouses)
    coupons: tuple[CouponUse, ...]


@dataclass(frozen=True, slots=True)
class PaidOrder:
    order_id: int
    paid_at: datetime
    day: date
    channel: SalesChannel
    mode: FulfillmentMode
    parts: tuple[SalesPart, ...]
    lines: tuple[CreditLine, ...]  # for the credit split again after refunds
    selling_store_id: int | None
    paid: Decimal
    store_share: Decimal
    credit: tuple[tuple[int, Decimal], ...]  # (party, amount): ONLINE_TEAM or a location id
    coupons: tuple[CouponUse, ...]
    refunded: tuple[Decimal, ...]  # by part
    cancelled: bool = False


@dataclass(frozen=True, slots=True)
class SalesDelta:
    location_id: int
    orders: int
    orders_once: int
    units: int
    revenue: Decimal
    discount: Decimal
    points_redeemed: int
    refunded: Decimal


@dataclass(frozen=True, slots=True)
class CouponDelta:
    template_id: int
    redeemed: int
    discount: Decimal


@dataclass(frozen=True, slots=True)
class RollupDelta:
    """Changes to one payment day's rollups."""

    day: date
    channel: SalesChannel
    mode: FulfillmentMode
    sales: tuple[SalesDelta, ...]
    credit: tuple[tuple[int, Decimal], ...]
    coupons: tuple[CouponDelta, ...]


def _party(credit: SalesCredit) -> int:
    return ONLINE_TEAM if credit.location_id is None else credit.location_id


def paid_order(
    *,
    order_id: int,
    paid_at: datetime,
    channel: SalesChannel,
    mode: FulfillmentMode,
    lines: Sequence[tuple[int, int, int, Decimal]],  # (location, variant, quantity, unit price)
    fallback_location_id: int,
    selling_store_id: int | None,
    amount: Decimal,
    discount: Decimal,
    facts: PaidOrderFacts,
    store_share: Decimal,
) -> PaidOrder:
    parts = sales_parts(
        [PaidLine(loc, qty, price * qty) for loc, _, qty, price in lines],
        fallback_location_id=fallback_location_id,
        revenue=amount,
        discount=discount,
        points_redeemed=facts.points_redeemed,
    )
    credit_lines = tuple(
        CreditLine(loc, loc in facts.store_location_ids, variant, price * qty) for loc, variant, qty, price in lines
    )
    credit = credit_split(
        channel=channel, selling_store_id=selling_store_id, lines=credit_lines, paid=amount, store_share=store_share
    )
    return PaidOrder(
        order_id,
        paid_at,
        chain_day(paid_at),
        channel,
        mode,
        tuple(parts),
        credit_lines,
        selling_store_id,
        amount,
        store_share,
        tuple((_party(c), c.amount) for c in credit),
        facts.coupons,
        tuple(ZERO for _ in parts),
    )


def _coupon_deltas(coupons: Sequence[CouponUse], sign: int) -> tuple[CouponDelta, ...]:
    by_template: dict[int, tuple[int, Decimal]] = {}
    for use in coupons:
        count, amount = by_template.get(use.template_id, (0, ZERO))
        by_template[use.template_id] = (count + 1, amount + use.amount)
    return tuple(CouponDelta(t, sign * n, sign * a) for t, (n, a) in sorted(by_template.items()))


def payment_delta(order: PaidOrder) -> RollupDelta:
    """What the payment adds."""
    return RollupDelta(
        order.day,
        order.channel,
        order.mode,
        tuple(
            SalesDelta(p.location_id, 1, p.orders_once, p.units, p.revenue, p.discount, p.points_redeemed, ZERO)
            for p in order.parts
        ),
        order.credit,
        _coupon_deltas(order.coupons, 1),
    )


def cancellation_delta(order: PaidOrder) -> RollupDelta:
    """What a cancellation after payment takes back: everything the order still adds."""
    return RollupDelta(
        order.day,
        order.channel,
        order.mode,
        tuple(
            SalesDelta(p.location_id, -1, -p.orders_once, -p.units, -p.revenue, -p.discount, -p.points_redeemed, -r)
            for p, r in zip(order.parts, order.refunded, strict=True)
        ),
        tuple((party, -amount) for party, amount in order.credit),
        _coupon_deltas(order.coupons, -1),
    )


def after_refunds(
    order: PaidOrder, refunded_total: Decimal, refunded_by_variant: Mapping[int, Decimal]
) -> tuple[PaidOrder, RollupDelta]:
    """The order once its succeeded refunds total `refunded_total` (cumulative, so a refund handled
    twice changes nothing), and the change to its payment day's rollups."""
    refunded = tuple(refund_parts(order.parts, refunded_total))
    credit = credit_split(
        channel=order.channel,
        selling_store_id=order.selling_store_id,
        lines=order.lines,
        paid=order.paid,
        store_share=order.store_share,
        refunded_by_variant=refunded_by_variant,
    )
    new_credit = {_party(c): c.amount for c in credit}
    old_credit = dict(order.credit)
    credit_delta = tuple(
        (party, new_credit.get(party, ZERO) - old_credit.get(party, ZERO))
        for party in sorted(set(new_credit) | set(old_credit))
        if new_credit.get(party, ZERO) != old_credit.get(party, ZERO)
    )
    delta = RollupDelta(
        order.day,
        order.channel,
        order.mode,
        tuple(
            SalesDelta(p.location_id, 0, 0, 0, ZERO, ZERO, 0, new - old)
            for p, new, old in zip(order.parts, refunded, order.refunded, strict=True)
            if new != old
        ),
        credit_delta,
        (),
    )
    return replace(order, refunded=refunded, credit=tuple(sorted(new_credit.items()))), delta


def as_cancelled(order: PaidOrder) -> PaidOrder:
    """The order once its cancellation took back everything it added."""
    return replace(order, cancelled=True)
