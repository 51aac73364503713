"""What an order costs: priced lines, order lines merged from fulfilment lines, and totals."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from .money import Money


@dataclass(frozen=True, slots=True)
class PricedLine:
    """A variant, how many, and what one costs (for this channel at the fulfilling location)."""

    variant_id: int
    quantity: int
    unit_price: Money

    @property
    def total(self) -> Money:
        return self.unit_price.times(self.quantity)


@dataclass(frozen=True, slots=True)
class Totals:
    subtotal: Money
    discount_total: Money
    total: Money


def totals(lines: Iterable[PricedLine], discount: Money | None = None) -> Totals:
    subtotal = Money.of(0)
    for line in lines:
        subtotal = subtotal + line.total
    off = discount or Money.of(0)
    if off.amount < 0 or off.amount > subtotal.amount:
        raise ValueError("a discount is between zero and the subtotal")
    return Totals(subtotal, off, subtotal - off)


def order_lines(fulfilment_lines: Iterable[PricedLine]) -> list[PricedLine]:
    """The order's lines: fulfilment lines of one variant at one price merged, in first-seen order."""
    merged: dict[tuple[int, Decimal], PricedLine] = {}
    for line in fulfilment_lines:
        key = (line.variant_id, line.unit_price.amount)
        seen = merged.get(key)
        merged[key] = line if seen is None else dataclasses.replace(seen, quantity=seen.quantity + line.quantity)
    return list(merged.values())
