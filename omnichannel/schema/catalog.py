"""Products, variants and prices."""

from __future__ import annotations

import functools
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry.types import Info

from ..domain import catalog as domain
from ..domain.money import Money as DomainMoney
from ..resolvers import catalog as use_cases
from ..resolvers import categories as category_use_cases
from ..resolvers import inventory as inventory_use_cases
from ..resolvers.context import Context
from ..resolvers.maybe import MaybeAwaitable, then
from .enums import SalesChannel
from .references import referenced
from .relay import Node, PageInfo, decode_id, decode_id_tuple, encode_id
from .views import bulk_view

if TYPE_CHECKING:
    from .categories import Category
    from .inventory import StockLevel
    from .prices import PriceOverride


@strawberry.type
class Money:
    amount: Decimal
    currency: str

    @staticmethod
    def from_domain(money: DomainMoney) -> Money:
        return Money(amount=money.amount, currency=money.currency)


@strawberry.type
class Product(Node):
    title: str
    description: str | None
    _product: strawberry.Private[domain.Product]

    @staticmethod
    def from_domain(product: domain.Product) -> Product:
        return Product(
            id=strawberry.ID(encode_id("Product", product.id)),
            title=product.title,
            description=product.description,
            _product=product,
        )

    @strawberry.field(graphql_type=list["Variant"])
    def variants(self, info: Info[Context, None]) -> MaybeAwaitable[list[Variant]]:
        return then(use_cases.variants_of(info.context, self._product.id), Variant.many)

    @strawberry.field(description="inactive products are hidden from members and cannot be ordered")
    def active(self) -> bool:
        return self._product.active

    @strawberry.field(description="the categories this product is listed in")
    async def categories(
        self, info: Info[Context, None]
    ) -> list[Annotated[Category, strawberry.lazy("omnichannel.schema.categories")]]:
        from .categories import Category  # categories imports this module

        return [Category.from_domain(c) for c in await category_use_cases.categories_of(info.context, self._product.id)]


@strawberry.type
class Variant(Node):
    sku: str
    barcode: str | None
    title: str
    _variant: strawberry.Private[domain.Variant]

    @staticmethod
    def from_domain(variant: domain.Variant) -> Variant:
        return Variant(
            id=strawberry.ID(encode_id("Variant", variant.id)),
            sku=variant.sku,
            barcode=variant.barcode,
            title=variant.title,
            _variant=variant,
        )

    @staticmethod
    def many(variants: list[domain.Variant]) -> list[Variant]:
        """Views of a product's variants (a page builds hundreds: built in bulk)."""
        return [
            bulk_view(
                Variant,
                {
                    "id": encode_id("Variant", v.id),
                    "sku": v.sku,
                    "barcode": v.barcode,
                    "title": v.title,
                    "_variant": v,
                },
            )
            for v in variants
        ]

    @strawberry.field
    async def product(self, info: Info[Context, None]) -> Product:
        return Product.from_domain(
            referenced(
                await info.context.loaders.product.load(self._variant.product_id), "product", self._variant.product_id
            )
        )

    @strawberry.field(description="the list price, before channel and store overrides")
    def list_price(self) -> Money:
        return Money.from_domain(DomainMoney.of(self._variant.list_price))

    @strawberry.field(
        description="every override in force or scheduled (head office and store staff)",
        graphql_type=list[Annotated["PriceOverride", strawberry.lazy("omnichannel.schema.prices")]],
    )
    async def price_overrides(self, info: Info[Context, None]) -> list[PriceOverride]:
        from .prices import overrides_of  # prices imports this module

        return await overrides_of(info.context, self._variant)

    @strawberry.field(
        description="the price this channel and store pay now (list price with channel/store overrides)",
        graphql_type=Money,
    )
    def price(
        self, info: Info[Context, None], channel: SalesChannel | None = None, store_id: strawberry.ID | None = None
    ) -> MaybeAwaitable[DomainMoney]:
        # the domain's Money has the GraphQL type's fields (amount, currency): completed as it is
        location_id = decode_id(store_id, "Store") if store_id is not None else None
        return use_cases.price_of(info.context, self._variant, channel, location_id)

    @strawberry.field(
        description="stock at these locations, or at every location",
        graphql_type=list[Annotated["StockLevel", strawberry.lazy("omnichannel.schema.inventory")]],
    )
    def stock(
        self, info: Info[Context, None], store_ids: list[strawberry.ID] | None = None
    ) -> MaybeAwaitable[list[StockLevel]]:
        ctx = info.context
        levels = inventory_use_cases.stock_of_variant(ctx, self._variant.id, decode_id_tuple(store_ids, "Store"))
        if type(levels) is list:  # prefetched with the page: no closure, no awaitable
            return _stock_level_type().many(levels, ctx)
        return then(levels, lambda found: _stock_level_type().many(found, ctx))


@functools.cache
def _stock_level_type() -> type[StockLevel]:
    from .inventory import StockLevel  # inventory imports this module: resolved once, on first use

    return StockLevel


@strawberry.type
class ProductEdge:
    cursor: str
    node: Product


@strawberry.type
class ProductConnection:
    edges: list[ProductEdge]
    page_info: PageInfo
