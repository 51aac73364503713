"""Per-request DataLoaders: every list field loads in one batch, whatever the number of items.

`loader.get(key)` returns the value itself when this request already loaded (or primed) it and an
awaitable otherwise, so resolvers over prefetched data complete synchronously: no task, no await.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Awaitable, Hashable, Iterable, Sequence
from functools import cached_property
from typing import Any, TypeVar, cast

from aiodataloader import DataLoader as _DataLoader

from ..domain.catalog import PriceOverride, Product, Variant
from ..domain.inventory import StockLevel
from ..domain.locations import Location
from ..domain.order_totals import PricedLine
from ..domain.orders import Fulfillment, FulfillmentLine, Order
from ..domain.people import Member, StaffMember
from .catalogue_loaders import CategoriesOfProduct, CategoryById, ProductsOfCategory
from .event_loaders import DeliveriesByWebhook, EventById, WebhookById
from .floor_loaders import PaidCreditByOrder, TryOnById, TryOnsOfMember
from .loyalty_loaders import (
    CouponById,
    CouponsByMember,
    DiscountsByOrder,
    IdentitiesByMember,
    PromotionById,
    SpendByMember,
    TemplateById,
)
from .refund_loaders import RefundById, RefundsByOrder
from .repositories import allocation, catalog, locations, people
from .repositories import order_reads as orders
from .repositories import stock as inventory
from .transfer_loaders import AwaitedByOrder

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class DataLoader(_DataLoader[K, V]):
    """aiodataloader's loader, plus synchronous reads of what is already loaded and batch prefetch.

    Values primed or prefetched are kept as plain values (no future until someone awaits one), so
    a page of thousands of rows costs no futures and no event-loop turns.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._futures: dict[K, asyncio.Future[V]] = kwargs.setdefault("cache_map", {})
        self._values: dict[K, V] = {}
        super().__init__(*args, **kwargs)

    def get(self, key: K) -> V | Awaitable[V]:
        """The value when it is loaded already, else `load(key)` (batched with the other loads of this tick)."""
        try:
            return self._values[key]
        except KeyError:
            pass
        future = self._futures.get(key)
        if future is not None and future.done() and not future.cancelled() and future.exception() is None:
            return future.result()
        return self.load(key)

    def loaded(self, key: K) -> bool:
        """Whether the key is loaded, primed or being loaded in this request."""
        return key in self._values or key in self._futures

    def peek(self, key: K, default: Any = None) -> V | Any:
        """The value when it is loaded already, else `default`; never starts a load."""
        try:
            return self._values[key]
        except KeyError:
            pass
        future = self._futures.get(key)
        if future is not None and future.done() and not future.cancelled() and future.exception() is None:
            return future.result()
        return default

    def load(self, key: K) -> asyncio.Future[V]:
        if key in self._values and key not in self._futures:
            super().prime(key, self._values[key])
        return super().load(key)

    def prime(self, key: K, value: V | Exception) -> DataLoader[K, V]:
        if key in self._values or key in self._futures:
            return self
        if isinstance(value, Exception):
            super().prime(key, value)  # type: ignore[arg-type]  # typed as a value, cached as a failed future
            return self
        self._values[key] = value
        return self

    def prime_many(self, items: Iterable[tuple[K, V]]) -> None:
        for key, value in items:
            self.prime(key, value)

    async def prefetch(self, keys: Sequence[K]) -> list[V]:
        """Load the keys not loaded yet now, in one batch, and return every key's value in order;
        `get` then answers them synchronously."""
        loaded, futures = self._values, self._futures
        missing = [k for k in dict.fromkeys(keys) if k not in loaded and k not in futures]
        if missing:
            for key, value in zip(missing, await self.batch_load_fn(missing), strict=True):
                if key in loaded or key in futures or isinstance(value, Exception):
                    self.prime(key, value)  # loaded meanwhile (kept), or a failure (as a future)
                else:
                    loaded[key] = value
        try:
            return [loaded[k] for k in keys]  # the usual case: every value is a plain one
        except KeyError:
            pass
        values: list[V] = []
        for key in keys:  # some are failures or loads already in flight
            got = self.get(key)
            values.append(cast(V, await got if isinstance(got, Awaitable) else got))  # values are never awaitable
        return values

    def clear(self, key: K) -> DataLoader[K, V]:
        self._values.pop(key, None)
        super().clear(key)
        return self

    def clear_all(self) -> DataLoader[K, V]:
        self._values.clear()
        super().clear_all()
        return self


def _by_id(items: Sequence[Any], keys: Sequence[int]) -> list[Any]:
    index = {item.id: item for item in items}
    return [index.get(k) for k in keys]


class LocationById(DataLoader[int, Location | None]):
    async def batch_load_fn(self, keys: Sequence[int]) -> list[Location | None]:
        return _by_id(await locations.by_ids(keys), keys)


class ProductById(DataLoader[int, Product | None]):
    async def batch_load_fn(self, keys: Sequence[int]) -> list[Product | None]:
        return _by_id(await catalog.products_by_ids(keys), keys)


class VariantById(DataLoader[int, Variant | None]):
    async def batch_load_fn(self, keys: Sequence[int]) -> list[Variant | None]:
        return _by_id(await catalog.variants_by_ids(keys), keys)


class VariantsByProduct(DataLoader[int, list[Variant]]):
    """Active variants of each product; primes the variant-by-id loader with them."""

    def __init__(self, by_id: VariantById) -> None:
        super().__init__()
        self.by_id = by_id

    async def batch_load_fn(self, keys: Sequence[int]) -> list[list[Variant]]:
        return self._grouped(keys, await catalog.variants_of_products(keys))

    def prime_with_prices(
        self,
        keys: Sequence[int],
        variants: list[Variant],
        overrides: list[PriceOverride],
        prices: PriceOverridesByVariant,
    ) -> None:
        """Prime these products' variants (and each variant by id) and every variant's overrides."""
        for key, found in zip(keys, self._grouped(keys, variants), strict=True):
            self.prime(key, found)
        by_variant: dict[int, list[PriceOverride]] = {v.id: [] for v in variants}
        for override in overrides:
            by_variant[override.variant_id].append(override)
        prices.prime_many(by_variant.items())

    def _grouped(self, keys: Sequence[int], variants: list[Variant]) -> list[list[Variant]]:
        grouped: dict[int, list[Variant]] = defaultdict(list)
        for variant in variants:
            grouped[variant.product_id].append(variant)
            self.by_id.prime(variant.id, variant)
        return [grouped.get(k, []) for k in keys]


class PriceOverridesByVariant(DataLoader[int, list[PriceOverride]]):
    async def batch_load_fn(self, keys: Sequence[int]) -> list[list[PriceOverride]]:
        grouped: dict[int, list[PriceOverride]] = defaultdict(list)
        for override in await catalog.price_overrides(keys):
            grouped[override.variant_id].append(override)
        return [grouped.get(k, []) for k in keys]


StockKey = tuple[int, tuple[int, ...] | None]


class StockByVariant(DataLoader[StockKey, list[StockLevel]]):
    """Key: (variant id, location ids or None for every location). One query per distinct location set."""

    async def batch_load_fn(self, keys: Sequence[StockKey]) -> list[list[StockLevel]]:
        by_locations: dict[tuple[int, ...] | None, list[int]] = defaultdict(list)
        for variant_id, location_ids in keys:
            by_locations[location_ids].append(variant_id)
        found: dict[tuple[int, ...] | None, dict[int, list[StockLevel]]] = {}
        for location_ids, variant_ids in by_locations.items():
            of_variant: dict[int, list[StockLevel]] = defaultdict(list)
            for level in await inventory.levels(variant_ids, location_ids):
                of_variant[level.variant_id].append(level)
            found[location_ids] = of_variant
        return [found[location_ids].get(variant_id, []) for variant_id, location_ids in keys]


class StaffById(DataLoader[int, StaffMember | None]):
    async def batch_load_fn(self, keys: Sequence[int]) -> list[StaffMember | None]:
        return _by_id(await people.staff_by_ids(keys), keys)


class MemberById(DataLoader[int, Member | None]):
    async def batch_load_fn(self, keys: Sequence[int]) -> list[Member | None]:
        return _by_id(await people.members_by_ids(keys), keys)


class LocationByCode(DataLoader[str, Location | None]):
    async def batch_load_fn(self, keys: Sequence[str]) -> list[Location | None]:
        index = {loc.code: loc for loc in await locations.by_codes(keys)}
        return [index.get(k) for k in keys]


class OrderById(DataLoader[int, Order | None]):
    async def batch_load_fn(self, keys: Sequence[int]) -> list[Order | None]:
        return _by_id(await orders.by_ids(keys), keys)


class OrderLinesByOrder(DataLoader[int, list[PricedLine]]):
    async def batch_load_fn(self, keys: Sequence[int]) -> list[list[PricedLine]]:
        grouped: dict[int, list[PricedLine]] = defaultdict(list)
        for order_id, line in await orders.lines_of(keys):
            grouped[order_id].append(line)
        return [grouped.get(k, []) for k in keys]


class FulfillmentsByOrder(DataLoader[int, list[Fulfillment]]):
    async def batch_load_fn(self, keys: Sequence[int]) -> list[list[Fulfillment]]:
        grouped: dict[int, list[Fulfillment]] = defaultdict(list)
        for fulfillment in await orders.fulfillments_of(keys):
            grouped[fulfillment.order_id].append(fulfillment)
        return [grouped.get(k, []) for k in keys]


class FulfillmentById(DataLoader[int, Fulfillment | None]):
    async def batch_load_fn(self, keys: Sequence[int]) -> list[Fulfillment | None]:
        return _by_id(await orders.fulfillments_by_ids(keys), keys)


class FulfillmentLinesByFulfillment(DataLoader[int, list[FulfillmentLine]]):
    async def batch_load_fn(self, keys: Sequence[int]) -> list[list[FulfillmentLine]]:
        grouped: dict[int, list[FulfillmentLine]] = defaultdict(list)
        for line in await orders.fulfillment_lines_of(keys):
            grouped[line.fulfillment_id].append(line)
        return [grouped.get(k, []) for k in keys]


# (member id, filter, before id, limit): one query per distinct (filter, page) for any number of members
MemberOrdersKey = tuple[int, orders.OrderFilter, int | None, int]


class OrdersOfMember(DataLoader[MemberOrdersKey, list[Order]]):
    async def batch_load_fn(self, keys: Sequence[MemberOrdersKey]) -> list[list[Order]]:
        groups: dict[tuple[orders.OrderFilter, int | None, int], list[int]] = defaultdict(list)
        for member_id, order_filter, before_id, limit in keys:
            groups[(order_filter, before_id, limit)].append(member_id)
        found: dict[Hashable, list[Order]] = defaultdict(list)
        for (order_filter, before_id, limit), member_ids in groups.items():
            for order in await orders.pages_of_members(member_ids, order_filter, before_id=before_id, limit=limit):
                found[(order.member_id, order_filter, before_id, limit)].append(order)
        return [found.get(key, []) for key in keys]


class OnlineShareByLocation(DataLoader[int, float]):
    """The online allocation share of each location (1 where no policy was set)."""

    async def batch_load_fn(self, keys: Sequence[int]) -> list[float]:
        found = await allocation.shares(keys)
        return [found.get(k, 1.0) for k in keys]


class Loaders:
    """A fresh set per request (and per subscription event): caches never outlive one response.

    Each loader is built on first use, so a request pays only for the loaders it touches.
    """

    @cached_property
    def memo(self) -> dict[Hashable, Any]:
        """Objects the layers above derive from these loaders' rows (views), kept as long as the rows."""
        return {}

    @cached_property
    def location(self) -> LocationById:
        return LocationById()

    @cached_property
    def online_share(self) -> OnlineShareByLocation:
        return OnlineShareByLocation()

    @cached_property
    def product(self) -> ProductById:
        return ProductById()

    @cached_property
    def variant(self) -> VariantById:
        return VariantById()

    @cached_property
    def variants_of_product(self) -> VariantsByProduct:
        return VariantsByProduct(self.variant)

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

    @cached_property
    def try_ons_of_member(self) -> TryOnsOfMember:
        return TryOnsOfMember()

    @cached_property
    def try_on(self) -> TryOnById:
        return TryOnById()

    @cached_property
    def paid_credit(self) -> PaidCreditByOrder:
        return PaidCreditByOrder()

    @cached_property
    def event(self) -> EventById:
        return EventById()

    @cached_property
    def webhook(self) -> WebhookById:
        return WebhookById()

    @cached_property
    def deliveries_of_webhook(self) -> DeliveriesByWebhook:
        return DeliveriesByWebhook()

    @cached_property
    def refunds_of_order(self) -> RefundsByOrder:
        return RefundsByOrder()

    @cached_property
    def refund(self) -> RefundById:
        return RefundById()

    @cached_property
    def transfers_awaited(self) -> AwaitedByOrder:
        return AwaitedByOrder()

    @cached_property
    def category(self) -> CategoryById:
        return CategoryById()

    @cached_property
    def categories_of_product(self) -> CategoriesOfProduct:
        return CategoriesOfProduct()

    @cached_property
    def products_of_category(self) -> ProductsOfCategory:
        return ProductsOfCategory()
