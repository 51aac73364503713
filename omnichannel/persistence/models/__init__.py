"""Tortoise models, one module per area. The app label is `omnichannel`."""

from .catalog import Category, PriceOverride, Product, ProductCategory, Variant
from .coupons import Coupon, CouponEvent, CouponTemplate
from .events import EventLogEntry, EventLogState, Webhook, WebhookDelivery
from .floor import CommissionEntry, CommissionLine, CommissionRule, MemberLookup, SalesCreditEntry, TryOn
from .inventory import StockLevel, StockMovement
from .locations import Location
from .members import MemberIdentity, MemberMerge, MemberSpend, SignInCode
from .orders import Fulfillment, FulfillmentLine, IdempotencyKey, Order, OrderLine, Payment
from .people import Member, Staff
from .points import PointsEntry
from .promotions import OrderDiscount, Promotion
from .refunds import Refund, RefundLine
from .routing import RoutingRules
from .sales import SalesDay
from .stock_alerts import AllocationPolicy, ChannelSales, LowStockAlert
from .sync import SyncBatch
from .throttle import Throttle
from .transfers import Transfer, TransferLine

__all__ = [
    "AllocationPolicy",
    "Category",
    "ChannelSales",
    "CommissionEntry",
    "CommissionLine",
    "CommissionRule",
    "Coupon",
    "CouponEvent",
    "CouponTemplate",
    "EventLogEntry",
    "EventLogState",
    "Fulfillment",
    "FulfillmentLine",
    "IdempotencyKey",
    "Location",
    "LowStockAlert",
    "Member",
    "MemberIdentity",
    "MemberLookup",
    "MemberMerge",
    "MemberSpend",
    "Order",
    "OrderDiscount",
    "OrderLine",
    "Payment",
    "PointsEntry",
    "PriceOverride",
    "Product",
    "ProductCategory",
    "Promotion",
    "Refund",
    "RefundLine",
    "RoutingRules",
    "SalesCreditEntry",
    "SalesDay",
    "SignInCode",
    "Staff",
    "StockLevel",
    "StockMovement",
    "SyncBatch",
    "Throttle",
    "Transfer",
    "TransferLine",
    "TryOn",
    "Variant",
    "Webhook",
    "WebhookDelivery",
]
