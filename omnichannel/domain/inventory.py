"""Stock per variant per location and the rules every movement obeys."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import NamedTuple

from .errors import DomainError, ErrorCode


class MovementReason(StrEnum):
    SALE = "SALE"
    RESERVATION = "RESERVATION"
    RELEASE = "RELEASE"
    TRANSFER = "TRANSFER"
    ADJUSTMENT = "ADJUSTMENT"
    SYNC = "SYNC"
    RETURN = "RETURN"


class StockLevel(NamedTuple):
    """Stock of one variant at one location. Immutable; a tuple because a catalogue page reads
    thousands of them and a tuple is built from a database row in one step."""

    location_id: int
    variant_id: int
    on_hand: int = 0
    reserved: int = 0
    safety_stock: int = 0
    online_reserved: int = 0  # the part of `reserved` online orders hold (domain.online_allocation)

    @property
    def available(self) -> int:
        """What can be promised now: never the reserved units, never the safety stock, never below 0."""
        free = self.on_hand - self.reserved - self.safety_stock
        return free if free > 0 else 0


@dataclass(frozen=True, slots=True)
class StockMovement:
    location_id: int
    variant_id: int
    reason: MovementReason
    on_hand_delta: int
    reserved_delta: int
    on_hand_after: int
    reserved_after: int
    note: str = ""
    reference: str | None = None


MAX_REASON_LENGTH = 200
MAX_ABS_DELTA = 1_000_000


def check_adjustment(delta: int, reason: str) -> str:
    """Validate a manual stock adjustment request; returns the cleaned reason."""
    cleaned = reason.strip()
    if delta == 0:
        raise DomainError(ErrorCode.INVALID_INPUT, "An adjustment must change the stock (delta is 0).", ["delta"])
    if abs(delta) > MAX_ABS_DELTA:
        raise DomainError(ErrorCode.INVALID_INPUT, f"Delta must be within ±{MAX_ABS_DELTA}.", ["delta"])
    if not cleaned:
        raise DomainError(ErrorCode.INVALID_INPUT, "Say why the stock changes (reason is empty).", ["reason"])
    if len(cleaned) > MAX_REASON_LENGTH:
        raise DomainError(
            ErrorCode.INVALID_INPUT, f"Reason must be at most {MAX_REASON_LENGTH} characters.", ["reason"]
        )
    return cleaned


def adjusted(level: StockLevel, delta: int) -> StockLevel:
    """The level after adding delta to on hand; refuses to go below zero or below what is reserved."""
    on_hand = level.on_hand + delta
    if on_hand < 0:
        raise DomainError(
            ErrorCode.NEGATIVE_STOCK,
            f"Stock cannot go below zero: {level.on_hand} on hand, change {delta}.",
            ["delta"],
        )
    if on_hand < level.reserved:
        raise DomainError(
            ErrorCode.NEGATIVE_STOCK,
            f"{level.reserved} units are reserved for orders; on hand cannot drop to {on_hand}.",
            ["delta"],
        )
    return level._replace(on_hand=on_hand)


def adjustment(level: StockLevel, delta: int, note: str) -> tuple[StockLevel, StockMovement]:
    """A manual change of on-hand stock: the row after it and its ledger entry."""
    after = adjusted(level, delta)
    movement = StockMovement(
        level.location_id, level.variant_id, MovementReason.ADJUSTMENT, delta, 0, after.on_hand, after.reserved, note
    )
    return after, movement
