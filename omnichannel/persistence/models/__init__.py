"""Tortoise models, one module per area. The app label is `omnichannel`."""

from .catalog import Category, PriceOverride, Product, Variant
from .inventory import StockLevel, StockMovement
from .locations import Location
from .people import Member, Staff
from .routing import RoutingRules
from .throttle import Throttle

__all__ = [
    "Category",
    "Location",
    "Member",
    "PriceOverride",
    "Product",
    "RoutingRules",
    "Staff",
    "StockLevel",
    "StockMovement",
    "Throttle",
    "Variant",
]
