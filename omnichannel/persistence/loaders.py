"""Per-request DataLoaders: every list field loads in one batch, whatever the number of items."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from aiodataloader import DataLoader

from ..domain.catalog import PriceOverride, Product, Variant
from ..domain.coupons import Coupon, CouponTemplate
from ..domain.inventory import StockLevel
from ..domain.locations import Location
from ..domain.members import Identity
from ..domain.orders import Fulfillment, FulfillmentLine, Order, PricedLine
from ..domain.people import Member, StaffMember
from ..domain.pricing import DiscountLine
from ..domain.promotions import Promotion
from .repositories import (
    catalog,
    coupons,
    inventory,
    locations,
    members,
    order_discounts,
    orders,
    people,
    points,
    promotions,
)


def _by_id(items: Sequence[Any], keys: Sequence[int]) -> list[Any]:
    index = {item.id: item for item in items}
    return [index.get(k) for k in keys]


class LocationById(DataLoader):  # type: ignore[misc]
    async def batch_load_fn(self, keys: Sequence[int]) -> list[Location | None]:
        return _by_id(await locations.by_ids(keys), keys)


class ProductById(DataLoader):  # type: ignore[misc]
    async def batch_load_fn(self, keys: Sequence[int]) -> list[Product | None]:
        return _by_id(await catalog.products_by_ids(keys), keys)


class VariantById(DataLoader):  # type: ignore[misc]
    async def batch_load_fn(self, keys: Sequence[int]) -> list[Variant | None]:
        return _by_id(await catalog.variants_by_ids(keys), keys)


class VariantsByProduct(DataLoader):  # type: ignore[misc]
    async def batch_load_fn(self, keys: Sequence[int]) -> list[list[Variant]]:
        grouped: dict[int, list[Variant]] = defaultdict(list)
        for variant in await catalog.variants_of_products(keys):
            grouped[variant.product_id].append(variant)
        return [grouped.get(k, []) for k in keys]


class PriceOverridesByVariant(DataLoader):  # type: ignore[misc]
    async def batch_load_fn(self, keys: Sequence[int]) -> list[list[PriceOverride]]:
        grouped: dict[int, list[PriceOverride]] = defaultdict(list)
        for override in await catalog.price_overrides(keys):
            grouped[override.variant_id].append(override)
        return [grouped.get(k, []) for k in keys]


StockKey = tuple[int, tuple[int, ...] | None]


class StockByVariant(DataLoader):  # type: ignore[misc]
    """Key: (variant id, location ids or None for every location). One query per distinct location set."""

    async def batch_load_fn(self, keys: Sequence[StockKey]) -> list[list[StockLevel]]:
        by_locations: dict[tuple[int, ...] | None, list[int]] = defaultdict(list)
        for variant_id, location_ids in keys:
            by_locations[location_ids].append(variant_id)
        found: dict[Hashable, list[StockLevel]] = defaultdict(list)
        for location_ids, variant_ids in by_locations.items():
            for level in await inventory.levels(variant_ids, location_ids):
                found[(level.variant_id, location_ids)].append(level)
        return [found.get(key, []) for key in keys]


class StaffById(DataLoader):  # type: ignore[misc]
    async def batch_load_fn(self, keys: Sequence[int]) -> list[StaffMember | None]:
        return _by_id(await people.staff_by_ids(keys), keys)


class MemberById(DataLoader):  # type: ignore[misc]
    async def batch_load_fn(self, keys: Sequence[int]) -> list[Member | None]:
        return _by_id(await people.members_by_ids(keys), keys)


class CouponById(DataLoader):  # type: ignore[misc]
    async def batch_load_fn(self, keys: Sequence[int]) -> list[Coupon | None]:
        return _by_id(await coupons.coupons_by_ids(keys), keys)


class CouponsByMember(DataLoader):  # type: ignore[misc]
    async def batch_load_fn(self, keys: Sequence[int]) -> list[list[Coupon]]:
        grouped: dict[int, list[Coupon]] = defaultdict(list)
        for coupon in await coupons.coupons_of_members(keys):
            grouped[coupon.member_id].append(coupon)
        return [grouped.get(k, []) for k in keys]


class TemplateById(DataLoader):  # type: ignore[misc]
    async def batch_load_fn(self, keys: Sequence[int]) -> list[CouponTemplate | None]:
        return _by_id(await coupons.templates_by_ids(keys), keys)


class PromotionById(DataLoader):  # type: ignore[misc]
    async def batch_load_fn(self, keys: Sequence[int]) -> list[Promotion | None]:
        return _by_id(await promotions.by_ids(list(keys)), keys)


SpendKey = tuple[int, datetime]


class SpendByMember(DataLoader):  # type: ignore[misc]
    """Key: (member id, start of the window). The net spend since then (0 when none)."""

    async def batch_load_fn(self, keys: Sequence[SpendKey]) -> list[Decimal]:
        by_since: dict[datetime, list[int]] = defaultdict(list)
        for member_id, since in keys:
            by_since[since].append(member_id)
        found: dict[SpendKey, Decimal] = {}
        for since, member_ids in by_since.items():
            for member_id, total in (await points.spend_since(member_ids, since)).items():
                found[(member_id, since)] = total
        return [found.get(key, Decimal(0)) for key in keys]


class IdentitiesByMember(DataLoader):  # type: ignore[misc]
    async def batch_load_fn(self, keys: Sequence[int]) -> list[list[Identity]]:
        grouped: dict[int, list[Identity]] = defaultdict(list)
        for member_id, identity in await members.identities_of(keys):
            grouped[member_id].append(identity)
        return [grouped.get(k, []) for k in keys]


class LocationByCode(DataLoader):  # type: ignore[misc]
    async def batch_load_fn(self, keys: Sequence[str]) -> list[Location | None]:
        index = {loc.code: loc for loc in await locations.by_codes(keys)}
        return [index.get(k) for k in keys]


class OrderById(DataLoader):  # type: ignore[misc]
    async def batch_load_fn(self, keys: Sequence[int]) -> list[Order | None]:
        return _by_id(await orders.by_ids(keys), keys)


class OrderLinesByOrder(DataLoader):  # type: ignore[misc]
    async def batch_load_fn(self, keys: Sequence[int]) -> list[list[PricedLine]]:
        grouped: dict[int, list[PricedLine]] = defaultdict(list)
        for order_id, line in await orders.lines_of(keys):
            grouped[order_id].append(line)
        return [grouped.get(k, []) for k in keys]


class FulfillmentsByOrder(DataLoader):  # type: ignore[misc]
    async def batch_load_fn(self, keys: Sequence[int]) -> list[list[Fulfillment]]:
        grouped: dict[int, list[Fulfillment]] = defaultdict(list)
        for fulfillment in await orders.fulfillments_of(keys):
            grouped[fulfillment.order_id].append(fulfillment)
        return [grouped.get(k, []) for k in keys]


class FulfillmentById(DataLoader):  # type: ignore[misc]
    async def batch_load_fn(self, keys: Sequence[int]) -> list[Fulfillment | None]:
        return _by_id(await orders.fulfillments_by_ids(keys), keys)


class FulfillmentLinesByFulfillment(DataLoader):  # type: ignore[misc]
    async def batch_load_fn(self, keys: Sequence[int]) -> list[list[FulfillmentLine]]:
        grouped: dict[int, list[FulfillmentLine]] = defaultdict(list)
        for line in await orders.fulfillment_lines_of(keys):
            grouped[line.fulfillment_id].append(line)
        return [grouped.get(k, []) for k in keys]


# (member id, filter, before id, limit): one query per distinct (filter, page) for any number of members
MemberOrdersKey = tuple[int, orders.OrderFilter, int | None, int]


class OrdersOfMember(DataLoader):  # type: ignore[misc]
    async def batch_load_fn(self, keys: Sequence[MemberOrdersKey]) -> list[list[Order]]:
        groups: dict[tuple[orders.OrderFilter, int | None, int], list[int]] = defaultdict(list)
        for member_id, order_filter, before_id, limit in keys:
            groups[(order_filter, before_id, limit)].append(member_id)
        found: dict[Hashable, list[Order]] = defaultdict(list)
        for (order_filter, before_id, limit), member_ids in groups.items():
            for order in await orders.pages_of_members(member_ids, order_filter, before_id=before_id, limit=limit):
                found[(order.member_id, order_filter, before_id, limit)].append(order)
        return [found.get(key, []) for key in keys]


class DiscountsByOrder(DataLoader):  # type: ignore[misc]
    async def batch_load_fn(self, keys: Sequence[int]) -> list[list[DiscountLine]]:
        grouped: dict[int, list[DiscountLine]] = defaultdict(list)
        for order_id, line in await order_discounts.of_orders(keys):
            grouped[order_id].append(line)
        return [grouped.get(k, []) for k in keys]


class Loaders:
    """A fresh set per request (and per subscription event): caches never outlive one response."""

    def __init__(self) -> None:
        self.location = LocationById()
        self.product = ProductById()
        self.variant = VariantById()
        self.variants_of_product = VariantsByProduct()
        self.price_overrides = PriceOverridesByVariant()
        self.stock = StockByVariant()
        self.staff = StaffById()
        self.member = MemberById()
        self.coupon = CouponById()
        self.coupons_of_member = CouponsByMember()
        self.coupon_template = TemplateById()
        self.promotion = PromotionById()
        self.spend = SpendByMember()
        self.identities = IdentitiesByMember()
        self.discounts_of_order = DiscountsByOrder()
        self.location_by_code = LocationByCode()
        self.order = OrderById()
        self.order_lines = OrderLinesByOrder()
        self.fulfillments_of_order = FulfillmentsByOrder()
        self.fulfillment = FulfillmentById()
        self.fulfillment_lines = FulfillmentLinesByFulfillment()
        self.orders_of_member = OrdersOfMember()
