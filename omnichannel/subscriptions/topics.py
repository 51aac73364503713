"""Topic names, and which live feed hears which fact. One place so publishers and subscribers can
never disagree on a spelling.

- stock changes: the location's stock topic and the all-stock topic (stockChanged);
- order facts that say something to a store (`OrderEvent.feed` is set): the topic of every location
  that fulfils the order or took it (storeOrders) - one message per change;
- LowStockRaised: the location's low-stock topic and the all-stores one (lowStock);
- PickupReady: the ordering member's topic (pickupReady);
- CatalogueChanged (products, categories, prices edited or synced): the catalogue topic (the
  response cache empties itself on it);
- other facts (OrderCompleted, OrderRepriced, ...): no live feed; in-transaction handlers and
  readers of the committed events still see them.
"""

from __future__ import annotations

from ..domain.events import CatalogueChanged, DomainEvent, LowStockRaised, OrderEvent, PickupReady, StockChanged

STOCK_ALL = "stock"
CATALOGUE = "catalogue"
LOW_STOCK_ALL = "stock.low"


def low_stock_at(location_id: int) -> str:
    return f"stock.low.location.{location_id}"


def stock_at(location_id: int) -> str:
    return f"stock.location.{location_id}"


def orders_at(location_id: int) -> str:
    return f"orders.location.{location_id}"


def pickups_of(member_id: int) -> str:
    return f"pickup.member.{member_id}"


def for_event(event: DomainEvent) -> list[str]:
    """Every topic an event is published on (none: it is not a live-feed fact)."""
    if isinstance(event, StockChanged):
        return [stock_at(event.location_id), STOCK_ALL]
    if isinstance(event, CatalogueChanged):
        return [CATALOGUE]
    if isinstance(event, LowStockRaised):
        return [low_stock_at(event.location_id), LOW_STOCK_ALL]
    if isinstance(event, PickupReady):
        return [pickups_of(event.member_id)] if event.member_id is not None else []
    if isinstance(event, OrderEvent) and event.feed is not None:
        return [orders_at(location_id) for location_id in event.location_ids]
    return []
