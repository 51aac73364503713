"""Topic names. One place so publishers and subscribers can never disagree on a spelling."""

from __future__ import annotations

from ..domain.events import Event, OrderChanged, PickupReady, StockChanged

STOCK_ALL = "stock"


def stock_at(location_id: int) -> str:
    return f"stock.location.{location_id}"


def orders_at(location_id: int) -> str:
    return f"orders.location.{location_id}"


def pickups_of(member_id: int) -> str:
    return f"pickup.member.{member_id}"


def for_event(event: Event) -> list[str]:
    """Every topic an event is published on."""
    if isinstance(event, StockChanged):
        return [stock_at(event.location_id), STOCK_ALL]
    if isinstance(event, OrderChanged):
        return [orders_at(location_id) for location_id in event.location_ids]
    if isinstance(event, PickupReady):
        return [pickups_of(event.member_id)] if event.member_id is not None else []
    raise TypeError(f"no topic for {type(event).__name__}")
