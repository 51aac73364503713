"""Fulfilment plans (the routing engine's preview) and head office's routing rules."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from ..domain.money import Money as DomainMoney
from ..domain.online_allocation import is_online
from ..domain.routing import Plan, RouteLine, Shipment
from ..domain.routing import RoutingRules as DomainRoutingRules
from ..resolvers import routing as use_cases
from ..resolvers.context import Context
from ..resolvers.mutation import mutate
from .catalog import Variant
from .enums import FulfillmentMode, SalesChannel
from .errors import UserError
from .lines import OrderLine, OrderLineInput
from .locations import GeoInput, Store
from .references import referenced
from .relay import decode_id


@strawberry.input
class FulfillmentPlanInput:
    lines: list[OrderLineInput]
    fulfillment_mode: FulfillmentMode
    pickup_store_id: strawberry.ID | None = strawberry.field(default=None, description="PICKUP: where to collect")
    destination: GeoInput | None = strawberry.field(default=None, description="EXPRESS and SAME_CITY")
    channel: SalesChannel | None = strawberry.field(
        default=None,
        description="MINI_PROGRAM or APP: plan within each store's online allocation share, as placeOrder does",
    )


@strawberry.type(description="What one store or warehouse would send, and how.")
class PlannedShipment:
    store: Store
    mode: FulfillmentMode
    lines: list[OrderLine] = strawberry.field(description="at the variant's list price (a plan has no channel)")
    distance_km: float = strawberry.field(
        description="to the customer; PICKUP: 0 at the pickup store, a transfer: to the pickup store"
    )
    transfer_to: Store | None = strawberry.field(
        description="PICKUP with a transfer: the pickup store this stock travels to; else null"
    )
    ready_after_hours: float = strawberry.field(description="the delay a transfer adds before pickup; else 0")


@strawberry.type(description="A line, or part of one, that no allowed location can supply.")
class PlanShortage:
    quantity: int
    _variant_id: strawberry.Private[int]

    @strawberry.field
    async def variant(self, info: Info[Context, None]) -> Variant:
        return Variant.from_domain(
            referenced(await info.context.loaders.variant.load(self._variant_id), "variant", self._variant_id)
        )


@strawberry.type(description="Where an order would be fulfilled from, by which mode, and why.")
class FulfillmentPlan:
    feasible: bool
    shipments: list[PlannedShipment]
    explanation: list[str] = strawberry.field(
        description="why the engine chose this plan, in words a clerk understands"
    )
    shortages: list[PlanShortage] = strawberry.field(description="what is missing when the plan is not feasible")
    alternatives: list[Store] = strawberry.field(
        description="stores offering pickup that have everything, nearest first (distanceKm from the pickup store, "
        "or from the customer for SAME_CITY)"
    )
    workable_modes: list[FulfillmentMode] = strawberry.field(
        description="SAME_CITY not possible: the modes that would work"
    )
    reason_code: str | None = strawberry.field(
        description="not feasible: why, e.g. OUT_OF_STOCK, OUT_OF_DELIVERY_AREA, MODE_NOT_OFFERED, TOO_MANY_PARCELS"
    )


@strawberry.type(description="Head office's routing settings.")
class RoutingRules:
    store_preference_km: float = strawberry.field(
        description="a store within this distance of the customer ships before a regional warehouse"
    )
    allow_split: bool = strawberry.field(description="may an order ship in several parcels")
    max_locations: int = strawberry.field(description="at most this many parcels (locations) for one order")
    merge_window_minutes: int = strawberry.field(
        description="a member's new parcel joins an open one to the same address and location this recent"
    )
    transfer_enabled: bool = strawberry.field(description="PICKUP: offer a transfer into the pickup store")
    transfer_hours_per_10km: float = strawberry.field(
        name="transferHoursPer10Km", description="the delay a transfer adds, per 10 km"
    )
    search_radius_km: float = strawberry.field(description="locations farther than this are not considered")

    @staticmethod
    def from_domain(rules: DomainRoutingRules) -> RoutingRules:
        return RoutingRules(
            store_preference_km=rules.store_preference_km,
            allow_split=rules.allow_split,
            max_locations=rules.max_locations,
            merge_window_minutes=rules.merge_window_minutes,
            transfer_enabled=rules.transfer_enabled,
            transfer_hours_per_10km=rules.transfer_hours_per_10km,
            search_radius_km=rules.search_radius_km,
        )


@strawberry.input(description="The rules to change; those left out keep their value.")
class UpdateRoutingRulesInput:
    store_preference_km: float | None = None
    allow_split: bool | None = None
    max_locations: int | None = None
    merge_window_minutes: int | None = None
    transfer_enabled: bool | None = None
    transfer_hours_per_10km: float | None = strawberry.field(default=None, name="transferHoursPer10Km")
    search_radius_km: float | None = None


@strawberry.type
class RoutingRulesPayload:
    rules: RoutingRules | None
    user_errors: list[UserError]


async def plan_from_domain(ctx: Context, plan: Plan) -> FulfillmentPlan:
    """The GraphQL plan; lines are priced at list price (the variants are cached by the use case)."""
    variant_ids = list(dict.fromkeys(line.variant_id for s in plan.shipments for line in s.lines))
    variants = await ctx.loaders.variant.load_many(variant_ids)
    prices = {v.id: DomainMoney.of(v.list_price) for v in variants if v is not None}

    def priced(lines: tuple[RouteLine, ...]) -> list[OrderLine]:
        return [OrderLine.of(line.variant_id, line.quantity, prices[line.variant_id]) for line in lines]

    def shipment(s: Shipment) -> PlannedShipment:
        return PlannedShipment(
            store=Store.from_domain(s.location),
            mode=s.mode,
            lines=priced(s.lines),
            distance_km=s.distance_km,
            transfer_to=Store.from_domain(s.transfer_to) if s.transfer_to is not None else None,
            ready_after_hours=s.ready_after_hours,
        )

    return FulfillmentPlan(
        feasible=plan.feasible,
        shipments=[shipment(s) for s in plan.shipments],
        explanation=list(plan.explanation),
        shortages=[PlanShortage(quantity=line.quantity, _variant_id=line.variant_id) for line in plan.shortages],
        alternatives=[Store.from_domain(location, distance) for location, distance in plan.alternatives],
        workable_modes=list(plan.workable_modes),
        reason_code=plan.reason.value if plan.reason is not None else None,
    )


@strawberry.type
class RoutingQuery:
    @strawberry.field(
        description="Where an order would be fulfilled from and why (the same engine placeOrder uses). "
        "Open to everyone, like stock availability."
    )
    async def fulfillment_plan(self, info: Info[Context, None], input: FulfillmentPlanInput) -> FulfillmentPlan:
        plan = await use_cases.fulfillment_plan(
            info.context,
            lines=[RouteLine(decode_id(line.variant_id, "Variant"), line.quantity) for line in input.lines],
            mode=input.fulfillment_mode,
            pickup_location_id=decode_id(input.pickup_store_id, "Store") if input.pickup_store_id else None,
            destination=input.destination.to_domain() if input.destination else None,
            online=input.channel is not None and is_online(input.channel),
        )
        return await plan_from_domain(info.context, plan)

    @strawberry.field(description="The routing rules in force (staff and services).")
    async def routing_rules(self, info: Info[Context, None]) -> RoutingRules:
        return RoutingRules.from_domain(await use_cases.routing_rules(info.context))


@strawberry.type
class RoutingMutation:
    @strawberry.mutation(description="Head office changes routing rules; the ones left out keep their value.")
    async def update_routing_rules(
        self, info: Info[Context, None], input: UpdateRoutingRulesInput
    ) -> RoutingRulesPayload:
        result = await mutate(
            info.context,
            use_cases.update_routing_rules,
            {
                "store_preference_km": input.store_preference_km,
                "allow_split": input.allow_split,
                "max_locations": input.max_locations,
                "merge_window_minutes": input.merge_window_minutes,
                "transfer_enabled": input.transfer_enabled,
                "transfer_hours_per_10km": input.transfer_hours_per_10km,
                "search_radius_km": input.search_radius_km,
            },
        )
        rules = RoutingRules.from_domain(result.value) if result.value is not None else None
        return RoutingRulesPayload(rules=rules, user_errors=UserError.many(result.errors))
