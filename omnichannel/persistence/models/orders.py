from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.fields.db_defaults import Now
from tortoise.migrations.constraints import CheckConstraint
from tortoise.models import Model

if TYPE_CHECKING:
    from typing import Any

    from .catalog import Variant
    from .locations import Location
    from .people import Member, Staff

ORDER_STATUSES = (
    "'PENDING_PAYMENT','CONFIRMED','PICKING','READY_FOR_PICKUP','SHIPPED','COMPLETED','CANCELLED','EXPIRED'"
)
FULFILLMENT_STATUSES = "'PENDING','PICKING','READY_FOR_PICKUP','SHIPPED','COMPLETED','CANCELLED'"


class Order(Model):
    """One order from any channel (`order` is an SQL keyword, hence customer_order)."""

    id = fields.IntField(primary_key=True)
    number = fields.CharField(max_length=24, unique=True)
    channel = fields.CharField(max_length=16)  # domain.catalog.SalesChannel
    status = fields.CharField(max_length=20)  # domain.orders.OrderStatus
    mode = fields.CharField(max_length=16)  # domain.locations.FulfillmentMode
    member: "fields.ForeignKeyNullableRelation[Member]" = fields.ForeignKeyField(
        "omnichannel.Member", related_name="orders", null=True, on_delete=fields.RESTRICT
    )
    placed_by = fields.CharField(max_length=140)
    placed_by_staff: "fields.ForeignKeyNullableRelation[Staff]" = fields.ForeignKeyField(
        "omnichannel.Staff", related_name="placed_orders", null=True, on_delete=fields.RESTRICT
    )
    placed_at_location: "fields.ForeignKeyNullableRelation[Location]" = fields.ForeignKeyField(
        "omnichannel.Location", related_name="taken_orders", null=True, on_delete=fields.RESTRICT
    )
    attributed_staff: "fields.ForeignKeyNullableRelation[Staff]" = fields.ForeignKeyField(
        "omnichannel.Staff", related_name="attributed_orders", null=True, on_delete=fields.RESTRICT
    )
    pickup_location: "fields.ForeignKeyNullableRelation[Location]" = fields.ForeignKeyField(
        "omnichannel.Location", related_name="pickup_orders", null=True, on_delete=fields.RESTRICT
    )
    shipping_address: "fields.JSONField[Any]" = fields.JSONField(null=True)
    subtotal = fields.DecimalField(max_digits=12, decimal_places=2)
    discount_total = fields.DecimalField(max_digits=12, decimal_places=2, default=0, db_default=0)
    total = fields.DecimalField(max_digits=12, decimal_places=2)
    currency = fields.CharField(max_length=3, default="CNY", db_default="CNY")
    points_redeemed = fields.IntField(default=0, db_default=0)
    points_earned = fields.IntField(default=0, db_default=0)
    reservation_expires_at = fields.DatetimeField(null=True)
    pickup_code = fields.CharField(max_length=16, null=True)
    cancel_reason = fields.CharField(max_length=200, null=True)
    created_at = fields.DatetimeField(auto_now_add=True, db_default=Now())
    updated_at = fields.DatetimeField(auto_now=True, db_default=Now())
    paid_at = fields.DatetimeField(null=True)
    cancelled_at = fields.DatetimeField(null=True)
    completed_at = fields.DatetimeField(null=True)

    class Meta:
        table = "customer_order"
        indexes = (("member_id", "id"), ("placed_at_location_id", "id"), ("updated_at",))
        constraints = (
            CheckConstraint(check=f"status IN ({ORDER_STATUSES})", name="order_status_known"),
            CheckConstraint(check="total >= 0 AND subtotal >= 0 AND discount_total >= 0", name="order_money_positive"),
            CheckConstraint(check="points_redeemed >= 0 AND points_earned >= 0", name="order_points_positive"),
        )


class OrderLine(Model):
    id = fields.IntField(primary_key=True)
    order: "fields.ForeignKeyRelation[Order]" = fields.ForeignKeyField(
        "omnichannel.Order", related_name="lines", on_delete=fields.CASCADE
    )
    position = fields.IntField()
    variant: "fields.ForeignKeyRelation[Variant]" = fields.ForeignKeyField(
        "omnichannel.Variant", related_name="order_lines", on_delete=fields.RESTRICT
    )
    quantity = fields.IntField()
    unit_price = fields.DecimalField(max_digits=12, decimal_places=2)

    class Meta:
        table = "order_line"
        unique_together = (("order_id", "position"),)
        constraints = (CheckConstraint(check="quantity > 0 AND unit_price >= 0", name="order_line_positive"),)


class Fulfillment(Model):
    """The part of an order one location picks and hands over (PICKUP) or ships."""

    id = fields.IntField(primary_key=True)
    order: "fields.ForeignKeyRelation[Order]" = fields.ForeignKeyField(
        "omnichannel.Order", related_name="fulfillments", on_delete=fields.CASCADE
    )
    location: "fields.ForeignKeyRelation[Location]" = fields.ForeignKeyField(
        "omnichannel.Location", related_name="fulfillments", on_delete=fields.RESTRICT
    )
    mode = fields.CharField(max_length=16)
    status = fields.CharField(max_length=20)  # domain.orders.FulfillmentStatus
    ships_with: "fields.ForeignKeyNullableRelation[Fulfillment]" = fields.ForeignKeyField(
        "omnichannel.Fulfillment", related_name="merged", null=True, on_delete=fields.SET_NULL
    )
    created_at = fields.DatetimeField(auto_now_add=True, db_default=Now())
    updated_at = fields.DatetimeField(auto_now=True, db_default=Now())

    class Meta:
        table = "fulfillment"
        indexes = (("order_id",), ("location_id", "order_id"))
        constraints = (CheckConstraint(check=f"status IN ({FULFILLMENT_STATUSES})", name="fulfillment_status_known"),)


class FulfillmentLine(Model):
    id = fields.IntField(primary_key=True)
    fulfillment: "fields.ForeignKeyRelation[Fulfillment]" = fields.ForeignKeyField(
        "omnichannel.Fulfillment", related_name="lines", on_delete=fields.CASCADE
    )
    variant: "fields.ForeignKeyRelation[Variant]" = fields.ForeignKeyField(
        "omnichannel.Variant", related_name="fulfillment_lines", on_delete=fields.RESTRICT
    )
    quantity = fields.IntField()
    unit_price = fields.DecimalField(max_digits=12, decimal_places=2)

    class Meta:
        table = "fulfillment_line"
        indexes = (("fulfillment_id",),)
        constraints = (CheckConstraint(check="quantity > 0", name="fulfillment_line_positive"),)


class Payment(Model):
    """A confirmed payment; the provider's reference is unique, so a repeated callback is a no-op."""

    id = fields.IntField(primary_key=True)
    order: "fields.ForeignKeyRelation[Order]" = fields.ForeignKeyField(
        "omnichannel.Order", related_name="payments", on_delete=fields.RESTRICT
    )
    reference = fields.CharField(max_length=100, unique=True)
    amount = fields.DecimalField(max_digits=12, decimal_places=2)
    currency = fields.CharField(max_length=3, default="CNY", db_default="CNY")
    actor = fields.CharField(max_length=140)
    created_at = fields.DatetimeField(auto_now_add=True, db_default=Now())

    class Meta:
        table = "payment"
        indexes = (("order_id",),)


class IdempotencyKey(Model):
    """placeOrder's idempotency keys, per caller: the same key returns the first order."""

    id = fields.IntField(primary_key=True)
    caller = fields.CharField(max_length=140)
    key = fields.CharField(max_length=100)
    fingerprint = fields.CharField(max_length=64)
    order: "fields.ForeignKeyNullableRelation[Order]" = fields.ForeignKeyField(
        "omnichannel.Order", related_name="idempotency_keys", null=True, on_delete=fields.CASCADE
    )
    created_at = fields.DatetimeField(auto_now_add=True, db_default=Now())

    class Meta:
        table = "idempotency_key"
        unique_together = (("caller", "key"),)
        indexes = (("created_at",),)
