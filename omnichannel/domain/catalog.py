"""Products, variants and the one price list with channel and store overrides."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum

from .money import Money


class SalesChannel(StrEnum):
    MINI_PROGRAM = "MINI_PROGRAM"
    APP = "APP"
    STORE_POS = "STORE_POS"
    CLERK_PAD = "CLERK_PAD"


@dataclass(frozen=True, slots=True)
class Category:
    id: int
    name: str
    parent_id: int | None = None


@dataclass(frozen=True, slots=True)
class Product:
    id: int
    title: str
    description: str | None
    category_id: int | None
    active: bool = True


@dataclass(frozen=True, slots=True)
class Variant:
    id: int
    product_id: int
    sku: str
    barcode: str | None
    title: str
    list_price: Decimal
    active: bool = True
    product_active: bool = True  # its product is on sale (head office can take a product off sale)


@dataclass(frozen=True, slots=True)
class PriceOverride:
    """A price for one variant that replaces the list price in a channel, a store, or both."""

    variant_id: int
    amount: Decimal
    channel: SalesChannel | None = None
    location_id: int | None = None
    valid_from: datetime | None = None  # in force from this instant (inclusive); None: since always
    valid_until: datetime | None = None  # until this instant (exclusive); None: no end

    def in_force(self, now: datetime) -> bool:
        return (self.valid_from is None or self.valid_from <= now) and (
            self.valid_until is None or now < self.valid_until
        )

    @property
    def specificity(self) -> int:
        return (2 if self.location_id is not None else 0) + (1 if self.channel is not None else 0)

    def applies(self, channel: SalesChannel | None, location_id: int | None) -> bool:
        return (self.channel is None or self.channel == channel) and (
            self.location_id is None or self.location_id == location_id
        )


def effective_price(
    variant: Variant,
    overrides: Iterable[PriceOverride],
    channel: SalesChannel | None = None,
    location_id: int | None = None,
    *,
    now: datetime,
) -> Money:
    """The price a channel and store pay at `now`: the one pricing function (Variant.price,
    priceQuote, placeOrder and the till all call it).

    Only overrides in force count (validFrom <= now < validUntil). Precedence, most specific first:
    store+channel, store, channel, list price. A store's own price beats a channel-wide campaign
    because the store set it knowing its local market. Two overrides of the same scope in force at
    once (overlapping windows): the one that started last wins (a campaign set over a standing
    price), then the lower amount, so the answer never depends on the order rows were read in.
    """
    best: PriceOverride | None = None
    best_key: tuple[int, datetime, Decimal] | None = None
    for override in overrides:
        if not override.applies(channel, location_id) or not override.in_force(now):
            continue
        key = (override.specificity, override.valid_from or _SINCE_ALWAYS, -override.amount)
        if best_key is None or key > best_key:
            best, best_key = override, key
    return Money.of(best.amount if best is not None else variant.list_price)


_SINCE_ALWAYS = datetime.min.replace(tzinfo=UTC)
