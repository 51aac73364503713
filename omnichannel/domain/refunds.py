"""Refunds and returns: what a refund of some lines gives back, to the cent and to the point.

- Only a paid order is refunded (ORDER_NOT_PAID otherwise). A refund names lines by variant and
  quantity, or nothing: everything not refunded yet. PENDING and SUCCEEDED refunds hold their
  quantities; asking for more than is left is REFUND_EXCEEDS_ORDER. A FAILED refund holds nothing.
- Money: what was paid (after promotions, coupons and points) is split over the order's lines by
  their list amounts (unit price x quantity), every line but the last rounded down to the cent and
  the last taking the rest, so the lines' shares sum to the total paid exactly. A line's share is
  refunded by units on running figures: after r of its Q units are refunded, floor(share * r / Q)
  is given back, so the refunds of a line sum to its share exactly once all units are back, and
  all refunds of an order to what was paid. Reason: amounts rounded refund by refund would drift
  and could add up to more (or less) than the customer paid.
- Points, on the same running rule by the lines' list amounts: the points the order redeemed come
  back (`points_returned`) and the points it earned are taken back (`points_reversed`). Taking back
  never makes a balance negative: what the member already spent is recorded as a shortfall.
- Coupons come back (if still valid) only once the whole order is refunded.
- Returned goods go back on hand (restockStoreId) only for an order that was shipped or handed over:
  before that the goods never left the store, and cancelling the order releases them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction

from .errors import DomainError, ErrorCode
from .orders import OrderStatus

CENT = Decimal("0.01")
MAX_REASON = 500


class RefundStatus(StrEnum):
    PENDING = "PENDING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"


HOLDING = frozenset({RefundStatus.PENDING, RefundStatus.SUCCEEDED})


@dataclass(frozen=True, slots=True)
class PaidLine:
    """An order line as paid: `list_amount` is unit price x quantity before any discount."""

    line_id: int
    variant_id: int
    quantity: int
    list_amount: Decimal


@dataclass(frozen=True, slots=True)
class RefundLine:
    line_id: int
    variant_id: int
    quantity: int
    amount: Decimal  # given back for these units
    unit_price: Decimal  # as ordered (list price, before discounts)


@dataclass(frozen=True, slots=True)
class Refund:
    id: int
    order_id: int
    status: RefundStatus
    amount: Decimal
    currency: str
    points_returned: int
    points_reversed: int
    points_shortfall: int
    reason: str
    lines: tuple[RefundLine, ...]
    restock_location_id: int | None
    reference: str | None
    created_at: datetime
    completed_at: datetime | None


@dataclass(frozen=True, slots=True)
class PaidOrder:
    order_id: int
    paid: bool
    total: Decimal  # what the customer paid
    points_redeemed: int
    points_earned: int
    lines: tuple[PaidLine, ...]


@dataclass(frozen=True, slots=True)
class RefundPlan:
    lines: tuple[RefundLine, ...]
    amount: Decimal
    points_returned: int
    points_reversed: int  # planned; the balance may allow less when it is applied
    whole: bool  # after this refund nothing of the order is left to refund


def _cents(amount: Decimal) -> int:
    return int((amount / CENT).to_integral_value())


def _money(cents: int) -> Decimal:
    return (Decimal(cents) * CENT).quantize(CENT)


def line_shares(order: PaidOrder) -> dict[int, int]:
    """Each line's share of the total paid, in cents: by list amount, the last line takes the rest."""
    lines = order.lines
    total = _cents(order.total)
    weights = [_cents(line.list_amount) for line in lines]
    weight = sum(weights)
    if not lines:
        return {}
    if weight == 0:
        parts = [0] * (len(lines) - 1) + [total]
    else:
        parts = [total * w // weight for w in weights[:-1]]
        parts.append(total - sum(parts))
    return {line.line_id: part for line, part in zip(lines, parts, strict=True)}


def refunded_units(refunds: Sequence[Refund]) -> dict[int, int]:
    """Units of each line that PENDING and SUCCEEDED refunds hold."""
    held: dict[int, int] = {}
    for refund in refunds:
        if refund.status in HOLDING:
            for line in refund.lines:
                held[line.line_id] = held.get(line.line_id, 0) + line.quantity
    return held


def _points_so_far(order: PaidOrder, units: Mapping[int, int], points: int) -> int:
    """Points of `points` that belong to these refunded units (running figure, rounded down)."""
    weight = sum(_cents(line.list_amount) for line in order.lines)
    if points == 0:
        return 0
    if weight == 0:  # nothing had a price: by units instead
        total_units = sum(line.quantity for line in order.lines)
        return points * sum(units.values()) // total_units if total_units else 0
    share = sum(
        (Fraction(_cents(line.list_amount) * units.get(line.line_id, 0), line.quantity) for line in order.lines),
        Fraction(0),
    )
    return int(points * share / weight)


def _wanted_units(
    order: PaidOrder, left: Mapping[int, int], wanted: Sequence[tuple[int, int]] | None
) -> dict[int, int]:
    """Units to refund per line: `wanted` (variant, quantity) spread over that variant's lines in order."""
    if wanted is None:
        everything = {line_id: n for line_id, n in left.items() if n > 0}
        if not everything:
            raise DomainError(ErrorCode.REFUND_EXCEEDS_ORDER, "Everything on this order is refunded already.")
        return everything
    if not wanted:
        raise DomainError(ErrorCode.INVALID_INPUT, "Name at least one line, or none to refund what is left.", ["lines"])
    units: dict[int, int] = {}
    for index, (variant_id, quantity) in enumerate(wanted):
        if quantity <= 0:
            raise DomainError(ErrorCode.INVALID_INPUT, "A quantity is at least 1.", ["lines", str(index), "quantity"])
        of_variant = [line for line in order.lines if line.variant_id == variant_id]
        if not of_variant:
            raise DomainError(
                ErrorCode.INVALID_INPUT, "This variant is not on the order.", ["lines", str(index), "variantId"]
            )
        for line in of_variant:
            free = left.get(line.line_id, 0) - units.get(line.line_id, 0)
            take = min(free, quantity)
            if take > 0:
                units[line.line_id] = units.get(line.line_id, 0) + take
                quantity -= take
        if quantity > 0:
            raise DomainError(
                ErrorCode.REFUND_EXCEEDS_ORDER,
                "That is more than is left to refund of this line.",
                ["lines", str(index), "quantity"],
            )
    return units


def plan(order: PaidOrder, refunds: Sequence[Refund], wanted: Sequence[tuple[int, int]] | None) -> RefundPlan:
    """What a new refund of `wanted` (variant, quantity) gives back, given the order's refunds so far."""
    if not order.paid:
        raise DomainError(ErrorCode.ORDER_NOT_PAID, "Only a paid order can be refunded.")
    held = refunded_units(refunds)
    left = {line.line_id: line.quantity - held.get(line.line_id, 0) for line in order.lines}
    units = _wanted_units(order, left, wanted)
    shares = line_shares(order)
    after = {k: held.get(k, 0) + units.get(k, 0) for k in {*held, *units}}
    lines = []
    for line in order.lines:
        n = units.get(line.line_id, 0)
        if n == 0:
            continue
        before_units = held.get(line.line_id, 0)
        share = shares[line.line_id]
        cents = share * (before_units + n) // line.quantity - share * before_units // line.quantity
        unit_price = (line.list_amount / line.quantity).quantize(CENT)
        lines.append(RefundLine(line.line_id, line.variant_id, n, _money(cents), unit_price))
    returned = _points_so_far(order, after, order.points_redeemed) - _points_so_far(order, held, order.points_redeemed)
    reversed_ = _points_so_far(order, after, order.points_earned) - _points_so_far(order, held, order.points_earned)
    whole = all(after.get(line.line_id, 0) == line.quantity for line in order.lines)
    amount = sum((line.amount for line in lines), Decimal("0.00"))
    return RefundPlan(tuple(lines), amount, returned, reversed_, whole)


HANDED_OVER = frozenset({OrderStatus.SHIPPED, OrderStatus.COMPLETED})  # goods a customer can bring back


def check_restock(status: OrderStatus) -> None:
    if status not in HANDED_OVER:
        raise DomainError(
            ErrorCode.INVALID_INPUT,
            "Nothing of this order was handed over or shipped: there are no goods to put back on hand.",
            ["restockStoreId"],
        )


def check_reason(reason: str) -> str:
    cleaned = reason.strip()
    if not cleaned or len(cleaned) > MAX_REASON or not cleaned.isprintable():
        raise DomainError(
            ErrorCode.INVALID_INPUT, f"reason must be 1 to {MAX_REASON} printable characters.", ["reason"]
        )
    return cleaned


@dataclass(frozen=True, slots=True)
class PointsOutcome:
    returned: int
    reversed: int
    shortfall: int


def apply_points(returned: int, reversed_planned: int, balance: int) -> PointsOutcome:
    """Give back first, then take back as far as the balance (after giving back) allows."""
    available = balance + returned
    taken = min(reversed_planned, max(available, 0))
    return PointsOutcome(returned, taken, reversed_planned - taken)


def fully_refunded(order: PaidOrder, refunds: Sequence[Refund]) -> bool:
    """Every unit of every line is back through SUCCEEDED refunds."""
    done: dict[int, int] = {}
    for refund in refunds:
        if refund.status is RefundStatus.SUCCEEDED:
            for line in refund.lines:
                done[line.line_id] = done.get(line.line_id, 0) + line.quantity
    return all(done.get(line.line_id, 0) >= line.quantity for line in order.lines)


@dataclass(frozen=True, slots=True)
class Confirmation:
    status: RefundStatus
    changed: bool  # False: the same confirmation again (idempotent), nothing to do


def confirm(refund: Refund, reference: str, succeeded: bool) -> Confirmation:
    """The provider says how the refund ended; the same answer twice is a no-op, a different one refused."""
    wanted = RefundStatus.SUCCEEDED if succeeded else RefundStatus.FAILED
    if refund.status is RefundStatus.PENDING:
        return Confirmation(wanted, True)
    if refund.reference == reference and refund.status is wanted:
        return Confirmation(wanted, False)
    raise DomainError(
        ErrorCode.INVALID_TRANSITION,
        f"This refund already ended {refund.status.value} (reference {refund.reference}).",
        ["refundId"],
    )
