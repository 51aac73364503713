"""The root Query, Mutation and Subscription types, merged from every area."""

from __future__ import annotations

import strawberry
from strawberry.tools import merge_types
from strawberry.types import Info

from ..resolvers.context import Context
from .catalog_query import CatalogQuery
from .catalogue_api import CatalogueMutation
from .categories import CategoryMutation, CategoryQuery
from .commission_api import CommissionMutation, CommissionQuery
from .coupons_api import CouponMutation, CouponQuery
from .events import EventQuery
from .floor_api import FloorMutation, FloorQuery
from .inventory_mutation import InventoryMutation, InventorySubscription
from .members import MemberQuery
from .members_mutation import MemberMutation
from .order_mutation import OrderMutation
from .order_query import OrderQuery, OrderSubscription
from .people import SignInInput, SignInPayload, sign_in
from .prices import PriceMutation
from .pricing import PricingQuery
from .promotions import PromotionMutation, PromotionQuery
from .refunds import RefundMutation
from .reports import ReportQuery
from .routing import RoutingMutation, RoutingQuery
from .sales_history import SalesHistoryQuery
from .stock_records_api import StockRecordsMutation, StockRecordsQuery, StockRecordsSubscription
from .sync import SyncMutation
from .till import TillMutation
from .transfers import TransferMutation, TransferQuery
from .webhooks import WebhookMutation, WebhookQuery


@strawberry.type
class AuthMutation:
    @strawberry.mutation(description="Staff sign in with email and password; returns a bearer token.")
    async def sign_in(self, info: Info[Context, None], input: SignInInput) -> SignInPayload:
        return await sign_in(info, input)


Query = merge_types(
    "Query",
    (
        CatalogQuery,
        CategoryQuery,
        MemberQuery,
        OrderQuery,
        RoutingQuery,
        CouponQuery,
        PromotionQuery,
        PricingQuery,
        FloorQuery,
        CommissionQuery,
        EventQuery,
        WebhookQuery,
        StockRecordsQuery,
        TransferQuery,
        SalesHistoryQuery,
        ReportQuery,
    ),
)
Mutation = merge_types(
    "Mutation",
    (
        InventoryMutation,
        AuthMutation,
        CategoryMutation,
        CatalogueMutation,
        PriceMutation,
        SyncMutation,
        OrderMutation,
        TillMutation,
        RoutingMutation,
        MemberMutation,
        CouponMutation,
        PromotionMutation,
        FloorMutation,
        CommissionMutation,
        WebhookMutation,
        RefundMutation,
        StockRecordsMutation,
        TransferMutation,
    ),
)
Subscription = merge_types("Subscription", (InventorySubscription, OrderSubscription, StockRecordsSubscription))
