"""What the store floor's bookkeeping knows of a paid order: who sold it, through which channel,
and the lines each location fulfils at their unit price (the base of credit and commission)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from .catalog import SalesChannel


@dataclass(frozen=True, slots=True)
class FulfilledLine:
    """One fulfilment line of an order: where it is fulfilled, what, how many, at what unit price."""

    location_id: int
    variant_id: int
    quantity: int
    unit_price: Decimal


@dataclass(frozen=True, slots=True)
class SaleFacts:
    order_id: int
    channel: SalesChannel
    member_id: int | None
    placed_at_location_id: int | None
    attributed_staff_id: int | None
    total: Decimal
    lines: tuple[FulfilledLine, ...]
