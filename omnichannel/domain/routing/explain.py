"""Words for the explanation: short sentences a clerk can read out to a customer."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ..locations import FulfillmentMode, Location, LocationKind
from .model import RouteLine

MODE_WORDS = {
    FulfillmentMode.PICKUP: "pickup in store",
    FulfillmentMode.EXPRESS: "courier delivery",
    FulfillmentMode.SAME_CITY: "same-city delivery",
}


def label(location: Location) -> str:
    """'Store Jing'an Temple', 'Jiading Regional Warehouse'."""
    if location.kind is LocationKind.STORE and not location.name.lower().startswith("store"):
        return f"Store {location.name}"
    return location.name


def km(distance: float) -> str:
    return f"{distance:.1f} km"


def plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def everything(quantities: Sequence[int]) -> str:
    """'all 3 items', or for one line 'all 4 units' / 'the item'."""
    if len(quantities) == 1:
        return "the item" if quantities[0] == 1 else f"all {quantities[0]} units"
    return f"all {len(quantities)} items"


def item_name(variant_id: int, names: Mapping[int, str]) -> str:
    return names.get(variant_id) or f"item #{variant_id}"


def describe(lines: Sequence[RouteLine], names: Mapping[int, str]) -> str:
    """'2 x Slim Chinos 30 and 1 x Canvas Tote Black'."""
    parts = [f"{line.quantity} x {item_name(line.variant_id, names)}" for line in lines]
    return join(parts)


def join(parts: Sequence[str]) -> str:
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def places(found: Sequence[tuple[Location, float]], origin: str) -> str:
    """'Store Xintiandi (1.3 km from the pickup store) and Store Lujiazui (2.0 km ...)'."""
    return join([f"{label(loc)} ({km(d)} {origin})" for loc, d in found])
