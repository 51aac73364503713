"""Dashboards: what each report counts, the chain's day, and how an order's figures split by store.

Definitions (README "Reports" repeats them):
- A *paid order* is counted once, at its payment, on the Asia/Shanghai date of the payment; an order
  cancelled after payment leaves the figures of its payment day (it is counted in `cancelled` on the
  day it was cancelled instead); expired orders were never paid.
- Grouped by (or filtered to) stores, an order fulfilled by several locations counts as one order in
  each; its units are each location's own, and its revenue, discount, points redeemed and refunds
  are split by the value of each location's lines (to the cent, the remainder to the last
  location), so the parts of every figure sum exactly to the order's. Without a store dimension or
  filter it counts once.
- `refunded` is what the order's succeeded refunds gave back, on the order's payment day.
- Wait times: minutes from payment to ready (pickups) and from ready to collected, kept as a
  histogram (`wait_bucket`), percentiles by nearest rank over the buckets (`percentile`).

Rule: rollups are written in the transaction of the fact that changes them (resolvers/reports.py);
reports never read order rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from math import ceil
from zoneinfo import ZoneInfo

from .access import Principal, Role, require_signed_in
from .allocation import cents, money, split_by_weights
from .catalog import SalesChannel
from .errors import AccessDenied, DomainError, ErrorCode

CHAIN_ZONE = ZoneInfo("Asia/Shanghai")
ONLINE_CHANNELS = frozenset({SalesChannel.MINI_PROGRAM, SalesChannel.APP})
READ_ALL = frozenset({Role.HQ_ADMIN, Role.ANALYST})
MAX_PERIOD_DAYS = 400
MAX_STORE_IDS = 100
ONLINE_TEAM = 0  # the credit rollup's party for the online team (stores are their location ids)


class ReportDimension(StrEnum):
    DAY = "DAY"
    CHANNEL = "CHANNEL"
    STORE = "STORE"
    FULFILLMENT_MODE = "FULFILLMENT_MODE"


def chain_day(at: datetime) -> date:
    """The Asia/Shanghai date of a moment (a naive datetime is taken as UTC)."""
    if at.tzinfo is None:
        raise ValueError("report moments must be timezone-aware")
    return at.astimezone(CHAIN_ZONE).date()


@dataclass(frozen=True, slots=True)
class Period:
    """[start, end) as moments, and the chain days it covers: whole days only (see `period`)."""

    start: datetime
    end: datetime
    first_day: date
    last_day: date  # inclusive


def period(start: datetime, end: datetime) -> Period:
    """A report period. Rollups are by day, so both ends must fall on a chain midnight (00:00 in
    Asia/Shanghai); an end before or at the start, or a period over MAX_PERIOD_DAYS, is refused."""
    for name, at in (("from", start), ("to", end)):
        if at.tzinfo is None:
            raise DomainError(ErrorCode.INVALID_INPUT, f"{name} needs a time zone offset.", [name])
        local = at.astimezone(CHAIN_ZONE)
        if (local.hour, local.minute, local.second, local.microsecond) != (0, 0, 0, 0):
            raise DomainError(
                ErrorCode.INVALID_INPUT, f"{name} must be a midnight in Asia/Shanghai (reports are by day).", [name]
            )
    if end <= start:
        raise DomainError(ErrorCode.INVALID_INPUT, "from must come before to.", ["to"])
    first, after = chain_day(start), chain_day(end)
    if (after - first).days > MAX_PERIOD_DAYS:
        raise DomainError(ErrorCode.INVALID_INPUT, f"A period is at most {MAX_PERIOD_DAYS} days.", ["to"])
    return Period(start, end, first, after - timedelta(days=1))


def reader_stores(principal: Principal, asked: Sequence[int] | None, own_store_id: int | None) -> list[int] | None:
    """The stores a report may cover for this caller (None: every store). Head office and analysts
    read everything; a store manager their own store (asked for nothing: their store); others, or a
    manager asking for another store, are refused."""
    require_signed_in(principal)
    if asked is not None and len(asked) > MAX_STORE_IDS:
        raise DomainError(ErrorCode.INVALID_INPUT, f"At most {MAX_STORE_IDS} stores.", ["storeIds"])
    if principal.role in READ_ALL:
        return sorted(set(asked)) if asked else None
    if principal.role is Role.STORE_MANAGER and own_store_id is not None:
        if asked and set(asked) != {own_store_id}:
            raise AccessDenied()
        return [own_store_id]
    raise AccessDenied()


def require_chain_reader(principal: Principal) -> None:
    """Reports without a store dimension (coupons, points, credit): head office and analysts only."""
    require_signed_in(principal)
    if principal.role not in READ_ALL:
        raise AccessDenied()


@dataclass(frozen=True, slots=True)
class PaidLine:
    location_id: int
    quantity: int
    value: Decimal  # quantity x unit price


@dataclass(frozen=True, slots=True)
class SalesPart:
    """One location's part of a paid order (see the module's definitions)."""

    location_id: int
    orders_once: int  # 1 for the first location of the order, else 0 (counts the order once)
    units: int
    revenue: Decimal
    discount: Decimal
    points_redeemed: int


def sales_parts(
    lines: Sequence[PaidLine], *, fallback_location_id: int, revenue: Decimal, discount: Decimal, points_redeemed: int
) -> list[SalesPart]:
    """The order's figures by fulfilling location, ascending by location id; every figure's parts sum
    to the order's. No lines (or no location): all of it at fallback_location_id."""
    by_location: dict[int, tuple[int, int]] = {}
    for line in lines:
        units, value = by_location.get(line.location_id, (0, 0))
        by_location[line.location_id] = (units + line.quantity, value + cents(line.value))
    if not by_location:
        by_location[fallback_location_id] = (0, 0)
    locations = sorted(by_location)
    weights = [by_location[loc][1] for loc in locations]
    revenue_parts = split_by_weights(cents(revenue), weights)
    discount_parts = split_by_weights(cents(discount), weights)
    points_parts = split_by_weights(points_redeemed, weights)
    return [
        SalesPart(loc, 1 if i == 0 else 0, by_location[loc][0], money(r), money(d), p)
        for i, (loc, r, d, p) in enumerate(zip(locations, revenue_parts, discount_parts, points_parts, strict=True))
    ]


def refund_parts(parts: Sequence[SalesPart], refunded_total: Decimal) -> list[Decimal]:
    """What the order's refunds gave back, split over its locations by their revenue (to the cent)."""
    return [money(c) for c in split_by_weights(cents(refunded_total), [cents(p.revenue) for p in parts])]


# wait-time histogram: minute buckets up to 2 h, 10-minute ones up to a day, hours up to 30 days
FINE_UNTIL, MEDIUM_UNTIL, CAP = 120, 1440, 30 * 1440


def wait_bucket(minutes: float) -> int:
    """The histogram bucket (its lower bound in minutes) of a wait; negative waits (clock skew) are 0."""
    m = max(0, int(minutes))
    if m < FINE_UNTIL:
        return m
    if m < MEDIUM_UNTIL:
        return m - m % 10
    return min(m - m % 60, CAP)


def minutes_between(start: datetime, end: datetime) -> float:
    return (end - start).total_seconds() / 60


def percentile(histogram: Iterable[tuple[int, int]], q: float) -> float | None:
    """Nearest-rank percentile over (bucket, count) pairs: the bucket holding the ceil(q x n)-th wait."""
    ordered = sorted((b, c) for b, c in histogram if c > 0)
    n = sum(c for _, c in ordered)
    if n == 0:
        return None
    rank, seen = max(1, ceil(q * n)), 0
    for bucket, count in ordered:
        seen += count
        if seen >= rank:
            return float(bucket)
    raise AssertionError("unreachable")


def share(part: int, whole: int) -> float:
    return part / whole if whole else 0.0
