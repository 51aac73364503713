"""Products, variants and prices."""

from __future__ import annotations

from collections.abc import Sequence

from ...domain.catalog import PriceOverride, Product, Variant
from ..db import fetch
from ..mappers import PRODUCT_COLUMNS, VARIANT_COLUMNS, to_price_override, to_product, to_variant


def _like_pattern(search: str) -> str:
    escaped = search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


async def products_page(*, search: str | None, after_id: int | None, limit: int) -> list[Product]:
    """Active products in id order after a cursor; search matches title, SKU or barcode."""
    pattern = _like_pattern(search) if search else None
    rows = await fetch(
        f"SELECT {PRODUCT_COLUMNS} FROM product p WHERE p.active "
        "AND ($1::int IS NULL OR p.id > $1) "
        "AND ($2::text IS NULL OR p.title ILIKE $2 OR EXISTS ("
        "  SELECT 1 FROM variant v WHERE v.product_id = p.id AND (v.sku ILIKE $2 OR v.barcode = $3))) "
        "ORDER BY p.id LIMIT $4",
        [after_id, pattern, search, limit],
    )
    return [to_product(r) for r in rows]


async def products_by_ids(ids: Sequence[int]) -> list[Product]:
    rows = await fetch(f"SELECT {PRODUCT_COLUMNS} FROM product WHERE id = ANY($1::int[])", [list(ids)])
    return [to_product(r) for r in rows]


async def variants_by_ids(ids: Sequence[int]) -> list[Variant]:
    rows = await fetch(f"SELECT {VARIANT_COLUMNS} FROM variant WHERE id = ANY($1::int[])", [list(ids)])
    return [to_variant(r) for r in rows]


async def variants_of_products(product_ids: Sequence[int]) -> list[Variant]:
    """Active variants of these products in display order."""
    rows = await fetch(
        f"SELECT {VARIANT_COLUMNS} FROM variant WHERE product_id = ANY($1::int[]) AND active "
        "ORDER BY product_id, position, id",
        [list(product_ids)],
    )
    return [to_variant(r) for r in rows]


async def price_overrides(variant_ids: Sequence[int]) -> list[PriceOverride]:
    rows = await fetch(
        "SELECT variant_id, channel, location_id, amount FROM price_override WHERE variant_id = ANY($1::int[])",
        [list(variant_ids)],
    )
    return [to_price_override(r) for r in rows]


async def variants_with_overrides(product_ids: Sequence[int]) -> tuple[list[Variant], list[PriceOverride]]:
    """Active variants of these products (display order) and their price overrides, in one statement."""
    rows = await fetch(
        "SELECT v.id, v.product_id, v.sku, v.barcode, v.title, v.list_price, v.active, "
        "o.variant_id, o.channel, o.location_id, o.amount "
        "FROM variant v LEFT JOIN price_override o ON o.variant_id = v.id "
        "WHERE v.product_id = ANY($1::int[]) AND v.active ORDER BY v.product_id, v.position, v.id",
        [list(product_ids)],
    )
    variants: dict[int, Variant] = {}
    overrides: list[PriceOverride] = []
    for row in rows:
        if row[0] not in variants:
            variants[row[0]] = to_variant(row)
        if row["variant_id"] is not None:
            overrides.append(to_price_override(row))
    return list(variants.values()), overrides
