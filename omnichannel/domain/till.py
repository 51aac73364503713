"""A sale at the till: the customer pays at the counter and walks out with the goods.

It is an order like any other (STORE_POS, priced with the same promotions, coupons and points as
every channel), except that it is paid and handed over in the same moment: the units come off
the shelf at once (a SALE movement, never a reservation), the order is COMPLETED, and it is
attributed to the staff member who rang it up (they earn commission on it).

Stock: the till sells what is on hand and not promised to another order (on hand - reserved).
Safety stock is a buffer that keeps online orders away from the last, maybe miscounted units; it
does not stop a customer holding the item at the counter.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from .catalog import SalesChannel
from .errors import DomainError, ErrorCode
from .locations import FulfillmentMode, Location, LocationKind
from .order_requests import OrderRequest, RequestedLine, fingerprint


@dataclass(frozen=True, slots=True)
class TillSale:
    store_id: int
    lines: tuple[RequestedLine, ...]
    payment_reference: str
    member_id: int | None = None
    coupon_codes: tuple[str, ...] = ()
    points_to_redeem: int = 0
    idempotency_key: str | None = None

    def order_request(self) -> OrderRequest:
        """The order this sale is: a STORE_POS order collected where it was sold."""
        return OrderRequest(
            channel=SalesChannel.STORE_POS,
            lines=self.lines,
            mode=FulfillmentMode.PICKUP,
            pickup_location_id=self.store_id,
            coupon_codes=self.coupon_codes,
            points_to_redeem=self.points_to_redeem,
            member_id=self.member_id,
            idempotency_key=self.idempotency_key,
        )


def sale_fingerprint(request: OrderRequest, payment_reference: str) -> str:
    """Two requests are the same till sale when they are the same order paid with the same reference."""
    return hashlib.sha256(f"till:{fingerprint(request)}:{payment_reference}".encode()).hexdigest()


def check_till(location: Location | None) -> Location:
    """A till sale happens in an open store (not a warehouse)."""
    if location is None:
        raise DomainError(ErrorCode.NOT_FOUND, "No such store.", ["storeId"])
    if location.kind is not LocationKind.STORE:
        raise DomainError(ErrorCode.INVALID_INPUT, f"{location.name} is not a store: it has no till.", ["storeId"])
    if not location.active:
        raise DomainError(ErrorCode.LOCATION_INACTIVE, f"{location.name} is closed.", ["storeId"])
    return location


def shelf_available(on_hand: int, reserved: int) -> int:
    """What the till may sell of a stock row: on hand and not promised to another order."""
    return max(0, on_hand - reserved)
