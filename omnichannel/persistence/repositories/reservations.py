"""Reserving, releasing and selling held stock with conditional UPDATEs (run by inventory.StockStore).

Every method takes holds in domain.reservations.lock_order (sorted by location, variant) and
touches one row per statement in that order, so concurrent orders over the same rows queue
instead of deadlocking. A reservation is one conditional UPDATE: it succeeds only while the row
still has the units available, so no read-then-write race can oversell.
"""

from __future__ import annotations

from ..mappers import STOCK_COLUMNS


class HeldStockMissing(RuntimeError):
    """Releasing or selling more than is reserved: a bug, never a business refusal."""


RESERVE = (
    "UPDATE stock_level SET reserved = reserved + $3, updated_at = now() "
    "WHERE location_id = $1 AND variant_id = $2 AND on_hand - reserved - safety_stock >= $3 "
    f"RETURNING {STOCK_COLUMNS}"
)
RELEASE = (
    "UPDATE stock_level SET reserved = reserved - $3, updated_at = now() "
    "WHERE location_id = $1 AND variant_id = $2 AND reserved >= $3 "
    f"RETURNING {STOCK_COLUMNS}"
)
SELL = (
    "UPDATE stock_level SET on_hand = on_hand - $3, reserved = reserved - $3, updated_at = now() "
    "WHERE location_id = $1 AND variant_id = $2 AND reserved >= $3 AND on_hand >= $3 "
    f"RETURNING {STOCK_COLUMNS}"
)
