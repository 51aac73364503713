"""The dashboards (salesReport, fulfillmentReport, channelMix, couponUsage, pointsUsage, creditReport).

Who may read what is decided first (domain.reports: head office and analysts everything, a store
manager their own store), then one statement over the rollups, then the stores and templates the
rows name, in one batch each.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from ..domain.catalog import SalesChannel
from ..domain.coupons import CouponTemplate
from ..domain.errors import DomainError, ErrorCode
from ..domain.locations import FulfillmentMode, Location
from ..domain.reports import (
    ONLINE_CHANNELS,
    ReportDimension,
    percentile,
    period,
    reader_stores,
    require_chain_reader,
    share,
)
from ..persistence.repositories import report_reads as reads
from .context import Context

MAX_CHANNELS = 10


@dataclass(frozen=True, slots=True)
class SalesRow:
    figures: reads.SalesFigures
    store: Location | None


@dataclass(frozen=True, slots=True)
class FulfillmentRow:
    store: Location
    orders: int
    pickup_share: float
    minutes_to_ready_p50: float | None
    minutes_to_ready_p90: float | None
    minutes_to_collect_p50: float | None
    expired: int
    cancelled: int


@dataclass(frozen=True, slots=True)
class ChannelMix:
    online_share: float
    pickup_share: float
    orders: int


@dataclass(frozen=True, slots=True)
class CouponUsageRow:
    template: CouponTemplate
    claimed: int
    redeemed: int
    discount: Decimal


@dataclass(frozen=True, slots=True)
class PointsUsage:
    earned: int
    redeemed: int
    expired: int
    reversed: int


@dataclass(frozen=True, slots=True)
class CreditRow:
    store: Location | None
    amount: Decimal


async def _stores(ctx: Context, asked: Sequence[int] | None) -> list[int] | None:
    own = None
    if ctx.principal.store_code:
        found: Location | None = await ctx.loaders.location_by_code.load(ctx.principal.store_code)
        own = found.id if found is not None else None
    return reader_stores(ctx.principal, asked, own)


async def _locations(ctx: Context, ids: Sequence[int]) -> dict[int, Location]:
    found: list[Location | None] = await ctx.loaders.location.load_many(sorted(set(ids)))
    return {loc.id: loc for loc in found if loc is not None}


async def sales_report(
    ctx: Context,
    *,
    start: datetime,
    end: datetime,
    group_by: Sequence[ReportDimension],
    store_ids: Sequence[int] | None,
    channels: Sequence[SalesChannel] | None,
) -> list[SalesRow]:
    stores = await _stores(ctx, store_ids)
    days = period(start, end)
    if channels is not None and len(channels) > MAX_CHANNELS:
        raise DomainError(ErrorCode.INVALID_INPUT, "Too many channels.", ["channels"])
    dims = list(dict.fromkeys(group_by))  # each dimension once, in the order asked
    rows = await reads.sales(
        days.first_day, days.last_day, dims, location_ids=stores, channels=sorted(set(channels)) if channels else None
    )
    places = await _locations(ctx, [r.location_id for r in rows if r.location_id is not None])
    return [SalesRow(r, places.get(r.location_id) if r.location_id is not None else None) for r in rows]


async def fulfillment_report(
    ctx: Context, *, start: datetime, end: datetime, store_ids: Sequence[int] | None
) -> list[FulfillmentRow]:
    stores = await _stores(ctx, store_ids)
    days = period(start, end)
    rows = await reads.fulfillment(days.first_day, days.last_day, location_ids=stores)
    places = await _locations(ctx, [r.location_id for r in rows])
    return [
        FulfillmentRow(
            places[r.location_id],
            r.orders,
            share(r.pickup_orders, r.orders),
            percentile(r.ready_waits, 0.5),
            percentile(r.ready_waits, 0.9),
            percentile(r.collect_waits, 0.5),
            r.expired,
            r.cancelled,
        )
        for r in rows
        if r.location_id in places
    ]


async def channel_mix(ctx: Context, *, start: datetime, end: datetime, store_ids: Sequence[int] | None) -> ChannelMix:
    stores = await _stores(ctx, store_ids)
    days = period(start, end)
    counts = await reads.orders_by_channel_and_mode(days.first_day, days.last_day, location_ids=stores)
    total = sum(n for _, _, n in counts)
    online = sum(n for channel, _, n in counts if channel in ONLINE_CHANNELS)
    online_pickup = sum(
        n for channel, mode, n in counts if channel in ONLINE_CHANNELS and mode is FulfillmentMode.PICKUP
    )
    return ChannelMix(share(online, total), share(online_pickup, online), total)


async def coupon_usage(ctx: Context, *, start: datetime, end: datetime) -> list[CouponUsageRow]:
    require_chain_reader(ctx.principal)
    days = period(start, end)
    rows = await reads.coupons(days.first_day, days.last_day)
    templates: list[CouponTemplate | None] = await ctx.loaders.coupon_template.load_many([r[0] for r in rows])
    return [
        CouponUsageRow(template, claimed, redeemed, discount)
        for (_, claimed, redeemed, discount), template in zip(rows, templates, strict=True)
        if template is not None
    ]


async def points_usage(ctx: Context, *, start: datetime, end: datetime) -> PointsUsage:
    require_chain_reader(ctx.principal)
    days = period(start, end)
    return PointsUsage(*await reads.points(days.first_day, days.last_day))


async def credit_report(ctx: Context, *, start: datetime, end: datetime) -> list[CreditRow]:
    require_chain_reader(ctx.principal)
    days = period(start, end)
    rows = await reads.credit(days.first_day, days.last_day)
    places = await _locations(ctx, [loc for loc, _ in rows if loc is not None])
    return [CreditRow(places.get(loc) if loc is not None else None, amount) for loc, amount in rows]
