"""Inputs and payloads of the order mutations, and their mapping to the domain's requests."""

from __future__ import annotations

from decimal import Decimal

import strawberry

from ..domain.errors import DomainError
from ..domain.order_requests import OrderRequest, RequestedLine
from ..domain.orders import Address
from ..domain.reservations import OutOfStock
from .enums import FulfillmentMode, SalesChannel
from .errors import UserError
from .lines import OrderLineInput
from .locations import GeoInput, Store
from .orders import Fulfillment, Order
from .relay import decode_id


@strawberry.input
class AddressInput:
    recipient: str
    phone: str
    line1: str
    city: str
    location: GeoInput

    def to_domain(self) -> Address:
        return Address(
            self.recipient.strip(), self.phone.strip(), self.line1.strip(), self.city.strip(), self.location.to_domain()
        )


@strawberry.input
class PlaceOrderInput:
    channel: SalesChannel
    lines: list[OrderLineInput]
    fulfillment_mode: FulfillmentMode
    pickup_store_id: strawberry.ID | None = strawberry.field(
        default=None, description="PICKUP: where the member collects"
    )
    shipping_address: AddressInput | None = strawberry.field(default=None, description="EXPRESS and SAME_CITY")
    coupon_codes: list[str] | None = None
    points_to_redeem: int | None = None
    member_id: strawberry.ID | None = strawberry.field(
        default=None, description="a clerk ordering on a member's behalf"
    )
    idempotency_key: str | None = strawberry.field(
        default=None, description="the same key from the same caller returns the first order, never a second one"
    )

    def to_domain(self) -> OrderRequest:
        return OrderRequest(
            channel=self.channel,
            lines=tuple(RequestedLine(decode_id(line.variant_id, "Variant"), line.quantity) for line in self.lines),
            mode=self.fulfillment_mode,
            pickup_location_id=decode_id(self.pickup_store_id, "Store") if self.pickup_store_id else None,
            address=self.shipping_address.to_domain() if self.shipping_address else None,
            coupon_codes=tuple(self.coupon_codes or ()),
            points_to_redeem=self.points_to_redeem or 0,
            member_id=decode_id(self.member_id, "Member") if self.member_id else None,
            idempotency_key=self.idempotency_key,
        )


@strawberry.type
class PlaceOrderPayload:
    order: Order | None
    user_errors: list[UserError]
    alternative_stores: list[Store] = strawberry.field(
        description="OUT_OF_STOCK for PICKUP: nearby stores that could take the whole order now, nearest first"
    )

    @staticmethod
    def of(order: Order | None, errors: list[DomainError]) -> PlaceOrderPayload:
        alternatives = next((e.alternatives for e in errors if isinstance(e, OutOfStock)), ())
        return PlaceOrderPayload(
            order=order,
            user_errors=UserError.many(errors),
            alternative_stores=[Store.from_domain(loc, km) for loc, km in alternatives],
        )


@strawberry.input
class ConfirmPaymentInput:
    order_id: strawberry.ID
    amount: Decimal
    reference: str


@strawberry.input
class CancelOrderInput:
    order_id: strawberry.ID
    reason: str | None = None


@strawberry.type
class OrderPayload:
    order: Order | None
    user_errors: list[UserError]


@strawberry.input
class MarkReadyForPickupInput:
    fulfillment_id: strawberry.ID


@strawberry.input(description="Names one fulfilment to act on (start picking, ship, confirm delivery).")
class FulfillmentInput:
    fulfillment_id: strawberry.ID


@strawberry.type
class FulfillmentPayload:
    fulfillment: Fulfillment | None
    user_errors: list[UserError]


@strawberry.input
class CompletePickupInput:
    store_id: strawberry.ID
    pickup_code: str
