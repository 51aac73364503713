"""Holding stock for orders: what to reserve where, in which order, and what to say when it is short."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from .catalog import Variant
from .errors import DomainError, ErrorCode
from .events import StockChanged, stock_changes
from .inventory import MovementReason, StockLevel, StockMovement
from .locations import FulfillmentMode, Location

NEARBY_STORES = 3


@dataclass(frozen=True, slots=True)
class Hold:
    """A quantity of one variant held (reserved, released or sold) at one location."""

    location_id: int
    variant_id: int
    quantity: int


def lock_order(holds: Iterable[Hold]) -> list[Hold]:
    """Holds merged per (location, variant) and sorted by it.

    Every transaction that touches several stock rows takes their locks in this one order, so two
    orders over the same SKUs in opposite line order wait for each other instead of deadlocking.
    """
    merged: dict[tuple[int, int], int] = {}
    for hold in holds:
        key = (hold.location_id, hold.variant_id)
        merged[key] = merged.get(key, 0) + hold.quantity
    return [Hold(loc, var, qty) for (loc, var), qty in sorted(merged.items()) if qty > 0]


@dataclass(frozen=True, slots=True)
class Shortage:
    index: int  # the line's position in the request
    variant_id: int
    wanted: int
    available: int


def shortages(wanted: Sequence[tuple[int, int]], available: Mapping[int, int]) -> list[Shortage]:
    """Lines (variant, quantity) the location cannot cover from what it has available now."""
    return [
        Shortage(i, variant_id, quantity, available.get(variant_id, 0))
        for i, (variant_id, quantity) in enumerate(wanted)
        if available.get(variant_id, 0) < quantity
    ]


def stores_that_have(
    wanted: Sequence[tuple[int, int]],
    network: Sequence[tuple[Location, Mapping[int, int]]],
    origin: Location,
    limit: int = NEARBY_STORES,
) -> list[tuple[Location, float]]:
    """Other pickup stores that can cover all of these lines now, nearest to origin first."""
    found = [
        (location, location.distance_to(origin.point))
        for location, available in network
        if location.id != origin.id
        and location.offers(FulfillmentMode.PICKUP)
        and all(available.get(variant_id, 0) >= quantity for variant_id, quantity in wanted)
    ]
    found.sort(key=lambda pair: (pair[1], pair[0].code))
    return found[:limit]


class OutOfStock(DomainError):
    """One line the location cannot cover; `alternatives` are stores that could take the whole order."""

    def __init__(
        self, message: str, field: Sequence[str], shortage: Shortage, alternatives: Sequence[tuple[Location, float]]
    ) -> None:
        super().__init__(ErrorCode.OUT_OF_STOCK, message, field)
        self.shortage = shortage
        self.alternatives = tuple(alternatives)


def out_of_stock(
    short: Sequence[Shortage],
    variants: Mapping[int, Variant],
    location: Location,
    nearby: Mapping[int, Sequence[tuple[Location, float]]],
    alternatives: Sequence[tuple[Location, float]],
) -> list[OutOfStock]:
    """One userError per short line, naming it and the nearby stores that have it."""
    errors = []
    for shortage in short:
        variant = variants.get(shortage.variant_id)
        name = f"{variant.title} ({variant.sku})" if variant else f"variant {shortage.variant_id}"
        message = (
            f"Not enough stock at {location.name} for {name}: {shortage.wanted} wanted, {shortage.available} available."
        )
        stores = nearby.get(shortage.variant_id, ())
        if stores:
            listed = ", ".join(f"{s.name} ({s.code}, {km:.1f} km)" for s, km in stores)
            message += f" Nearby stores that have it: {listed}."
        errors.append(OutOfStock(message, ["lines", str(shortage.index)], shortage, alternatives))
    return errors


DELTAS: dict[MovementReason, tuple[int, int]] = {
    # reason: (sign of the on-hand change, sign of the reserved change)
    MovementReason.RESERVATION: (0, 1),
    MovementReason.RELEASE: (0, -1),
    MovementReason.SALE: (-1, -1),
}


def movements(
    reason: MovementReason, holds: Sequence[Hold], levels_after: Sequence[StockLevel], reference: str | None = None
) -> list[StockMovement]:
    """The ledger entries for holds applied in lock order (levels_after[i] is holds[i]'s row after it)."""
    on_hand_sign, reserved_sign = DELTAS[reason]
    return [
        StockMovement(
            hold.location_id,
            hold.variant_id,
            reason,
            on_hand_sign * hold.quantity,
            reserved_sign * hold.quantity,
            level.on_hand,
            level.reserved,
            reference=reference,
        )
        for hold, level in zip(holds, levels_after, strict=True)
    ]


@dataclass(frozen=True, slots=True)
class StockMoves:
    """What holds applied to their stock rows mean: the ledger entries to write and the facts to record."""

    movements: list[StockMovement]
    events: list[StockChanged]


def moved(
    reason: MovementReason,
    holds: Sequence[Hold],
    levels_after: Sequence[StockLevel],
    *,
    reference: str | None,
    at: datetime,
) -> StockMoves:
    """Holds reserved, released or sold (in lock order; levels_after[i] is holds[i]'s row after it)."""
    entries = movements(reason, holds, levels_after, reference)
    return StockMoves(entries, stock_changes(entries, levels_after, at))


def sold_from_shelf(
    holds: Sequence[Hold], levels_after: Sequence[StockLevel], *, reference: str | None, at: datetime
) -> StockMoves:
    """Units sold at the till straight off the shelf: on hand down, nothing was reserved (SALE)."""
    entries = [
        StockMovement(
            hold.location_id,
            hold.variant_id,
            MovementReason.SALE,
            -hold.quantity,
            0,
            level.on_hand,
            level.reserved,
            reference=reference,
        )
        for hold, level in zip(holds, levels_after, strict=True)
    ]
    return StockMoves(entries, stock_changes(entries, levels_after, at))
