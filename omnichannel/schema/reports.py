"""The dashboards' types and root fields (contract/reports.graphql): read-only, for head office,
analysts (and their BI tools, by introspection) and store managers (their own store)."""

from __future__ import annotations

from collections.abc import Hashable
from datetime import datetime
from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from ..domain.catalog import SalesChannel
from ..domain.locations import FulfillmentMode
from ..domain.reports import MAX_STORE_IDS, ReportDimension
from ..resolvers import reports as use_cases
from ..resolvers.context import Context
from .catalog import Money
from .coupons import CouponTemplate
from .locations import Store
from .relay import decode_id

strawberry.enum(ReportDimension, name="ReportDimension")

CURRENCY = "CNY"
MAX_LIST = 20  # groupBy and channels: more entries than dimensions or channels are duplicates


def _money(amount: Any) -> Money:
    return Money(amount=amount, currency=CURRENCY)


def _store(memo: dict[Hashable, Any], location: Any) -> Store | None:
    return Store.of(memo, location) if location is not None else None


@strawberry.type
class SalesRow:
    day: str | None = strawberry.field(description="set for the dimensions grouped by, null for the others")
    channel: SalesChannel | None
    store: Store | None
    fulfillment_mode: FulfillmentMode | None
    orders: int = strawberry.field(description="paid orders (cancelled, expired and unpaid ones are left out)")
    units: int
    revenue: Money
    discount: Money
    points_redeemed: int
    refunded: Money


@strawberry.type
class FulfillmentRow:
    store: Store
    orders: int
    pickup_share: float = strawberry.field(description="share of the store's paid orders collected in store")
    minutes_to_ready_p50: float | None = strawberry.field(description="minutes from payment to ready for pickup")
    minutes_to_ready_p90: float | None
    minutes_to_collect_p50: float | None = strawberry.field(description="minutes from ready to collected")
    expired: int
    cancelled: int


@strawberry.type
class ChannelMix:
    online_share: float = strawberry.field(description="share of paid orders placed in MINI_PROGRAM or APP")
    pickup_share: float = strawberry.field(description="share of online orders collected in a store")
    orders: int


@strawberry.type
class CouponUsageRow:
    template: CouponTemplate
    claimed: int
    redeemed: int
    discount: Money


@strawberry.type
class PointsUsage:
    earned: int
    redeemed: int
    expired: int
    reversed: int


@strawberry.type
class CreditRow:
    store: Store | None = strawberry.field(description="null for the online team")
    amount: Money


def _store_ids(values: list[strawberry.ID] | None) -> list[int] | None:
    if values is None:
        return None
    return [decode_id(v, "Store") for v in values[: MAX_STORE_IDS + 1]]


@strawberry.type
class ReportQuery:
    @strawberry.field(
        description="paid orders by payment time in [from, to) (Asia/Shanghai midnights), grouped by the "
        "dimensions given, sorted by them in that order"
    )
    async def sales_report(
        self,
        info: Info[Context, None],
        from_: Annotated[datetime, strawberry.argument(name="from")],
        to: datetime,
        group_by: list[ReportDimension],
        store_ids: list[strawberry.ID] | None = None,
        channels: list[SalesChannel] | None = None,
    ) -> list[SalesRow]:
        rows = await use_cases.sales_report(
            info.context,
            start=from_,
            end=to,
            group_by=group_by[:MAX_LIST],
            store_ids=_store_ids(store_ids),
            channels=channels[: MAX_LIST + 1] if channels is not None else None,
        )
        memo = info.context.memo
        return [
            SalesRow(
                day=r.figures.day.isoformat() if r.figures.day is not None else None,
                channel=r.figures.channel,
                store=_store(memo, r.store),
                fulfillment_mode=r.figures.mode,
                orders=r.figures.orders,
                units=r.figures.units,
                revenue=_money(r.figures.revenue),
                discount=_money(r.figures.discount),
                points_redeemed=r.figures.points_redeemed,
                refunded=_money(r.figures.refunded),
            )
            for r in rows
        ]

    @strawberry.field(description="per store: paid orders, pickup share, wait times, expired and cancelled orders")
    async def fulfillment_report(
        self,
        info: Info[Context, None],
        from_: Annotated[datetime, strawberry.argument(name="from")],
        to: datetime,
        store_ids: list[strawberry.ID] | None = None,
    ) -> list[FulfillmentRow]:
        rows = await use_cases.fulfillment_report(info.context, start=from_, end=to, store_ids=_store_ids(store_ids))
        memo = info.context.memo
        return [
            FulfillmentRow(
                store=Store.of(memo, r.store),
                orders=r.orders,
                pickup_share=r.pickup_share,
                minutes_to_ready_p50=r.minutes_to_ready_p50,
                minutes_to_ready_p90=r.minutes_to_ready_p90,
                minutes_to_collect_p50=r.minutes_to_collect_p50,
                expired=r.expired,
                cancelled=r.cancelled,
            )
            for r in rows
        ]

    @strawberry.field(description="online share of paid orders and pickup share of online orders")
    async def channel_mix(
        self,
        info: Info[Context, None],
        from_: Annotated[datetime, strawberry.argument(name="from")],
        to: datetime,
        store_ids: list[strawberry.ID] | None = None,
    ) -> ChannelMix:
        mix = await use_cases.channel_mix(info.context, start=from_, end=to, store_ids=_store_ids(store_ids))
        return ChannelMix(online_share=mix.online_share, pickup_share=mix.pickup_share, orders=mix.orders)

    @strawberry.field(description="per coupon template: claimed, redeemed on paid orders, and what they took off")
    async def coupon_usage(
        self, info: Info[Context, None], from_: Annotated[datetime, strawberry.argument(name="from")], to: datetime
    ) -> list[CouponUsageRow]:
        rows = await use_cases.coupon_usage(info.context, start=from_, end=to)
        return [
            CouponUsageRow(
                template=CouponTemplate.from_domain(r.template),
                claimed=r.claimed,
                redeemed=r.redeemed,
                discount=_money(r.discount),
            )
            for r in rows
        ]

    @strawberry.field(description="points earned, redeemed (net of points given back), expired and reversed")
    async def points_usage(
        self, info: Info[Context, None], from_: Annotated[datetime, strawberry.argument(name="from")], to: datetime
    ) -> PointsUsage:
        usage = await use_cases.points_usage(info.context, start=from_, end=to)
        return PointsUsage(earned=usage.earned, redeemed=usage.redeemed, expired=usage.expired, reversed=usage.reversed)

    @strawberry.field(description="sales credited to each store's team and to the online team")
    async def credit_report(
        self, info: Info[Context, None], from_: Annotated[datetime, strawberry.argument(name="from")], to: datetime
    ) -> list[CreditRow]:
        rows = await use_cases.credit_report(info.context, start=from_, end=to)
        memo = info.context.memo
        return [CreditRow(store=_store(memo, r.store), amount=_money(r.amount)) for r in rows]
