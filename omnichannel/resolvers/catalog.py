"""Browsing the catalogue and pricing variants."""

from __future__ import annotations

from dataclasses import dataclass

from ..domain.catalog import PriceOverride, Product, SalesChannel, Variant, effective_price
from ..domain.errors import DomainError, ErrorCode
from ..domain.money import Money
from ..persistence.repositories import catalog
from . import inventory
from .context import Context
from .maybe import MaybeAwaitable, then
from .visibility import sees_inactive

MAX_PAGE = 100
MAX_SEARCH = 100
MAX_CODE = 64  # the longest SKU (barcodes are shorter)


def check_page_size(first: int | None, default: int = 20) -> int:
    size = default if first is None else first
    if size < 0 or size > MAX_PAGE:
        raise DomainError(ErrorCode.INVALID_INPUT, f"first must be between 0 and {MAX_PAGE}.", ["first"])
    return size


@dataclass(frozen=True)
class CatalogReads:
    """What the caller will read below each product of a page, so it can be loaded up front in a few
    batched statements (and then read synchronously from the request's loaders)."""

    variants: bool = False
    prices: bool = False
    stock_at: tuple[tuple[int, ...] | None, ...] = ()  # location id sets; None: every location
    stock_locations: bool = False


NOTHING_BELOW = CatalogReads()


async def products_page(
    ctx: Context,
    *,
    search: str | None,
    first: int | None,
    after_id: int | None,
    reads: CatalogReads = NOTHING_BELOW,
) -> tuple[list[Product], bool]:
    """A page of products and whether more follow. Primes the loaders with what it read and with
    what `reads` says comes next (variants, their price overrides, stock and its locations)."""
    size = check_page_size(first)
    term = (search or "").strip() or None
    if term is not None and len(term) > MAX_SEARCH:
        raise DomainError(ErrorCode.INVALID_INPUT, f"search must be at most {MAX_SEARCH} characters.", ["search"])
    loaders = ctx.loaders
    with_inactive = sees_inactive(ctx)
    if not reads.variants:
        rows = await catalog.products_page(search=term, after_id=after_id, limit=size + 1, with_inactive=with_inactive)
        page = rows[:size]
        loaders.product.prime_many((p.id, p) for p in page)
        return page, len(rows) > size
    rows, variants, overrides = await catalog.products_page_with_variants(
        search=term, after_id=after_id, limit=size + 1, with_inactive=with_inactive
    )
    page = rows[:size]
    loaders.product.prime_many((p.id, p) for p in page)
    ids = [p.id for p in page]
    loaders.variants_of_product.prime_with_prices(ids, variants, overrides, loaders.price_overrides)
    on_page = set(ids)
    variant_ids = [v.id for v in variants if v.product_id in on_page]
    if variant_ids:
        await inventory.prefetch_stock(ctx, variant_ids, reads.stock_at, reads.stock_locations)
    return page, len(rows) > size


def variants_of(ctx: Context, product_id: int) -> MaybeAwaitable[list[Variant]]:
    """Active variants of a product, in display order."""
    variants: MaybeAwaitable[list[Variant]] = ctx.loaders.variants_of_product.get(product_id)
    return variants


def price_of(
    ctx: Context, variant: Variant, channel: SalesChannel | None, location_id: int | None
) -> MaybeAwaitable[Money]:
    overrides: MaybeAwaitable[list[PriceOverride]] = ctx.loaders.price_overrides.get(variant.id)
    now = ctx.now()
    if type(overrides) is list:  # loaded with the page: no closure, no awaitable
        return effective_price(variant, overrides, channel, location_id, now=now)
    return then(overrides, lambda found: effective_price(variant, found, channel, location_id, now=now))


async def visible_product(ctx: Context, product_id: int) -> Product | None:
    """node(id:) of a product: an inactive one only for staff."""
    product: Product | None = await ctx.loaders.product.load(product_id)
    if product is None or (not product.active and not sees_inactive(ctx)):
        return None
    return product


async def visible_variant(ctx: Context, variant_id: int) -> Variant | None:
    """node(id:) of a variant: one of an inactive product only for staff."""
    variant: Variant | None = await ctx.loaders.variant.load(variant_id)
    if variant is None or (not variant.product_active and not sees_inactive(ctx)):
        return None
    return variant


async def variant_by_code(ctx: Context, *, sku: str | None, barcode: str | None) -> Variant | None:
    """variant(sku:) / variant(barcode:) for scanners and tills: exactly one of the two."""
    if (sku is None) == (barcode is None):
        raise DomainError(ErrorCode.INVALID_INPUT, "Give either sku or barcode.", ["sku"])
    code = sku if sku is not None else barcode
    assert code is not None
    if not 1 <= len(code) <= MAX_CODE:
        raise DomainError(
            ErrorCode.INVALID_INPUT, f"A code has 1 to {MAX_CODE} characters.", ["sku" if sku else "barcode"]
        )
    variant = await catalog.variant_by_code(sku=sku, barcode=barcode)
    if variant is None or (not variant.product_active and not sees_inactive(ctx)):
        return None
    ctx.loaders.variant.prime(variant.id, variant)
    return variant
