"""GraphQL enums, declared from the domain's own enums so the two can never drift."""

from __future__ import annotations

import strawberry

from ..domain.catalog import SalesChannel as DomainSalesChannel
from ..domain.commission import EntryKind as DomainCommissionEntryKind
from ..domain.coupons import AuditKind as DomainAuditKind
from ..domain.coupons import CouponKind as DomainCouponKind
from ..domain.coupons import CouponStatus as DomainCouponStatus
from ..domain.locations import FulfillmentMode as DomainFulfillmentMode
from ..domain.locations import LocationKind as DomainLocationKind
from ..domain.members import IdentityKind as DomainIdentityKind
from ..domain.orders import FulfillmentStatus as DomainFulfillmentStatus
from ..domain.orders import OrderStatus as DomainOrderStatus
from ..domain.points import EntryKind as DomainEntryKind
from ..domain.pricing import DiscountKind as DomainDiscountKind
from ..domain.promotions import PromotionKind as DomainPromotionKind
from ..domain.try_ons import TryOnSource as DomainTryOnSource

SalesChannel = strawberry.enum(DomainSalesChannel, name="SalesChannel")
FulfillmentMode = strawberry.enum(DomainFulfillmentMode, name="FulfillmentMode")
LocationKind = strawberry.enum(DomainLocationKind, name="LocationKind")
CouponStatus = strawberry.enum(DomainCouponStatus, name="CouponStatus")
CouponKind = strawberry.enum(DomainCouponKind, name="CouponKind")
CouponAuditKind = strawberry.enum(DomainAuditKind, name="CouponAuditKind")
PromotionKind = strawberry.enum(DomainPromotionKind, name="PromotionKind")
PointsEntryKind = strawberry.enum(DomainEntryKind, name="PointsEntryKind")
IdentityKind = strawberry.enum(DomainIdentityKind, name="IdentityKind")
DiscountKind = strawberry.enum(DomainDiscountKind, name="DiscountKind")
OrderStatus = strawberry.enum(DomainOrderStatus, name="OrderStatus")
FulfillmentStatus = strawberry.enum(DomainFulfillmentStatus, name="FulfillmentStatus")
TryOnSource = strawberry.enum(DomainTryOnSource, name="TryOnSource")
CommissionEntryKind = strawberry.enum(DomainCommissionEntryKind, name="CommissionEntryKind")
