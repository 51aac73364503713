"""Products, variants and prices; the catalogue reads of the unit of work (placing an order's first read)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

import orjson
from tortoise.backends.base.client import BaseDBAsyncClient

from ...domain.catalog import PriceOverride, Product, Variant
from ...domain.ports import PlacementSnapshot
from ..db import fetch
from ..mappers import (
    LOCATION_COLUMNS,
    OVERRIDE_COLUMNS,
    PAGE_WITH_VARIANTS_COLUMNS,
    PRODUCT_ACTIVE,
    PRODUCT_COLUMNS,
    VARIANT_COLUMNS,
    to_location,
    to_page_with_variants,
    to_price_override,
    to_product,
    to_stock_level,
    to_variant,
)
from ..session import Session


def _like_pattern(search: str) -> str:
    escaped = search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


_PAGE = (
    "FROM product p WHERE ($5 OR p.active) "
    "AND ($1::int IS NULL OR p.id > $1) "
    "AND ($2::text IS NULL OR p.title ILIKE $2 OR EXISTS ("
    "  SELECT 1 FROM variant v WHERE v.product_id = p.id AND (v.sku ILIKE $2 OR v.barcode = $3))) "
    "ORDER BY p.id LIMIT $4"
)


def _page_parameters(search: str | None, after_id: int | None, limit: int, with_inactive: bool) -> list[object]:
    return [after_id, _like_pattern(search) if search else None, search, limit, with_inactive]


async def products_page(
    *, search: str | None, after_id: int | None, limit: int, with_inactive: bool = False
) -> list[Product]:
    """Products in id order after a cursor (the inactive ones too for staff); search matches title,
    SKU or barcode."""
    rows = await fetch(f"SELECT {PRODUCT_COLUMNS} {_PAGE}", _page_parameters(search, after_id, limit, with_inactive))
    return [to_product(r) for r in rows]


async def products_page_with_variants(
    *, search: str | None, after_id: int | None, limit: int, with_inactive: bool = False
) -> tuple[list[Product], list[Variant], list[PriceOverride]]:
    """The same page, with its products' active variants (display order) and their price overrides,
    in one statement (a page read with its variants costs one round trip, not three)."""
    rows = await fetch(
        f"WITH page AS (SELECT {PRODUCT_COLUMNS} {_PAGE}) SELECT {PAGE_WITH_VARIANTS_COLUMNS} "
        "FROM page LEFT JOIN variant v ON v.product_id = page.id AND v.active "
        "LEFT JOIN price_override o ON o.variant_id = v.id ORDER BY page.id, v.position, v.id",
        _page_parameters(search, after_id, limit, with_inactive),
    )
    return to_page_with_variants(rows)


async def products_by_ids(ids: Sequence[int]) -> list[Product]:
    rows = await fetch(f"SELECT {PRODUCT_COLUMNS} FROM product WHERE id = ANY($1::int[])", [list(ids)])
    return [to_product(r) for r in rows]


async def variants_by_ids(ids: Sequence[int]) -> list[Variant]:
    rows = await fetch(
        f"SELECT {VARIANT_COLUMNS}, {PRODUCT_ACTIVE.format(v='variant')} FROM variant WHERE id = ANY($1::int[])",
        [list(ids)],
    )
    return [to_variant(r) for r in rows]


async def variant_by_code(*, sku: str | None, barcode: str | None) -> Variant | None:
    """The variant with this SKU or this barcode: one look-up on its unique index."""
    column, value = ("sku", sku) if sku is not None else ("barcode", barcode)
    rows = await fetch(
        f"SELECT {VARIANT_COLUMNS}, {PRODUCT_ACTIVE.format(v='variant')} FROM variant WHERE {column} = $1",
        [value],
    )
    return to_variant(rows[0]) if rows else None


async def variants_of_products(product_ids: Sequence[int]) -> list[Variant]:
    """Active variants of these products in display order."""
    rows = await fetch(
        f"SELECT {VARIANT_COLUMNS}, {PRODUCT_ACTIVE.format(v='variant')} FROM variant "
        "WHERE product_id = ANY($1::int[]) AND active "
        "ORDER BY product_id, position, id",
        [list(product_ids)],
    )
    return [to_variant(r) for r in rows]


async def price_overrides(variant_ids: Sequence[int]) -> list[PriceOverride]:
    rows = await fetch(
        f"SELECT {OVERRIDE_COLUMNS} FROM price_override WHERE variant_id = ANY($1::int[])",
        [list(variant_ids)],
    )
    return [to_price_override(r) for r in rows]


# What placing an order at one location needs to know, read in one round trip: the variants of the
# order, their price overrides, the location itself and its stock of them (four lookups otherwise).
SNAPSHOT = f"""
SELECT (SELECT row_to_json(l) FROM (SELECT {LOCATION_COLUMNS} FROM location WHERE id = $2) l)::text AS location,
  {", ".join("v." + c for c in VARIANT_COLUMNS.split(", "))}, {PRODUCT_ACTIVE.format(v="v")},
  s.location_id, s.variant_id, s.on_hand, s.reserved, s.safety_stock, s.online_reserved,
  (SELECT a.online_share FROM allocation_policy a WHERE a.location_id = $2) AS online_share,
  (SELECT json_agg(json_build_object('variant_id', p.variant_id, 'channel', p.channel,
     'location_id', p.location_id, 'amount', p.amount::text, 'valid_from', p.valid_from,
     'valid_until', p.valid_until))
   FROM price_override p WHERE p.variant_id = v.id)::text AS overrides
FROM (SELECT 1) AS one
LEFT JOIN variant v ON v.id = ANY($1::int[])
LEFT JOIN stock_level s ON s.variant_id = v.id AND s.location_id = $2
"""


async def snapshot(
    variant_ids: Sequence[int], location_id: int, *, conn: BaseDBAsyncClient | None = None
) -> PlacementSnapshot:
    rows = await fetch(SNAPSHOT, [list(variant_ids), location_id], conn=conn)
    raw_location = rows[0]["location"] if rows else None
    found = PlacementSnapshot(to_location(orjson.loads(raw_location)) if raw_location else None)
    if rows and rows[0]["online_share"] is not None:
        found.online_share = rows[0]["online_share"]
    for row in rows:
        if row["id"] is None:
            continue
        found.variants[row["id"]] = to_variant(row)
        found.overrides[row["id"]] = [
            to_price_override(
                {
                    **o,
                    "amount": Decimal(o["amount"]),
                    "valid_from": _instant(o["valid_from"]),
                    "valid_until": _instant(o["valid_until"]),
                }
            )
            for o in orjson.loads(row["overrides"] or "[]")
        ]
        if row["variant_id"] is not None:
            found.levels[row["id"]] = to_stock_level(row)
    return found


def _instant(raw: str | None) -> datetime | None:
    return datetime.fromisoformat(raw) if raw is not None else None


async def categories(conn: BaseDBAsyncClient | None, variant_ids: Sequence[int]) -> dict[int, frozenset[int]]:
    """Each variant's categories (every category its product is listed in) and their ancestors: a
    rule for Tops covers T-shirts."""
    rows = await fetch(
        "WITH RECURSIVE own AS (SELECT v.id AS variant_id, pc.category_id FROM variant v "
        "JOIN product_category pc ON pc.product_id = v.product_id WHERE v.id = ANY($1::int[]) "
        "UNION SELECT v.id, p.category_id FROM variant v JOIN product p ON p.id = v.product_id "
        "WHERE v.id = ANY($1::int[]) AND p.category_id IS NOT NULL), "
        "up AS (SELECT variant_id, category_id FROM own UNION SELECT up.variant_id, c.parent_id FROM up "
        "JOIN category c ON c.id = up.category_id WHERE c.parent_id IS NOT NULL) "
        "SELECT variant_id, array_agg(category_id) AS ids FROM up GROUP BY variant_id",
        [list(variant_ids)],
        conn=conn,
    )
    found = {r["variant_id"]: frozenset(r["ids"]) for r in rows}
    return {v: found.get(v, frozenset()) for v in variant_ids}


class CatalogStore:
    """Catalogue reads of the unit of work (domain.ports.CatalogRepository), through the request's loaders."""

    def __init__(self, session: Session) -> None:
        self._session = session

    async def variants(self, ids: Sequence[int]) -> dict[int, Variant]:
        found: list[Variant | None] = await self._session.loaders.variant.load_many(list(ids))
        return {v.id: v for v in found if v is not None}

    async def price_overrides(self, ids: Sequence[int]) -> dict[int, list[PriceOverride]]:
        found: list[list[PriceOverride]] = await self._session.loaders.price_overrides.load_many(list(ids))
        return dict(zip(ids, found, strict=True))

    async def products(self, ids: Sequence[int]) -> dict[int, Product]:
        found: list[Product | None] = await self._session.loaders.product.load_many(list(ids))
        return {p.id: p for p in found if p is not None}

    async def categories(self, variant_ids: Sequence[int]) -> dict[int, frozenset[int]]:
        return await categories(self._session.conn, variant_ids)

    async def for_placement(self, variant_ids: Sequence[int], location_id: int) -> PlacementSnapshot:
        found = await snapshot(variant_ids, location_id, conn=self._session.conn)
        loaders = self._session.loaders
        for variant in found.variants.values():
            loaders.variant.prime(variant.id, variant)
            loaders.price_overrides.prime(variant.id, found.overrides.get(variant.id, []))
        if found.location is not None:
            loaders.location.prime(found.location.id, found.location)
        return found
