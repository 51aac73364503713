"""Sales per level, kept as they happen; slow movers and transfer proposals read from them.

A sale counts when its stock leaves the building: a pickup handed over, a parcel shipped (the
fulfilment leaves a status that holds stock for SHIPPED or COMPLETED). The units are added to the
level's day (the chain's business day, Shanghai time) in the transaction of that step, so a sale
counts within the request that made it, never after a nightly job. Returns given back to a store
are not subtracted (a slow mover is stock that does not sell, not stock that came back).

Slow movers: variants with stock at a store whose days of cover (onHand / daily units sold over
the window) is at least minDaysOfCover, or that sold nothing in the window; those that sold nothing
first (most on hand first), then by days of cover, most first.

Transfer proposals: for a store's slow stock, the nearest stores within the routing search radius
where the same variant sold in the window and has under 14 days of cover; quantity = what the
destination needs for 30 days of its own sales less what it holds, capped by what the source holds
beyond 30 days of its own sales, at least 1.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from .errors import DomainError, ErrorCode
from .events import FulfillmentAdvanced
from .orders import HOLDING_STATUSES, FulfillmentStatus

SHANGHAI = timezone(timedelta(hours=8), "Asia/Shanghai")  # the chain's business day (no daylight saving)
SOLD_STATUSES = frozenset({FulfillmentStatus.SHIPPED, FulfillmentStatus.COMPLETED})

DEFAULT_WINDOW_DAYS = 30
MAX_WINDOW_DAYS = 365
DEFAULT_MIN_DAYS_OF_COVER = 60.0
MAX_MIN_DAYS_OF_COVER = 1_000_000.0
NEEDY_DAYS_OF_COVER = 14.0  # a destination with less cover than this needs stock
TARGET_DAYS = 30  # a destination is topped up to this many days of its own sales; a source keeps as many
PROPOSAL_WINDOW_DAYS = 30


@dataclass(frozen=True, slots=True)
class Sale:
    """Units of a variant that left a location at a moment."""

    location_id: int
    variant_id: int
    units: int
    at: datetime

    @property
    def day(self) -> date:
        return business_day(self.at)


def business_day(at: datetime) -> date:
    return at.astimezone(SHANGHAI).date()


def window_start(now: datetime, window_days: int) -> date:
    """The first business day of a window of `window_days` days ending today (today included)."""
    return business_day(now) - timedelta(days=window_days - 1)


def sales_of(event: FulfillmentAdvanced) -> list[Sale]:
    """What a fulfilment's move sold: its lines, when it left a stock-holding status for SHIPPED or
    COMPLETED (a parcel delivered after it shipped was counted when it shipped)."""
    if event.previous_status not in HOLDING_STATUSES or event.fulfillment_status not in SOLD_STATUSES:
        return []
    return [Sale(line.location_id, line.variant_id, line.quantity, event.at) for line in event.lines]


def check_window(window_days: int | None, min_days_of_cover: float | None) -> tuple[int, float]:
    window = DEFAULT_WINDOW_DAYS if window_days is None else window_days
    cover = DEFAULT_MIN_DAYS_OF_COVER if min_days_of_cover is None else min_days_of_cover
    if not 1 <= window <= MAX_WINDOW_DAYS:
        raise DomainError(ErrorCode.INVALID_INPUT, f"windowDays must be 1 to {MAX_WINDOW_DAYS}.", ["windowDays"])
    if not (math.isfinite(cover) and 0 <= cover <= MAX_MIN_DAYS_OF_COVER):
        raise DomainError(
            ErrorCode.INVALID_INPUT, f"minDaysOfCover must be 0 to {MAX_MIN_DAYS_OF_COVER:g}.", ["minDaysOfCover"]
        )
    return window, cover


@dataclass(frozen=True, slots=True)
class LevelSales:
    """A level's stock and what it sold over a window (read from the kept aggregate)."""

    location_id: int
    variant_id: int
    on_hand: int
    units_sold: int
    window_days: int
    last_sold_at: datetime | None = None

    @property
    def daily_sales(self) -> float:
        return self.units_sold / self.window_days

    @property
    def days_of_cover(self) -> float | None:
        """Days the stock lasts at this pace; None when nothing sold in the window."""
        return self.on_hand / self.daily_sales if self.units_sold > 0 else None

    def is_slow(self, min_days_of_cover: float) -> bool:
        cover = self.days_of_cover
        return self.on_hand > 0 and (cover is None or cover >= min_days_of_cover)


def slowest_first(levels: Sequence[LevelSales]) -> list[LevelSales]:
    """Those that sold nothing first (most on hand first), then by days of cover, most first."""
    return sorted(
        levels,
        key=lambda x: (
            x.units_sold > 0,
            -(x.days_of_cover or 0.0) if x.units_sold else -x.on_hand,
            x.location_id,
            x.variant_id,
        ),
    )


# ---- transfer proposals ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Proposal:
    variant_id: int
    from_location_id: int
    to_location_id: int
    quantity: int
    distance_km: float
    reason: str


def needs_stock(destination: LevelSales) -> bool:
    """It sold in the window and holds under NEEDY_DAYS_OF_COVER days of it."""
    cover = destination.days_of_cover
    return cover is not None and cover < NEEDY_DAYS_OF_COVER


def _units(days: float, level: LevelSales) -> float:
    return days * level.daily_sales


def proposed_quantity(source: LevelSales, destination: LevelSales) -> int:
    """What the destination needs for TARGET_DAYS of its sales less what it holds, capped by what the
    source holds beyond TARGET_DAYS of its own; 0 when no unit can move."""
    needed = math.ceil(_units(TARGET_DAYS, destination) - destination.on_hand)
    spare = math.floor(source.on_hand - _units(TARGET_DAYS, source))
    return max(0, min(needed, spare))


def _sold(level: LevelSales) -> str:
    return f"sold {level.units_sold} in {level.window_days} days" if level.units_sold else "sold none"


def reason(source: LevelSales, destination: LevelSales, source_code: str, destination_code: str) -> str:
    """The figures behind a proposal in a store manager's words."""
    return (
        f"{destination_code} {_sold(destination)} and holds {destination.on_hand}; "
        f"{source_code} holds {source.on_hand} and {_sold(source)}"
    )


def propose(
    source: LevelSales,
    destinations: Sequence[tuple[LevelSales, float]],
    codes: dict[int, str],
) -> list[Proposal]:
    """Proposals for one slow level: the nearest needy destinations first, each getting what it needs
    while the source has spare units (what one destination takes is no longer spare for the next)."""
    made: list[Proposal] = []
    left = source
    for destination, distance in sorted(destinations, key=lambda pair: (pair[1], codes[pair[0].location_id])):
        if destination.location_id == source.location_id or not needs_stock(destination):
            continue
        quantity = proposed_quantity(left, destination)
        if quantity < 1:
            continue
        made.append(
            Proposal(
                source.variant_id,
                source.location_id,
                destination.location_id,
                quantity,
                round(distance, 3),
                reason(source, destination, codes[source.location_id], codes[destination.location_id]),
            )
        )
        left = LevelSales(left.location_id, left.variant_id, left.on_hand - quantity, left.units_sold, left.window_days)
    return made
