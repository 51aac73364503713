"""setPrice and what staff read of prices (Variant.priceOverrides).

Without a channel and a store, setPrice changes the list price; with either it sets an override for
that scope, optionally for a window [validFrom, validUntil). domain.catalog.effective_price decides
which price applies; every reader (Variant.price, priceQuote, placeOrder, the till) goes through it.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from ..domain.access import Role
from ..domain.catalog import PriceOverride, SalesChannel, Variant
from ..domain.catalogue import check_price, check_window
from ..domain.errors import AccessDenied, DomainError, ErrorCode
from ..domain.events import CatalogueChanged
from ..domain.ports import UnitOfWork
from .context import Context
from .mutation import requires
from .visibility import sees_inactive


@requires(Role.HQ_ADMIN)
async def set_price(
    ctx: Context,
    uow: UnitOfWork,
    *,
    variant_id: int,
    amount: Decimal,
    channel: SalesChannel | None,
    location_id: int | None,
    valid_from: datetime | None,
    valid_until: datetime | None,
) -> Variant:
    clean = check_price(amount, ["amount"])
    check_window(valid_from, valid_until)
    is_list_price = channel is None and location_id is None
    if is_list_price and (valid_from is not None or valid_until is not None):
        raise DomainError(
            ErrorCode.INVALID_INPUT, "A list price has no window; give a channel or a store.", ["validFrom"]
        )
    if location_id is not None and await uow.locations.get(location_id) is None:
        raise DomainError(ErrorCode.NOT_FOUND, "No such store.", ["storeId"])

    async def write(tx: UnitOfWork) -> Variant:
        variant = await tx.prices.lock_variant(variant_id)
        if variant is None:
            raise DomainError(ErrorCode.NOT_FOUND, "No such variant.", ["variantId"])
        if is_list_price:
            await tx.prices.set_list_price(variant_id, clean)
        else:
            await tx.prices.set_override(
                PriceOverride(variant_id, clean, channel, location_id, valid_from, valid_until)
            )
        tx.record(CatalogueChanged(what="PRICE", ids=(variant_id,), at=ctx.now()))
        return variant

    await uow.atomic(write)
    found = (await uow.catalog.variants([variant_id])).get(variant_id)
    assert found is not None
    return found


async def overrides_of(ctx: Context, variant: Variant) -> list[PriceOverride]:
    """Every override of a variant in force or scheduled (ended ones are history): staff only."""
    if not sees_inactive(ctx):
        raise AccessDenied()
    now = ctx.now()
    found: list[PriceOverride] = await ctx.loaders.price_overrides.load(variant.id)
    live = [o for o in found if o.valid_until is None or now < o.valid_until]
    return sorted(
        live,
        key=lambda o: (
            o.location_id or 0,
            o.channel or "",
            o.valid_from or datetime.min.replace(tzinfo=now.tzinfo),
        ),
    )
