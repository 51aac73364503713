"""Domain events: facts that happened, published after the transaction that made them commits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class StockChanged:
    location_id: int
    variant_id: int
    on_hand: int
    reserved: int
    safety_stock: int
    reason: str  # domain.inventory.MovementReason value
    at: datetime

    @property
    def available(self) -> int:
        return max(0, self.on_hand - self.reserved - self.safety_stock)


Event = StockChanged
