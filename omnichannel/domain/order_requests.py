"""What a caller asks for when placing an order: validation, merging and the idempotency fingerprint."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from . import idempotency
from .catalog import PriceOverride, SalesChannel, Variant, effective_price
from .errors import DomainError, ErrorCode
from .idempotency import digest, key_error
from .locations import FulfillmentMode, Location
from .money import Money
from .order_access import Placement
from .order_totals import PricedLine, Totals, order_lines, totals
from .orders import Address, hold_until
from .pricing import PricedCart
from .reservations import Hold, lock_order

MAX_LINES = 50
MAX_QUANTITY = 999
MAX_COUPONS = 10
MAX_TEXT = 200
MAX_PHONE = 32


@dataclass(frozen=True, slots=True)
class RequestedLine:
    variant_id: int
    quantity: int


@dataclass(frozen=True, slots=True)
class OrderRequest:
    channel: SalesChannel
    lines: tuple[RequestedLine, ...]
    mode: FulfillmentMode
    pickup_location_id: int | None = None
    address: Address | None = None
    coupon_codes: tuple[str, ...] = ()
    points_to_redeem: int = 0
    member_id: int | None = None
    idempotency_key: str | None = None


def _address_errors(address: Address) -> list[DomainError]:
    errors = []
    for name, value, limit in (
        ("recipient", address.recipient, MAX_TEXT),
        ("phone", address.phone, MAX_PHONE),
        ("line1", address.line1, MAX_TEXT),
        ("city", address.city, MAX_TEXT),
    ):
        if not value.strip() or len(value) > limit or not value.isprintable():
            errors.append(
                DomainError(
                    ErrorCode.INVALID_INPUT,
                    f"shippingAddress.{name} must be 1 to {limit} printable characters.",
                    ["shippingAddress", name],
                )
            )
    if address.phone.strip() and not _phone_ok(address.phone):
        errors.append(
            DomainError(
                ErrorCode.INVALID_INPUT,
                "shippingAddress.phone must be a phone number: digits, with +, spaces, hyphens or brackets.",
                ["shippingAddress", "phone"],
            )
        )
    return errors


_PHONE = re.compile(r"\+?[0-9()\- ]+")


def _phone_ok(phone: str) -> bool:
    """A number a courier can dial: 5 to 15 digits (E.164 at most), written the usual ways."""
    text = phone.strip()
    digits = sum(c.isdigit() for c in text)
    return bool(_PHONE.fullmatch(text)) and text.isascii() and 5 <= digits <= 15


def validate(request: OrderRequest) -> OrderRequest:
    """The request with its lines merged per variant (first position kept); refuses malformed input.

    Raises the first problem; `problems` lists them all.
    """
    found = problems(request)
    if found:
        raise found[0]
    return merged(request)


def problems(request: OrderRequest) -> list[DomainError]:
    errors: list[DomainError] = []
    if not request.lines:
        errors.append(DomainError(ErrorCode.INVALID_INPUT, "An order needs at least one line.", ["lines"]))
    if len(request.lines) > MAX_LINES:
        errors.append(DomainError(ErrorCode.INVALID_INPUT, f"An order has at most {MAX_LINES} lines.", ["lines"]))
    for index, line in enumerate(request.lines):
        if not 1 <= line.quantity <= MAX_QUANTITY:
            errors.append(
                DomainError(
                    ErrorCode.INVALID_INPUT,
                    f"Line {index + 1}: the quantity must be between 1 and {MAX_QUANTITY}.",
                    ["lines", str(index), "quantity"],
                )
            )
    if request.mode is FulfillmentMode.PICKUP:
        if request.pickup_location_id is None:
            errors.append(DomainError(ErrorCode.INVALID_INPUT, "Choose the store to pick up at.", ["pickupStoreId"]))
        if request.address is not None:
            errors.append(
                DomainError(ErrorCode.INVALID_INPUT, "A pickup order has no shipping address.", ["shippingAddress"])
            )
    else:
        if request.address is None:
            errors.append(
                DomainError(
                    ErrorCode.INVALID_INPUT,
                    f"A {request.mode.value} order needs a shipping address.",
                    ["shippingAddress"],
                )
            )
        else:
            errors.extend(_address_errors(request.address))
        if request.pickup_location_id is not None:
            errors.append(
                DomainError(ErrorCode.INVALID_INPUT, "pickupStoreId is only for PICKUP orders.", ["pickupStoreId"])
            )
    if len(request.coupon_codes) > MAX_COUPONS:
        errors.append(DomainError(ErrorCode.INVALID_INPUT, f"At most {MAX_COUPONS} coupons.", ["couponCodes"]))
    if request.points_to_redeem < 0:
        errors.append(DomainError(ErrorCode.INVALID_INPUT, "pointsToRedeem cannot be negative.", ["pointsToRedeem"]))
    if (bad_key := key_error(request.idempotency_key)) is not None:
        errors.append(bad_key)
    return errors


def merged(request: OrderRequest) -> OrderRequest:
    quantities: dict[int, int] = {}
    for line in request.lines:
        quantities[line.variant_id] = quantities.get(line.variant_id, 0) + line.quantity
    lines = tuple(RequestedLine(v, q) for v, q in quantities.items())
    if any(line.quantity > MAX_QUANTITY for line in lines):
        raise DomainError(ErrorCode.INVALID_INPUT, f"At most {MAX_QUANTITY} units of one variant per order.", ["lines"])
    return replace(request, lines=lines)


def fingerprint(request: OrderRequest) -> str:
    """A digest of everything that makes two requests 'the same order' (the key itself excluded)."""
    address = request.address
    canonical = {
        "channel": request.channel.value,
        "mode": request.mode.value,
        "lines": sorted([line.variant_id, line.quantity] for line in merged(request).lines),
        "pickup": request.pickup_location_id,
        "address": None
        if address is None
        else [address.recipient, address.phone, address.line1, address.city, address.point.lat, address.point.lng],
        "coupons": sorted(request.coupon_codes),
        "points": request.points_to_redeem,
        "member": request.member_id,
    }
    return digest(canonical)


def check_same_request(stored: str, given: str) -> None:
    """An idempotency key names one order: the same key with another request is refused."""
    idempotency.check_same_request(stored, given, "order")


def sellable(request: OrderRequest, variants: Mapping[int, Variant | None]) -> None:
    """Every line names a variant that exists and is for sale."""
    for index, line in enumerate(request.lines):
        variant = variants.get(line.variant_id)
        if variant is None:
            raise DomainError(
                ErrorCode.NOT_FOUND, f"Line {index + 1}: no such variant.", ["lines", str(index), "variantId"]
            )
        if not variant.active:
            raise DomainError(
                ErrorCode.INVALID_INPUT,
                f"Line {index + 1}: {variant.sku} is no longer sold.",
                ["lines", str(index), "variantId"],
            )
        if not variant.product_active:
            raise DomainError(
                ErrorCode.PRODUCT_INACTIVE,
                f"Line {index + 1}: {variant.sku} is not on sale.",
                ["lines", str(index), "variantId"],
            )


def fulfilled_at(mode: FulfillmentMode, location: Location | None) -> None:
    """A pickup store must exist, be open for business and offer pickup."""
    if location is None:
        raise DomainError(ErrorCode.NOT_FOUND, "No such store.", ["pickupStoreId"])
    if not location.active:
        raise DomainError(ErrorCode.LOCATION_INACTIVE, f"{location.name} is closed.", ["pickupStoreId"])
    if not location.offers(mode):
        raise DomainError(
            ErrorCode.MODE_NOT_OFFERED, f"{location.name} does not offer {mode.value.lower()}.", ["pickupStoreId"]
        )


def check_till_pickup(request: OrderRequest, location: Location, placement: Placement) -> None:
    """A till (STORE_POS) pickup order is handed over at the store that took it."""
    if (
        request.channel is SalesChannel.STORE_POS
        and request.mode is FulfillmentMode.PICKUP
        and location.code != placement.placed_at_store_code
    ):
        raise DomainError(ErrorCode.INVALID_INPUT, "A till order is handed over at your own store.", ["pickupStoreId"])


def price_lines(
    lines: Sequence[RequestedLine],
    variants: Mapping[int, Variant],
    overrides: Mapping[int, Sequence[PriceOverride]],
    channel: SalesChannel,
    location_id: int,
    now: datetime,
) -> list[PricedLine]:
    """Each line at the price this channel pays at the location that fulfils it, at `now`."""
    return [
        PricedLine(
            line.variant_id,
            line.quantity,
            effective_price(
                variants[line.variant_id], overrides.get(line.variant_id, ()), channel, location_id, now=now
            ),
        )
        for line in lines
    ]


# ---- the order about to be written --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ShipmentDraft:
    """What one location will pick for the order, at that location's prices."""

    location_id: int
    lines: tuple[PricedLine, ...]
    ships_with_id: int | None = None  # an open parcel of the same member it travels with


def selling_stores(request: OrderRequest, shipments: Sequence[ShipmentDraft]) -> tuple[int, ...]:
    """The locations making the sale (what store-exclusive coupons are checked against): the pickup
    store, or for a delivery every location the order ships from."""
    if request.pickup_location_id is not None:
        return (request.pickup_location_id,)
    return tuple(sorted({s.location_id for s in shipments}))


def store_of_record(
    request: OrderRequest, placed_at_location_id: int | None, shipments: Sequence[ShipmentDraft]
) -> int | None:
    """The one store a coupon use (or refusal) is recorded at: the pickup store, else the store whose
    till took the order, else the only location a delivery ships from."""
    if request.pickup_location_id is not None:
        return request.pickup_location_id
    if placed_at_location_id is not None:
        return placed_at_location_id
    locations = {s.location_id for s in shipments}
    return next(iter(locations)) if len(locations) == 1 else None


@dataclass(frozen=True, slots=True)
class Benefits:
    """Promotions, coupons and points applied to an order, as domain.pricing priced them."""

    discount: Money
    points_redeemed: int = 0
    pricing: PricedCart | None = None  # every discount line, the coupons to use, the points to spend


NO_BENEFITS = Benefits(Money.of(0))


@dataclass(frozen=True, slots=True)
class OrderDraft:
    request: OrderRequest
    placement: Placement
    placed_at_location_id: int | None
    shipments: tuple[ShipmentDraft, ...]
    lines: tuple[PricedLine, ...]
    totals: Totals
    points_redeemed: int
    reservation_expires_at: datetime
    created_at: datetime
    pricing: PricedCart | None = None

    @property
    def holds(self) -> list[Hold]:
        return lock_order(
            Hold(s.location_id, line.variant_id, line.quantity) for s in self.shipments for line in s.lines
        )


def draft(
    request: OrderRequest,
    placement: Placement,
    placed_at_location_id: int | None,
    shipments: Sequence[ShipmentDraft],
    benefits: Benefits,
    now: datetime,
    ttl_seconds: int,
) -> OrderDraft:
    lines = order_lines(line for s in shipments for line in s.lines)
    return OrderDraft(
        request=request,
        placement=placement,
        placed_at_location_id=placed_at_location_id,
        shipments=tuple(shipments),
        lines=tuple(lines),
        totals=totals(lines, benefits.discount),
        points_redeemed=benefits.points_redeemed,
        reservation_expires_at=hold_until(now, ttl_seconds),
        created_at=now,
        pricing=benefits.pricing,
    )
