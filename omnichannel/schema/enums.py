"""GraphQL enums, declared from the domain's own enums so the two can never drift."""

from __future__ import annotations

import strawberry

from ..domain.catalog import SalesChannel as DomainSalesChannel
from ..domain.locations import FulfillmentMode as DomainFulfillmentMode
from ..domain.locations import LocationKind as DomainLocationKind
from ..domain.orders import FulfillmentStatus as DomainFulfillmentStatus
from ..domain.orders import OrderStatus as DomainOrderStatus

SalesChannel = strawberry.enum(DomainSalesChannel, name="SalesChannel")
FulfillmentMode = strawberry.enum(DomainFulfillmentMode, name="FulfillmentMode")
LocationKind = strawberry.enum(DomainLocationKind, name="LocationKind")
OrderStatus = strawberry.enum(DomainOrderStatus, name="OrderStatus")
FulfillmentStatus = strawberry.enum(DomainFulfillmentStatus, name="FulfillmentStatus")
