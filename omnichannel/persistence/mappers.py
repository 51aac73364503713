"""Rows (asyncpg records or dicts) to domain objects. The only place that knows column names."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, TypeVar

from ..domain.access import Role
from ..domain.catalog import PriceOverride, Product, SalesChannel, Variant
from ..domain.coupons import Coupon, CouponKind, CouponStatus, CouponTemplate, Scope
from ..domain.geo import GeoPoint
from ..domain.inventory import StockLevel
from ..domain.locations import FulfillmentMode, Location, LocationKind
from ..domain.people import Member, StaffMember
from ..domain.points import EntryKind, PointsEntry
from ..domain.promotions import Promotion, PromotionKind
from ..domain.routing import RoutingRules

Row = Mapping[str, Any]
T = TypeVar("T")

LOCATION_COLUMNS = "id, code, name, kind, lat, lng, modes, delivery_radius_km, opening_hours, city, address, active"
PRODUCT_COLUMNS = "id, title, description, category_id, active"
VARIANT_COLUMNS = "id, product_id, sku, barcode, title, list_price, active"
STOCK_COLUMNS = "location_id, variant_id, on_hand, reserved, safety_stock, online_reserved"
ROUTING_RULES_COLUMNS = (
    "store_preference_km, allow_split, max_locations, merge_window_minutes, transfer_enabled, "
    "transfer_hours_per_10km, search_radius_km"
)


def parse_modes(raw: str) -> frozenset[FulfillmentMode]:
    return frozenset(FulfillmentMode(m) for m in raw.split(",") if m)


def format_modes(modes: frozenset[FulfillmentMode] | set[FulfillmentMode]) -> str:
    return ",".join(sorted(m.value for m in modes))


def to_location(row: Row) -> Location:
    return Location(
        id=row["id"],
        code=row["code"],
        name=row["name"],
        kind=LocationKind(row["kind"]),
        point=GeoPoint(row["lat"], row["lng"]),
        modes=parse_modes(row["modes"]),
        delivery_radius_km=row["delivery_radius_km"],
        opening_hours=row["opening_hours"],
        city=row["city"],
        address=row["address"],
        active=row["active"],
    )


def to_product(row: Row) -> Product:
    return Product(row["id"], row["title"], row["description"], row["category_id"], row["active"])


# a variant read with its product's active flag (VARIANT_COLUMNS, then this)
PRODUCT_ACTIVE = "(SELECT p.active FROM product p WHERE p.id = {v}.product_id) AS product_active"


def to_variant(row: Row) -> Variant:
    return Variant(
        row["id"],
        row["product_id"],
        row["sku"],
        row["barcode"],
        row["title"],
        row["list_price"],
        row["active"],
        row.get("product_active", True),
    )


def to_price_override(row: Row) -> PriceOverride:
    channel = row["channel"]
    return PriceOverride(
        variant_id=row["variant_id"],
        amount=row["amount"],
        channel=SalesChannel(channel) if channel else None,
        location_id=row["location_id"],
        valid_from=row.get("valid_from"),
        valid_until=row.get("valid_until"),
    )


OVERRIDE_COLUMNS = "variant_id, channel, location_id, amount, valid_from, valid_until"


def to_stock_level(row: Row) -> StockLevel:
    return StockLevel(
        row["location_id"],
        row["variant_id"],
        row["on_hand"],
        row["reserved"],
        row["safety_stock"],
        row["online_reserved"],
    )


def frozen_builder(cls: type[T], offset: int = 0) -> Callable[[Sequence[Any]], T]:
    """A positional constructor for a frozen, slotted dataclass without validation in __post_init__,
    from the row's columns offset, offset + 1, ...: the instance its __init__ builds (each field set
    once), without __init__'s detour through object.__setattr__ per field - about half the cost,
    which counts for thousands of rows a page."""
    names = [f.name for f in dataclasses.fields(cls)]  # type: ignore[arg-type]
    if "__post_init__" in vars(cls) or any(name not in vars(cls) for name in names):
        return lambda row: cls(*row[offset : offset + len(names)])
    setters = {f"s{i}": vars(cls)[name].__set__ for i, name in enumerate(names)}
    body = "; ".join(f"s{i}(o, row[{offset + i}])" for i in range(len(names)))
    scope: dict[str, Any] = {"new": object.__new__, "cls": cls, **setters}
    exec(f"def build(row):\n    o = new(cls); {body}\n    return o", scope)
    return scope["build"]  # type: ignore[no-any-return]


def to_stock_levels(rows: Iterable[Sequence[Any]]) -> list[StockLevel]:
    """Rows selected with exactly STOCK_COLUMNS, in that order: read by position (pages hold thousands)."""
    new = tuple.__new__
    return [new(StockLevel, row) for row in rows]


def to_staff(row: Row) -> StaffMember:
    return StaffMember(row["id"], row["email"], row["name"], Role(row["role"]), row["location_id"], row["active"])


MEMBER_COLUMNS = "id, member_number, display_name, phone, merged_into_id, points_balance"


def to_member(row: Row) -> Member:
    return Member(
        row["id"],
        row["member_number"],
        row["display_name"],
        row["phone"],
        row["merged_into_id"],
        row["points_balance"],
    )


# products.products_page_with_variants: page.*, then the variant, then its override (NULLs when none)
PAGE_WITH_VARIANTS_COLUMNS = (
    "page.id, page.title, page.description, page.category_id, page.active, "
    "v.id, v.product_id, v.sku, v.barcode, v.title, v.list_price, v.active, page.active, "
    "o.variant_id, o.channel, o.location_id, o.amount, o.valid_from, o.valid_until"
)


_page_product = frozen_builder(Product)  # columns 0-4
_page_variant = frozen_builder(Variant, 5)  # columns 5-12


def to_page_with_variants(rows: Iterable[Sequence[Any]]) -> tuple[list[Product], list[Variant], list[PriceOverride]]:
    """Rows of PAGE_WITH_VARIANTS_COLUMNS (read by position: the names repeat) to products in page
    order, their variants in display order and the variants' price overrides."""
    products: dict[int, Product] = {}
    variants: dict[int, Variant] = {}
    overrides: list[PriceOverride] = []
    for row in rows:
        if row[0] not in products:
            products[row[0]] = _page_product(row)
        if row[5] is not None and row[5] not in variants:
            variants[row[5]] = _page_variant(row)
        if row[13] is not None:
            channel = row[14]
            overrides.append(
                PriceOverride(
                    variant_id=row[13],
                    amount=row[16],
                    channel=SalesChannel(channel) if channel else None,
                    location_id=row[15],
                    valid_from=row[17],
                    valid_until=row[18],
                )
            )
    return list(products.values()), list(variants.values()), overrides


def to_routing_rules(row: Row) -> RoutingRules:
    return RoutingRules(
        store_preference_km=row["store_preference_km"],
        allow_split=row["allow_split"],
        max_locations=row["max_locations"],
        merge_window_minutes=row["merge_window_minutes"],
        transfer_enabled=row["transfer_enabled"],
        transfer_hours_per_10km=row["transfer_hours_per_10km"],
        search_radius_km=row["search_radius_km"],
    )


# --- loyalty: coupons, promotions, points -------------------------------------------------------

TEMPLATE_COLUMNS = (
    "id, title, kind, value, max_discount, min_spend, category_ids, product_ids, channels, store_ids, "
    "valid_from, valid_until, total_quantity, per_member_limit, issued_count, active"
)
COUPON_COLUMNS = (
    "c.id, c.template_id, c.member_id, c.code, c.status, t.title, c.claimed_at, c.valid_from, c.valid_until, "
    "c.used_at, c.order_id, c.store_id"
)
PROMOTION_COLUMNS = (
    "id, title, kind, threshold, amount_off, percent, category_ids, product_ids, valid_from, valid_until, active"
)
POINTS_ENTRY_COLUMNS = "id, member_id, kind, points, reason, order_id, created_at, expires_at, remaining"


def parse_ids(raw: str) -> frozenset[int]:
    return frozenset(int(part) for part in raw.split(",") if part)


def format_ids(ids: Iterable[int]) -> str:
    return ",".join(str(i) for i in sorted(ids))


def format_channels(channels: Iterable[SalesChannel]) -> str:
    return ",".join(sorted(c.value for c in channels))


def to_template(row: Row) -> CouponTemplate:
    return CouponTemplate(
        id=row["id"],
        title=row["title"],
        kind=CouponKind(row["kind"]),
        value=row["value"],
        max_discount=row["max_discount"],
        min_spend=row["min_spend"],
        scope=Scope(parse_ids(row["category_ids"]), parse_ids(row["product_ids"])),
        channels=frozenset(SalesChannel(c) for c in row["channels"].split(",") if c),
        store_ids=parse_ids(row["store_ids"]),
        valid_from=row["valid_from"],
        valid_until=row["valid_until"],
        total_quantity=row["total_quantity"],
        per_member_limit=row["per_member_limit"],
        issued_count=row["issued_count"],
        active=row["active"],
    )


def to_coupon(row: Row) -> Coupon:
    return Coupon(
        id=row["id"],
        template_id=row["template_id"],
        member_id=row["member_id"],
        code=row["code"],
        status=CouponStatus(row["status"]),
        title=row["title"],
        claimed_at=row["claimed_at"],
        valid_from=row["valid_from"],
        valid_until=row["valid_until"],
        used_at=row["used_at"],
        order_id=row["order_id"],
        store_id=row["store_id"],
    )


def to_promotion(row: Row) -> Promotion:
    return Promotion(
        id=row["id"],
        title=row["title"],
        kind=PromotionKind(row["kind"]),
        scope=Scope(parse_ids(row["category_ids"]), parse_ids(row["product_ids"])),
        threshold=row["threshold"],
        amount_off=row["amount_off"],
        percent=row["percent"],
        valid_from=row["valid_from"],
        valid_until=row["valid_until"],
        active=row["active"],
    )


def to_points_entry(row: Row) -> PointsEntry:
    return PointsEntry(
        id=row["id"],
        member_id=row["member_id"],
        kind=EntryKind(row["kind"]),
        points=row["points"],
        reason=row["reason"],
        order_id=row["order_id"],
        created_at=row["created_at"],
        expires_at=row["expires_at"],
        remaining=row["remaining"],
    )
