"""Topic names. One place so publishers and subscribers can never disagree on a spelling."""

from __future__ import annotations

from ..domain.events import Event, StockChanged

STOCK_ALL = "stock"


def stock_at(location_id: int) -> str:
    return f"stock.location.{location_id}"


def for_event(event: Event) -> list[str]:
    """Every topic an event is published on."""
    if isinstance(event, StockChanged):
        return [stock_at(event.location_id), STOCK_ALL]
    raise TypeError(f"no topic for {type(event).__name__}")
