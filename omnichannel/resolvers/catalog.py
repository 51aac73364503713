"""Browsing the catalogue and pricing variants."""

from __future__ import annotations

from ..domain.catalog import Product, SalesChannel, Variant, effective_price
from ..domain.errors import DomainError, ErrorCode
from ..domain.money import Money
from ..persistence.repositories import catalog
from .context import Context

MAX_PAGE = 100
MAX_SEARCH = 100


def check_page_size(first: int | None, default: int = 20) -> int:
    size = default if first is None else first
    if size < 0 or size > MAX_PAGE:
        raise DomainError(ErrorCode.INVALID_INPUT, f"first must be between 0 and {MAX_PAGE}.", ["first"])
    return size


async def products_page(
    ctx: Context, *, search: str | None, first: int | None, after_id: int | None
) -> tuple[list[Product], bool]:
    """A page of products and whether more follow. Primes the product loader with what it read."""
    size = check_page_size(first)
    term = (search or "").strip() or None
    if term is not None and len(term) > MAX_SEARCH:
        raise DomainError(ErrorCode.INVALID_INPUT, f"search must be at most {MAX_SEARCH} characters.", ["search"])
    rows = await catalog.products_page(search=term, after_id=after_id, limit=size + 1)
    for product in rows[:size]:
        ctx.loaders.product.prime(product.id, product)
    return rows[:size], len(rows) > size


async def variants_of(ctx: Context, product_id: int) -> list[Variant]:
    variants: list[Variant] = await ctx.loaders.variants_of_product.load(product_id)
    for variant in variants:
        ctx.loaders.variant.prime(variant.id, variant)
    return variants


async def price_of(ctx: Context, variant: Variant, channel: SalesChannel | None, location_id: int | None) -> Money:
    overrides = await ctx.loaders.price_overrides.load(variant.id)
    return effective_price(variant, overrides, channel, location_id)
