"""Tortoise models, one module per area. The app label is `omnichannel`."""

from .catalog import Category, PriceOverride, Product, Variant
from .inventory import StockLevel, StockMovement
from .locations import Location
from .orders import Fulfillment, FulfillmentLine, IdempotencyKey, Order, OrderLine, Payment
from .people import Member, Staff
from .routing import RoutingRules
from .throttle import Throttle

__all__ = [
    "Category",
    "Fulfillment",
    "FulfillmentLine",
    "IdempotencyKey",
    "Location",
    "Member",
    "Order",
    "OrderLine",
    "Payment",
    "PriceOverride",
    "Product",
    "RoutingRules",
    "Staff",
    "StockLevel",
    "StockMovement",
    "Throttle",
    "Variant",
]
