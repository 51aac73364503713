"""Splitting an amount of money into parts that sum to it exactly, to the cent.

Rule: every part but the last is rounded down to the cent, the last takes what is left, and a
running figure (what is owed after everything so far) is rounded once, never each step. Reason:
parts that sum exactly to their whole (refunds, commission, credit) and reversals that bring a
total back to exactly zero cannot come from rounding each piece on its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
CENTS = 100


def cents(amount: Decimal) -> int:
    return int((amount * CENTS).to_integral_value(rounding=ROUND_HALF_UP))


def money(cents_: int) -> Decimal:
    return (Decimal(cents_) / CENTS).quantize(CENT)


def round_cent(amount: Decimal) -> Decimal:
    """Half up to the cent (as tills round)."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def split_by_weights(whole: int, weights: Sequence[int]) -> list[int]:
    """whole (an integer: cents) split in proportion to non-negative weights, remainder to the last part.

    Every part is floor(whole * w / W) but the last; with no weight at all the last part takes it all.
    For a negative whole the split is the mirror of the positive one.
    """
    if not weights:
        raise ValueError("nothing to split over")
    if any(w < 0 for w in weights):
        raise ValueError("weights must not be negative")
    if whole < 0:
        return [-p for p in split_by_weights(-whole, weights)]
    total = sum(weights)
    if total == 0:
        return [0] * (len(weights) - 1) + [whole]
    parts = [whole * w // total for w in weights[:-1]]
    return [*parts, whole - sum(parts)]


def split_money(amount: Decimal, weights: Sequence[Decimal]) -> list[Decimal]:
    """An amount split by the parts' values, to the cent, the remainder to the last part."""
    return [money(c) for c in split_by_weights(cents(amount), [cents(w) for w in weights])]
