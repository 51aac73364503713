"""Safety stock and low-stock alerts: when a level is low, and what a change means for its alert.

Rule: a level is low when its safety stock is above 0 and `on_hand - reserved` (what is physically
free, safety stock included) is at or below it. An alert opens when a level becomes low - by any
cause: an order, an adjustment, a sync, a transfer, a return, or a safety stock raised over the
stock - and stays the one open alert of that level (no repeats) until `on_hand - reserved` rises
above the safety stock again, which resolves it. Reason: a store manager wants to be told once that
a shelf needs restocking, and to see that it was restocked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from .errors import DomainError, ErrorCode

MAX_SAFETY_STOCK = 1_000_000


class AlertAction(StrEnum):
    RAISE = "RAISE"  # open an alert unless one is open
    RESOLVE = "RESOLVE"  # close the open alert, if any


@dataclass(frozen=True, slots=True)
class LowStockAlert:
    id: int
    location_id: int
    variant_id: int
    on_hand: int  # when it was raised
    reserved: int
    safety_stock: int
    raised_at: datetime
    resolved_at: datetime | None = None

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None


def is_low(on_hand: int, reserved: int, safety_stock: int) -> bool:
    return safety_stock > 0 and on_hand - reserved <= safety_stock


def action(
    on_hand: int, reserved: int, safety_stock: int, *, free_delta: int, safety_changed: bool
) -> AlertAction | None:
    """What a change leaves to do about the level's alert.

    `free_delta` is the change's effect on on_hand - reserved. A low level always asks to RAISE (the
    store keeps one open alert: a second is not opened); a level that is not low asks to RESOLVE only
    when the change could have lifted it (free stock went up, or the safety stock moved), so a
    reservation or a sale - the common changes - costs nothing here.
    """
    if is_low(on_hand, reserved, safety_stock):
        return AlertAction.RAISE
    if free_delta > 0 or safety_changed:
        return AlertAction.RESOLVE
    return None


def check_safety_stock(value: int) -> int:
    if value < 0:
        raise DomainError(ErrorCode.INVALID_INPUT, "Safety stock cannot be negative.", ["safetyStock"])
    if value > MAX_SAFETY_STOCK:
        raise DomainError(ErrorCode.INVALID_INPUT, f"Safety stock must be at most {MAX_SAFETY_STOCK}.", ["safetyStock"])
    return value
