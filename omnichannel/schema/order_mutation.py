"""The order mutations: place, pay, cancel, pick, ready, ship, deliver, hand over."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from ..domain.orders import Fulfillment as DomainFulfillment
from ..domain.orders import Order as DomainOrder
from ..resolvers.context import Context
from ..resolvers.mutation import mutate
from ..resolvers.orders import cancel, fulfil, hand_over, pay, place
from ..resolvers.results import Result
from .errors import UserError
from .order_inputs import (
    CancelOrderInput,
    CompletePickupInput,
    ConfirmPaymentInput,
    FulfillmentInput,
    FulfillmentPayload,
    MarkReadyForPickupInput,
    OrderPayload,
    PlaceOrderInput,
    PlaceOrderPayload,
)
from .orders import Fulfillment, Order
from .relay import decode_id


def _order_payload(result: Result[DomainOrder]) -> OrderPayload:
    order = Order.from_domain(result.value) if result.value is not None else None
    return OrderPayload(order=order, user_errors=UserError.many(result.errors))


def _fulfillment_payload(result: Result[DomainFulfillment]) -> FulfillmentPayload:
    fulfillment = Fulfillment.from_domain(result.value) if result.value is not None else None
    return FulfillmentPayload(fulfillment=fulfillment, user_errors=UserError.many(result.errors))


@strawberry.type
class OrderMutation:
    @strawberry.mutation(
        description="Place an order: PICKUP holds stock at the pickup store, EXPRESS and SAME_CITY are routed. "
        "Unpaid orders hold their stock until reservationExpiresAt."
    )
    async def place_order(self, info: Info[Context, None], input: PlaceOrderInput) -> PlaceOrderPayload:
        result = await mutate(info.context, place.place_order, input.to_domain())
        order = Order.from_domain(result.value) if result.value is not None else None
        return PlaceOrderPayload.of(order, result.errors)

    @strawberry.mutation(
        description="The payment provider (or the store that took a till order) confirms the whole total. "
        "The same reference twice returns the order unchanged."
    )
    async def confirm_payment(self, info: Info[Context, None], input: ConfirmPaymentInput) -> OrderPayload:
        order_id = decode_id(input.order_id, "Order")
        result = await mutate(
            info.context, pay.confirm_payment, order_id=order_id, amount=input.amount, reference=input.reference
        )
        return _order_payload(result)

    @strawberry.mutation(
        description="Cancel an order and release its stock: the member before picking starts, "
        "the fulfilling store's staff, or head office."
    )
    async def cancel_order(self, info: Info[Context, None], input: CancelOrderInput) -> OrderPayload:
        order_id = decode_id(input.order_id, "Order")
        return _order_payload(await mutate(info.context, cancel.cancel_order, order_id=order_id, reason=input.reason))

    @strawberry.mutation(description="The store's staff start picking a paid fulfilment.")
    async def start_picking(self, info: Info[Context, None], input: FulfillmentInput) -> FulfillmentPayload:
        fulfillment_id = decode_id(input.fulfillment_id, "Fulfillment")
        return _fulfillment_payload(await mutate(info.context, fulfil.start_picking, fulfillment_id=fulfillment_id))

    @strawberry.mutation(
        description="The store's staff mark a pickup fulfilment ready (from PENDING or PICKING); the member is told."
    )
    async def mark_ready_for_pickup(
        self, info: Info[Context, None], input: MarkReadyForPickupInput
    ) -> FulfillmentPayload:
        fulfillment_id = decode_id(input.fulfillment_id, "Fulfillment")
        result = await mutate(info.context, fulfil.mark_ready_for_pickup, fulfillment_id=fulfillment_id)
        return _fulfillment_payload(result)

    @strawberry.mutation(description="The location's staff hand an EXPRESS or SAME_CITY parcel to the courier.")
    async def mark_shipped(self, info: Info[Context, None], input: FulfillmentInput) -> FulfillmentPayload:
        fulfillment_id = decode_id(input.fulfillment_id, "Fulfillment")
        return _fulfillment_payload(await mutate(info.context, fulfil.mark_shipped, fulfillment_id=fulfillment_id))

    @strawberry.mutation(description="The courier (SERVICE) or head office reports a shipped parcel delivered.")
    async def confirm_delivery(self, info: Info[Context, None], input: FulfillmentInput) -> FulfillmentPayload:
        fulfillment_id = decode_id(input.fulfillment_id, "Fulfillment")
        return _fulfillment_payload(await mutate(info.context, fulfil.confirm_delivery, fulfillment_id=fulfillment_id))

    @strawberry.mutation(
        description="Hand a pickup order over by its code (typed or scanned). Wrong codes are counted; "
        "too many lock pickups for the clerk and the store for a while (TOO_MANY_ATTEMPTS)."
    )
    async def complete_pickup(self, info: Info[Context, None], input: CompletePickupInput) -> OrderPayload:
        location_id = decode_id(input.store_id, "Store")
        result = await mutate(info.context, hand_over.complete_pickup, location_id=location_id, code=input.pickup_code)
        return _order_payload(result)
