"""Root fields for browsing: products, stores, stock, node."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from ..resolvers import catalog as catalog_use_cases
from ..resolvers import inventory as inventory_use_cases
from ..resolvers import locations as location_use_cases
from ..resolvers.context import Context
from .catalog import Product, ProductConnection, ProductEdge, Variant
from .inventory import StockLevel
from .locations import GeoInput, Store, StoreConnection, StoreEdge
from .lookahead import catalog_reads
from .node import register_node, resolve_node
from .relay import Node, PageInfo, decode_cursor, decode_ids, encode_cursor


async def _fetch_product(ctx: Context, pk: int) -> Product | None:
    product = await catalog_use_cases.visible_product(ctx, pk)
    return Product.from_domain(product) if product else None


async def _fetch_variant(ctx: Context, pk: int) -> Variant | None:
    variant = await catalog_use_cases.visible_variant(ctx, pk)
    return Variant.from_domain(variant) if variant else None


async def _fetch_store(ctx: Context, pk: int) -> Store | None:
    location = await ctx.loaders.location.load(pk)
    return Store.from_domain(location) if location else None


register_node("Product", _fetch_product)
register_node("Variant", _fetch_variant)
register_node("Store", _fetch_store)


@strawberry.type
class CatalogQuery:
    @strawberry.field(description="Fetches any object by its global ID.")
    async def node(self, info: Info[Context, None], id: strawberry.ID) -> Node | None:
        found: Node | None = await resolve_node(info.context, id)
        return found

    @strawberry.field(description="The catalogue, in a stable order; search matches title, SKU or barcode.")
    async def products(
        self,
        info: Info[Context, None],
        first: int | None = 20,
        after: str | None = None,
        search: str | None = None,
    ) -> ProductConnection:
        products, has_next = await catalog_use_cases.products_page(
            info.context,
            search=search,
            first=first,
            after_id=decode_cursor(after, "product"),
            reads=catalog_reads(info, "edges", "node"),
        )
        edges = [ProductEdge(cursor=encode_cursor("product", p.id), node=Product.from_domain(p)) for p in products]
        return ProductConnection(
            edges=edges,
            page_info=PageInfo.of([e.cursor for e in edges], has_next=has_next, has_previous=after is not None),
        )

    @strawberry.field(description="a variant by its SKU or barcode (scanners, tills, ERP)")
    async def variant(
        self, info: Info[Context, None], sku: str | None = None, barcode: str | None = None
    ) -> Variant | None:
        found = await catalog_use_cases.variant_by_code(info.context, sku=sku, barcode=barcode)
        return Variant.from_domain(found) if found is not None else None

    @strawberry.field(description="Stores and warehouses; nearest first with distanceKm when near is given.")
    async def stores(
        self,
        info: Info[Context, None],
        first: int | None = 50,
        after: str | None = None,
        near: GeoInput | None = None,
    ) -> StoreConnection:
        last = decode_cursor(after, "store")
        offset = last + 1 if last is not None else 0
        page, has_next = await location_use_cases.stores_page(
            info.context, first=first, offset=offset, near=near.to_domain() if near else None
        )
        edges = [
            StoreEdge(cursor=encode_cursor("store", offset + i), node=Store.from_domain(loc, distance))
            for i, (loc, distance) in enumerate(page)
        ]
        return StoreConnection(
            edges=edges,
            page_info=PageInfo.of([e.cursor for e in edges], has_next=has_next, has_previous=offset > 0),
        )

    @strawberry.field(description="network-wide stock of these variants, nearest first when near is given")
    async def stock_availability(
        self,
        info: Info[Context, None],
        variant_ids: list[strawberry.ID],
        near: GeoInput | None = None,
        radius_km: float | None = None,
    ) -> list[StockLevel]:
        rows = await inventory_use_cases.availability(
            info.context,
            variant_ids=decode_ids(variant_ids, "Variant") or [],
            near=near.to_domain() if near else None,
            radius_km=radius_km,
        )
        return [StockLevel.from_domain(level, location, distance) for level, location, distance in rows]
