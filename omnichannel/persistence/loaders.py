"""Per-request DataLoaders: every list field loads in one batch, whatever the number of items."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Sequence
from functools import cached_property
from typing import Any

from aiodataloader import DataLoader

from ..domain.catalog import PriceOverride, Product, Variant
from ..domain.inventory import StockLevel
from ..domain.locations import Location
from ..domain.order_totals import PricedLine
from ..domain.orders import Fulfillment, FulfillmentLine, Order
from ..domain.people import Member, StaffMember
from .loyalty_loaders import (
    CouponById,
    CouponsByMember,
    DiscountsByOrder,
    IdentitiesByMember,
    PromotionById,
    SpendByMember,
    TemplateById,
)
from .repositories import catalog, inventory, locations, orders, people


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


class Loaders:
    """A fresh set per request (and per subscription event): caches never outlive one response.

    Each loader is built on first use, so a request pays only for the loaders it touches.
    """

    @cached_property
    def location(self) -> LocationById:
        return LocationById()

    @cached_property
    def product(self) -> ProductById:
        return ProductById()

    @cached_property
    def variant(self) -> VariantById:
        return VariantById()

    @cached_property
    def variants_of_product(self) -> VariantsByProduct:
        return VariantsByProduct()

    @cached_property
    def price_overrides(self) -> PriceOverridesByVariant:
        return PriceOverridesByVariant()

    @cached_property
    def stock(self) -> StockByVariant:
        return StockByVariant()

    @cached_property
    def staff(self) -> StaffById:
        return StaffById()

    @cached_property
    def member(self) -> MemberById:
        return MemberById()

    @cached_property
    def location_by_code(self) -> LocationByCode:
        return LocationByCode()

    @cached_property
    def order(self) -> OrderById:
        return OrderById()

    @cached_property
    def order_lines(self) -> OrderLinesByOrder:
        return OrderLinesByOrder()

    @cached_property
    def fulfillments_of_order(self) -> FulfillmentsByOrder:
        return FulfillmentsByOrder()

    @cached_property
    def fulfillment(self) -> FulfillmentById:
        return FulfillmentById()

    @cached_property
    def fulfillment_lines(self) -> FulfillmentLinesByFulfillment:
        return FulfillmentLinesByFulfillment()

    @cached_property
    def orders_of_member(self) -> OrdersOfMember:
        return OrdersOfMember()

    @cached_property
    def coupon(self) -> CouponById:
        return CouponById()

    @cached_property
    def coupons_of_member(self) -> CouponsByMember:
        return CouponsByMember()

    @cached_property
    def coupon_template(self) -> TemplateById:
        return TemplateById()

    @cached_property
    def promotion(self) -> PromotionById:
        return PromotionById()

    @cached_property
    def spend(self) -> SpendByMember:
        return SpendByMember()

    @cached_property
    def identities(self) -> IdentitiesByMember:
        return IdentitiesByMember()

    @cached_property
    def discounts_of_order(self) -> DiscountsByOrder:
        return DiscountsByOrder()
