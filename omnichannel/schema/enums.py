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

# strawberry.enum registers the domain's class itself (and returns it): the names below are the
# domain enums, plain aliases a type checker follows
strawberry.enum(DomainSalesChannel, name="SalesChannel")
strawberry.enum(DomainFulfillmentMode, name="FulfillmentMode")
strawberry.enum(DomainLocationKind, name="LocationKind")
strawberry.enum(DomainCouponStatus, name="CouponStatus")
strawberry.enum(DomainCouponKind, name="CouponKind")
strawberry.enum(DomainAuditKind, name="CouponAuditKind")
strawberry.enum(DomainPromotionKind, name="PromotionKind")
strawberry.enum(DomainEntryKind, name="PointsEntryKind")
strawberry.enum(DomainIdentityKind, name="IdentityKind")
strawberry.enum(DomainDiscountKind, name="DiscountKind")
strawberry.enum(DomainOrderStatus, name="OrderStatus")
strawberry.enum(DomainFulfillmentStatus, name="FulfillmentStatus")
strawberry.enum(DomainTryOnSource, name="TryOnSource")
strawberry.enum(DomainCommissionEntryKind, name="CommissionEntryKind")

SalesChannel = DomainSalesChannel
FulfillmentMode = DomainFulfillmentMode
LocationKind = DomainLocationKind
CouponStatus = DomainCouponStatus
CouponKind = DomainCouponKind
CouponAuditKind = DomainAuditKind
PromotionKind = DomainPromotionKind
PointsEntryKind = DomainEntryKind
IdentityKind = DomainIdentityKind
DiscountKind = DomainDiscountKind
OrderStatus = DomainOrderStatus
FulfillmentStatus = DomainFulfillmentStatus
TryOnSource = DomainTryOnSource
CommissionEntryKind = DomainCommissionEntryKind
