"""Turning a routing plan into an order: priced shipments, merged parcels, and refusals in words."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from .catalog import PriceOverride, SalesChannel, Variant
from .errors import DomainError, ErrorCode
from .order_requests import RequestedLine, ShipmentDraft, price_lines
from .orders import Fulfillment, Order
from .routing import OpenParcel, Plan


def shipments(
    plan: Plan,
    variants: Mapping[int, Variant],
    overrides: Mapping[int, Sequence[PriceOverride]],
    channel: SalesChannel,
    ships_with: Mapping[int, int],
    now: datetime,
) -> list[ShipmentDraft]:
    """One priced shipment per location of the plan (each at its own location's prices)."""
    by_location: dict[int, dict[int, int]] = {}
    merged_with: dict[int, int] = {}
    for index, shipment in enumerate(plan.shipments):
        quantities = by_location.setdefault(shipment.location.id, {})
        for line in shipment.lines:
            if line.quantity > 0:
                quantities[line.variant_id] = quantities.get(line.variant_id, 0) + line.quantity
        if index in ships_with:
            merged_with[shipment.location.id] = ships_with[index]
    return [
        ShipmentDraft(
            location_id,
            tuple(
                price_lines(
                    [RequestedLine(v, q) for v, q in quantities.items()],
                    variants,
                    overrides,
                    channel,
                    location_id,
                    now,
                )
            ),
            merged_with.get(location_id),
        )
        for location_id, quantities in by_location.items()
        if quantities
    ]


def open_parcel(fulfillment: Fulfillment, order: Order) -> OpenParcel:
    address = order.shipping_address
    return OpenParcel(
        fulfillment.id,
        fulfillment.location_id,
        fulfillment.mode,
        address.point if address is not None else None,
        fulfillment.created_at,
    )


def refusals(plan: Plan, lines: Sequence[RequestedLine], variants: Mapping[int, Variant]) -> list[DomainError]:
    """Why an infeasible plan cannot become an order: one error per short line, else the plan's reason."""
    explanation = " ".join(plan.explanation)
    if plan.shortages:
        errors: list[DomainError] = []
        position = {line.variant_id: i for i, line in enumerate(lines)}
        for short in plan.shortages:
            variant = variants.get(short.variant_id)
            name = f"{variant.title} ({variant.sku})" if variant else f"variant {short.variant_id}"
            index = position.get(short.variant_id)
            errors.append(
                DomainError(
                    ErrorCode.OUT_OF_STOCK,
                    f"Not enough stock within reach for {name}: {short.quantity} missing. {explanation}",
                    ["lines", str(index)] if index is not None else ["lines"],
                )
            )
        return errors
    code = plan.reason or ErrorCode.OUT_OF_STOCK
    field = ["shippingAddress"] if code is ErrorCode.OUT_OF_DELIVERY_AREA else ["fulfillmentMode"]
    return [DomainError(code, explanation or "This order cannot be fulfilled right now.", field)]
